"""Checks of a saved synthetic sample that the scores average away.

For a run saved by ``benchmarks/fidelity.py --save-dir DIR`` (its ``synthetic.parquet``),
against the table's training rows:

- **lookups**: for each column that is a function of a categorical column in the real rows
  (``tabgan.dependencies.find_dependencies``), the share of synthetic rows whose pair is not
  the real one;
- **uncommon values**: for each integer and continuous column, the share of synthetic rows
  whose value is not among the real values seen at least 5 times;
- **top values**: the real and synthetic shares of each numeric column's 5 most common real
  values (heaps such as a 40- or 50-hour week).

Usage: python benchmarks/sample_checks.py benchmarks/work/fid/pac2-adult-0 [--table adult]
Results are merged into benchmarks/results/sample_checks.json, keyed by the run folder's name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "sample_checks.json"

from saved_runs import load_saved_run, merge_result  # noqa: E402

from tabgan.dependencies import find_dependencies  # noqa: E402
from tabgan.schema import infer_schema  # noqa: E402

COMMON_COUNT = 5
TOP_VALUES = 5


def checks(real: pd.DataFrame, synthetic: pd.DataFrame, target: str | None) -> dict[str, Any]:
    schema = infer_schema(real, target=target, dependencies=False)
    lookups = {}
    for rule in find_dependencies(real, schema.columns):
        mapping = real.drop_duplicates(rule["by"]).set_index(rule["by"])[rule["column"]]
        wrong = synthetic[rule["by"]].map(mapping) != synthetic[rule["column"]]
        lookups[f"{rule['column']} by {rule['by']}"] = round(float(wrong.mean()), 4)
    uncommon, top = {}, {}
    for column in schema.columns:
        if column.kind not in ("integer", "continuous"):
            continue
        counts = real[column.name].value_counts()
        common = counts.index[counts >= COMMON_COUNT]
        uncommon[column.name] = round(float((~synthetic[column.name].isin(common)).mean()), 4)
        shares = synthetic[column.name].value_counts(normalize=True)
        top[column.name] = {
            str(value): {"real": round(float(count / len(real)), 4), "synthetic": round(float(shares.get(value, 0.0)), 4)}
            for value, count in counts.head(TOP_VALUES).items()
        }
    return {"lookups_wrong": lookups, "uncommon_values": uncommon, "top_values": top}


def main() -> None:
    args, train, target, synthetic = load_saved_run(__doc__.splitlines()[0])
    result = checks(train, synthetic, target)
    merge_result(RESULTS, args, "sample_checks.py", result)
    print(json.dumps(result, indent=1))

if __name__ == "__main__":
    main()
