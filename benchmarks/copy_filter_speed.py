"""Time the copy filter on a million rows: fingerprinting 31 copies of Adult (1,009,391 rows)
and checking 32,561 rows against them. Quoted in docs/PRIVACY.md.

Usage: python benchmarks/copy_filter_speed.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from tabgan.privacy.copies import CopyFilter
from tabgan.schema import infer_schema

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


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
    print(json.dumps({
        "training_rows": len(training), "distinct_fingerprints": len(copies.known), "fit_seconds": round(fit_seconds, 2),
        "checked_rows": len(adult), "check_seconds": round(check_seconds, 3), "matched_share": float(matched.mean()),
    }))


if __name__ == "__main__":
    main()
