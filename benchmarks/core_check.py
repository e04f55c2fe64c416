"""The core acceptance run: infer, fit at default settings, sample as many rows as the input,
then check the sample against the real table and score Adult with SDMetrics.

Usage:
    python benchmarks/core_check.py [--datasets adult_train.csv credit_data.csv ...] [--out FILE]

Each table goes through the real command line (`tabgan schema infer`, `tabgan fit`,
`tabgan sample`) in a subprocess, timed from outside. Results: benchmarks/results/core_check.json
and a Markdown table printed at the end.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan.schema import TableSchema  # noqa: E402


def tabgan(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tabgan", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def check_sample(real: pd.DataFrame, fake: pd.DataFrame, schema: TableSchema) -> dict:
    problems: list[str] = []
    if list(real.columns) != list(fake.columns):
        problems.append("columns differ")
    for column in schema.columns:
        r, f = real[column.name], fake[column.name]
        if r.dtype != f.dtype:
            problems.append(f"{column.name}: dtype {f.dtype} != {r.dtype}")
        gap = abs(r.isna().mean() - f.isna().mean())
        if gap > 0.02:
            problems.append(f"{column.name}: null rate off by {gap:.3f}")
        if column.kind in ("categorical", "boolean"):
            unseen = set(f.dropna().unique()) - set(r.dropna().unique())
            if unseen:
                problems.append(f"{column.name}: {len(unseen)} categories the real column lacks")
        elif column.kind in ("continuous", "integer"):
            if f.min() < r.min() or f.max() > r.max():
                problems.append(f"{column.name}: values outside the real bounds")
            if column.kind == "integer" and not np.all(np.mod(f.dropna().to_numpy(float), 1) == 0):
                problems.append(f"{column.name}: non-integer values")
        elif column.kind == "id" and not f.dropna().is_unique:
            problems.append(f"{column.name}: ids repeat")
    return {"ok": not problems, "problems": problems}


def quality(real: pd.DataFrame, fake: pd.DataFrame, schema: TableSchema) -> dict:
    from sdmetrics.reports.single_table import QualityReport

    kinds = {"categorical": "categorical", "boolean": "categorical", "continuous": "numerical",
             "integer": "numerical", "datetime": "datetime", "id": "id"}
    metadata = {"columns": {c.name: {"sdtype": kinds[c.kind]} for c in schema.columns}}
    report = QualityReport()
    report.generate(real, fake, metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return {"score": round(report.get_score(), 4), "column_shapes": round(float(props["Column Shapes"]), 4),
            "column_pair_trends": round(float(props["Column Pair Trends"]), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["adult_train.csv", "credit_data.csv", "nafld1_patients.csv"])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "core_check.json"))
    parser.add_argument("--seed", default="0")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name in args.datasets:
            data = DATASETS / name
            real = pd.read_csv(data)
            schema_path, model, out = tmp / f"{name}.yaml", tmp / f"{name}.model", tmp / f"{name}.synthetic.csv"
            infer_s = tabgan("schema", "infer", str(data), "-o", str(schema_path))
            fit_s = tabgan("fit", str(data), "--schema", str(schema_path), "-o", str(model), "--seed", args.seed, "--quiet")
            sample_s = tabgan("sample", str(model), "-n", str(len(real)), "-o", str(out))
            fake = pd.read_csv(out)
            schema = TableSchema.from_yaml(schema_path)
            history = json.loads((model / "history.json").read_text())["epochs"]
            row = {
                "dataset": name, "rows": len(real), "columns": real.shape[1], "epochs": len(history),
                "infer_seconds": round(infer_s, 1), "fit_seconds": round(fit_s, 1), "sample_seconds": round(sample_s, 1),
                "checks": check_sample(real, fake, schema), "quality": quality(real, fake, schema),
            }
            print(json.dumps(row), flush=True)
            results.append(row)
    payload = {
        "command": "python benchmarks/core_check.py " + " ".join(sys.argv[1:]),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": __import__("os").cpu_count()},
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=1))
    print("\n| table | rows | epochs | fit s | sample s | checks | quality | shapes | pair trends |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        q = r["quality"]
        print(f"| {r['dataset']} | {r['rows']:,} | {r['epochs']} | {r['fit_seconds']} | {r['sample_seconds']} | "
              f"{'pass' if r['checks']['ok'] else '; '.join(r['checks']['problems'])} | {q['score']} | "
              f"{q['column_shapes']} | {q['column_pair_trends']} |")


if __name__ == "__main__":
    main()
