"""Privacy benchmark: copies, membership inference and the cost of differential privacy.

For each run, tabgan is fitted (Python API) on a table of ../shared/datasets, as many rows as
the training table are sampled, and ``tabgan.evaluation.evaluate`` scores them against the
training rows and a holdout: quality, detection, train-on-synthetic AUC, exact-copy rate (all
rows), DCR share and the membership-inference attacks. Adult's holdout is adult_test.csv; the
other tables are split 80/20 (seed 0) and the model sees only the 80%.

Runs (``--runs``; default all, in this order):

- ``adult``, ``credit_data``, ``nafld1``, ``movielens``: default settings;
- ``adult_dp10``, ``adult_dp1``: Adult with ``dp_epsilon`` 10 and 1 (other settings default).

Results are merged into benchmarks/results/privacy.json (one entry per run, with the
command); ``--markdown`` prints the table of docs/PRIVACY.md from it.

Usage: python benchmarks/privacy.py [--runs adult adult_dp1 ...] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATASETS = REPO.parent / "shared" / "datasets"
RESULTS = REPO / "benchmarks" / "results" / "privacy.json"

from result_tables import markdown_table, number  # noqa: E402

from tabgan import TabGAN, __version__  # noqa: E402
from tabgan.evaluation import evaluate  # noqa: E402
from tabgan.evaluation.privacy import exact_copy_rate  # noqa: E402
from tabgan.io import read_table  # noqa: E402
from tabgan.schema import infer_schema  # noqa: E402

TABLES = {  # name: (file, target, holdout file or None for an 80/20 split)
    "adult": ("adult_train.csv", "income", "adult_test.csv"),
    "credit_data": ("credit_data.csv", "Status", None),
    "nafld1": ("nafld1_patients.csv", "status", None),
    "movielens": ("movielens_ratings.csv.gz", None, None),
}
RUNS: dict[str, tuple[str, dict[str, Any]]] = {
    "adult": ("adult", {}),
    "adult_dp10": ("adult", {"dp_epsilon": 10.0}),
    "adult_dp1": ("adult", {"dp_epsilon": 1.0}),
    "credit_data": ("credit_data", {}),
    "nafld1": ("nafld1", {}),
    "movielens": ("movielens", {}),
}
SEED = 0


def tables(name: str) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """Training rows, holdout rows and the target of a table."""
    file, target, holdout = TABLES[name]
    real = read_table(DATASETS / file)
    if holdout is not None:
        return real, read_table(DATASETS / holdout), target
    order = np.random.default_rng(SEED).permutation(len(real))
    cut = int(0.8 * len(real))
    return real.iloc[order[:cut]].reset_index(drop=True), real.iloc[order[cut:]].reset_index(drop=True), target


def run(name: str) -> dict[str, Any]:
    table, settings = RUNS[name]
    train, holdout, target = tables(table)
    schema = infer_schema(train, target=target)
    started = time.perf_counter()
    model = TabGAN(random_state=SEED, **settings).fit(train, schema)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = model.sample(len(train))
    sample_seconds = time.perf_counter() - started
    report = evaluate(train, synthetic, schema=schema, holdout=holdout, target=target, seed=SEED).to_dict()
    privacy = report["privacy"]
    attacks = privacy["membership_inference"]
    utility = report["utility"]
    return {
        "table": table,
        "settings": settings,
        "rows": {"train": len(train), "holdout": len(holdout), "synthetic": len(synthetic)},
        "fit_seconds": round(fit_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "epochs": len(model.history_.epochs),
        "quality": report["fidelity"]["quality"]["score"],
        "column_shapes": report["fidelity"]["quality"]["column_shapes"],
        "column_pair_trends": report["fidelity"]["quality"]["column_pair_trends"],
        "detection_auc": report["fidelity"]["detection"]["roc_auc"],
        "tstr_auc": None if utility is None else utility["synthetic"]["roc_auc"],
        "trtr_auc": None if utility is None else utility["real"]["roc_auc"],
        # on every row (the report's own figure is on every row too; recomputed as a check)
        "exact_copy_rate": exact_copy_rate(train, synthetic, schema),
        "exact_copy_rate_report": privacy["exact_copy_rate"],
        "exact_copy_rate_holdout": privacy["exact_copy_rate_holdout"],
        "dcr_share": privacy["dcr_share"],
        "membership_inference": attacks,
        "privacy": model.privacy_,
        "command": f"python benchmarks/privacy.py --runs {name}",
    }


def load() -> dict[str, Any]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}


def save(results: dict[str, Any]) -> None:
    results["machine"] = {"platform": platform.platform(), "processor": platform.processor() or platform.machine()}
    results["tabgan_version"] = __version__
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=float) + "\n")


def markdown(results: dict[str, Any]) -> str:
    header = [
        "run", "ε spent (δ)", "quality", "shapes", "trends", "TSTR AUC", "detection AUC", "exact copies",
        "DCR share", "membership AUC (holdout baseline)", "fit s",
    ]
    rows = []
    for name in RUNS:
        r = results["runs"].get(name)
        if r is None:
            continue
        dp = r["privacy"].get("differential_privacy")
        eps = f"{dp['epsilon']:.2f} ({dp['delta']:.0e})" if dp else "none"
        mia = r["membership_inference"]
        attack = "n/a"
        if mia:
            best = mia["attacks"][mia["strongest"]]
            attack = f"{best['auc']:.3f} ({best['baseline_auc']:.3f})"
        rows.append([
            name, eps, number(r["quality"]), number(r["column_shapes"]), number(r["column_pair_trends"]),
            number(r["tstr_auc"]), number(r["detection_auc"]), f"{r['exact_copy_rate']:.4f}", number(r["dcr_share"]),
            attack, f"{r['fit_seconds']:.0f}",
        ])
    return markdown_table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table from the results")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(load()))
        return
    for name in args.runs:
        print(f"== {name}", flush=True)
        result = run(name)
        results = load()
        results["runs"][name] = result
        save(results)
        print(json.dumps({k: result[k] for k in ("quality", "tstr_auc", "exact_copy_rate", "dcr_share", "fit_seconds")}),
              flush=True)


if __name__ == "__main__":
    main()
