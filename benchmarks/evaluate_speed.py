"""How long `tabgan.evaluate` takes on a big table: 100k real rows x 20 columns.

Usage: python benchmarks/evaluate_speed.py
Adult rows are resampled to 100,000 and widened to 20 columns (a numeric score, a date, a
boolean, a 300-label text column, a count), against 100,000 "synthetic" rows made the same
way with another seed and a 30,000-row holdout from adult_test. Prints the seconds of each
part and writes benchmarks/results/evaluate_speed.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan.evaluation import evaluate  # noqa: E402


def widen(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.iloc[rng.integers(0, len(frame), n)].reset_index(drop=True)
    out["score"] = rng.normal(size=n) + out["age"] / 10
    days = pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    out["signup"] = (pd.Timestamp("2015-01-01") + days).strftime("%Y-%m-%d")
    out["member"] = rng.random(n) < 0.3
    out["region"] = np.char.add("r", rng.integers(0, 300, n).astype(str))
    out["visits"] = rng.poisson(30, n)
    return out


def main() -> None:
    train = pd.read_csv(DATASETS / "adult_train.csv")
    test = pd.read_csv(DATASETS / "adult_test.csv")
    real, synthetic, holdout = widen(train, 100_000, 1), widen(train, 100_000, 2), widen(test, 30_000, 3)
    started = time.perf_counter()
    report = evaluate(real, synthetic, holdout=holdout, target="income")
    evaluate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    html = report.to_html()
    html_seconds = time.perf_counter() - started
    result = {
        "command": "python benchmarks/evaluate_speed.py",
        "shape": list(real.shape),
        "evaluate_seconds": round(evaluate_seconds, 1),
        "html_seconds": round(html_seconds, 1),
        "html_bytes": len(html),
        "parts_seconds": report.info.get("seconds"),
        "headline": report.headline(),
    }
    out = REPO / "benchmarks" / "results" / "evaluate_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
