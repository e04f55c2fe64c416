"""Fit tabgan on one table and print the SDMetrics quality of a full-size sample.

Usage: python benchmarks/quick_quality.py DATA [--epochs N] [--seed N] [key=value ...]
A development aid for trying settings; the full side-by-side benchmark is benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import json
import time

from sdmetrics.reports.single_table import QualityReport

from tabgan import TabGAN, infer_schema
from tabgan.io import read_table


def sdmetrics_metadata(schema) -> dict:
    kinds = {"categorical": "categorical", "boolean": "categorical", "continuous": "numerical",
             "integer": "numerical", "datetime": "datetime", "id": "id"}
    columns = {}
    for c in schema.columns:
        columns[c.name] = {"sdtype": kinds[c.kind]}
        if c.kind == "datetime" and c.datetime_format:
            columns[c.name]["datetime_format"] = c.datetime_format
    return {"columns": columns}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=0, help="also score every N epochs (time excludes scoring)")
    parser.add_argument("settings", nargs="*")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    real = read_table(args.data)
    schema = infer_schema(real)
    settings = {}
    for item in args.settings:
        key, value = item.split("=", 1)
        settings[key] = json.loads(value)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    scoring = {"seconds": 0.0}
    curve = []

    def score(model: TabGAN) -> dict:
        synthetic = model.sample(len(real))
        report = QualityReport()
        report.generate(real, synthetic, sdmetrics_metadata(schema), verbose=False)
        props = report.get_properties().set_index("Property")["Score"]
        gaps = {c: abs(real[c].isna().mean() - synthetic[c].isna().mean()) for c in real.columns}
        worst = max(gaps, key=gaps.get)
        return {
            "max_null_gap": [worst, round(float(gaps[worst]), 4)],
            "quality": round(report.get_score(), 4),
            "column_shapes": round(float(props["Column Shapes"]), 4),
            "column_pair_trends": round(float(props["Column Pair Trends"]), 4),
        }

    def hook(model: TabGAN, epoch: int) -> None:
        if args.every and epoch % args.every == 0:
            t = time.perf_counter()
            result = {"epoch": epoch, "train_seconds": round(t - started - scoring["seconds"], 1), **score(model)}
            scoring["seconds"] += time.perf_counter() - t
            curve.append(result)
            print(json.dumps(result), flush=True)

    started = time.perf_counter()
    model = TabGAN(random_state=args.seed, device="cpu", **settings).fit(real, schema, epoch_hook=hook)
    fit_seconds = time.perf_counter() - started - scoring["seconds"]
    print(json.dumps({"data": args.data, "settings": settings, "fit_seconds": round(fit_seconds, 1), **score(model)}))


if __name__ == "__main__":
    main()
