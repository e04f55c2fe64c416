"""Which columns give a synthetic table away: detection AUC column by column.

For a sample saved by ``benchmarks/fidelity.py --save-dir DIR``, prints the detection ROC AUC
(``tabgan.evaluation.fidelity.detection``: gradient boosting, 5 folds) of each column alone
and of the whole table without that column, against the training rows it was fitted on.
A column whose AUC alone is high differs in shape; one whose removal lowers the whole
table's AUC carries relations the generator gets wrong. "Alone" means little for a column
of few distinct values: detection keeps identical rows in one fold, so each value is
predicted by a model that never saw it (n/a, or below 0.5); read "without" for those.

Usage: python benchmarks/detection_columns.py benchmarks/work/fid/defaults-adult-0 [--table adult]
Results are merged into benchmarks/results/detection_columns.json, keyed by the run folder's name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "detection_columns.json"

from saved_runs import load_saved_run, merge_result  # noqa: E402

from tabgan.evaluation.fidelity import detection  # noqa: E402
from tabgan.schema import TableSchema, infer_schema  # noqa: E402


def subset(schema: TableSchema, names: list[str]) -> TableSchema:
    """The schema of ``names`` alone (no target, no constraints)."""
    return TableSchema([schema.column(n) for n in names])


def column_detection(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, seed: int = 0) -> dict:
    """Whole-table AUC, and per column: AUC of it alone and of the table without it."""
    names = [c.name for c in schema.columns if c.kind != "id"]
    whole = detection(real, synthetic, subset(schema, names), seed)["roc_auc"]
    rows = {}
    for name in names:
        alone = detection(real[[name]], synthetic[[name]], subset(schema, [name]), seed)["roc_auc"]
        rest = [n for n in names if n != name]
        without = detection(real[rest], synthetic[rest], subset(schema, rest), seed)["roc_auc"]
        rows[name] = {"alone": alone, "without": without}
    return {"whole": whole, "columns": rows}


def main() -> None:
    args, train, target, synthetic = load_saved_run(__doc__.splitlines()[0])
    schema = infer_schema(train, target=target)
    result = column_detection(train, synthetic, schema)
    print(f"whole table: {result['whole']:.3f}")
    print(f"{'column':<24} {'alone':>6} {'without':>8}")
    def shown(value: float | None) -> str:  # None: too few distinct rows for a cross-validated AUC
        return "n/a" if value is None else f"{value:.3f}"

    for name, row in sorted(result["columns"].items(), key=lambda kv: -(kv[1]["alone"] or 0.5)):
        print(f"{name:<24} {shown(row['alone']):>6} {shown(row['without']):>8}")
    merge_result(RESULTS, args, "detection_columns.py", result)

if __name__ == "__main__":
    main()
