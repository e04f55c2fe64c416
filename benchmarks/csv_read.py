"""What reading a CSV costs, part by part: the encoding check, the dialect, the leading-zero scan.

Usage: python benchmarks/csv_read.py [--copies 30] [--rounds 2]

Writes Adult's training rows ``--copies`` times into one CSV under benchmarks/work/csv_read/
(30 copies: 976,830 rows, 105 MB), then times, best of ``--rounds``: the UTF-8 check over the
whole file (``tabgan.io.text_encoding``), the delimiter and decimal mark (``csv_dialect``,
which includes the UTF-8 check), the scan for codes with leading zeros (``_code_columns``),
and the whole reads ``read_table`` and ``read_table_compact`` (what ``tabgan fit`` uses).
Results go to benchmarks/results/csv_read.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "csv_read.json"
ADULT = REPO.parent / "shared" / "datasets" / "adult_train.csv"

from tabgan.io import _code_columns, csv_dialect, read_table, read_table_compact, text_encoding  # noqa: E402


def best_seconds(work: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    path = REPO / "benchmarks" / "work" / "csv_read" / f"adult_x{args.copies}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.concat([pd.read_csv(ADULT)] * args.copies, ignore_index=True).to_csv(path, index=False)
    dialect = csv_dialect(path)
    rows = sum(1 for _ in path.open("rb")) - 1
    result = {
        "command": "python benchmarks/csv_read.py " + " ".join(sys.argv[1:]),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": rows, "megabytes": round(path.stat().st_size / 1e6, 1), "dialect": vars(dialect),
        "seconds": {
            "utf8_check": best_seconds(lambda: text_encoding(path), args.rounds),
            "dialect": best_seconds(lambda: csv_dialect(path), args.rounds),
            "leading_zero_scan": best_seconds(lambda: _code_columns(path, dialect), args.rounds),
            "read_table": best_seconds(lambda: read_table(path), args.rounds),
            "read_table_compact": best_seconds(lambda: read_table_compact(path), args.rounds),
        },
    }
    print(json.dumps(result, indent=1))
    RESULTS.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
