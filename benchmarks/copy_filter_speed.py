"""Time the copy filter on a million rows: fingerprinting 31 copies of Adult (1,009,391 rows)
and checking 32,561 rows against them; and what it costs sampling: 500,000 rows streamed in
memory from a 1-epoch Adult model, with the filter and without. Quoted in docs/PRIVACY.md.

Usage: python benchmarks/copy_filter_speed.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from tabgan import TabGAN
from tabgan.privacy.copies import CopyFilter
from tabgan.schema import infer_schema

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SAMPLE_ROWS = 500_000


def main() -> None:
    adult = pd.read_csv(DATASETS / "adult_train.csv")
    schema = infer_schema(adult)
    training = pd.concat([adult] * 31, ignore_index=True)
    started = time.perf_counter()
    copies = CopyFilter.fit(training, schema, "0123456789abcdef")
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    matched = copies.matches(adult)
    check_seconds = time.perf_counter() - started
    model = TabGAN(epochs=1, random_state=0, select_best=False).fit(adult)
    sampling = {}
    for label in ("with_filter", "without_filter"):
        started = time.perf_counter()
        rows = sum(len(chunk) for chunk in model.iter_sample(SAMPLE_ROWS))
        sampling[label] = round(rows / (time.perf_counter() - started))
        model.copy_filter_ = None
    print(json.dumps({
        "training_rows": len(training), "distinct_fingerprints": len(copies.known), "fit_seconds": round(fit_seconds, 2),
        "checked_rows": len(adult), "check_seconds": round(check_seconds, 3), "matched_share": float(matched.mean()),
        "sample_rows": SAMPLE_ROWS, "sample_rows_per_second": sampling,
    }))


if __name__ == "__main__":
    main()
