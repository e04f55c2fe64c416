"""Sampling 10,000,000 Adult rows to Parquet with bounded memory: seconds, rows/s and peak RSS.

Usage: python benchmarks/sample_10m.py [--rows N] [--model DIR]
Runs ``tabgan sample`` as its own process on the Adult model that ``benchmarks/speed.py``
fitted at default settings (benchmarks/work/adult/tabgan_model) and takes the peak RSS of that
process alone (os.wait4). Writes benchmarks/results/sample_10m.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from speed import run_stage, tabgan_cli  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--model", default=str(REPO / "benchmarks" / "work" / "adult" / "tabgan_model"))
    args = parser.parse_args()
    output = REPO / "benchmarks" / "work" / "adult" / "sample_10m.parquet"
    stage = run_stage(tabgan_cli("sample", args.model, "-n", str(args.rows), "-o", str(output)))
    if stage["exit"] != 0:
        raise SystemExit(stage["output_tail"])
    written = pq.ParquetFile(output).metadata.num_rows
    result = {
        "command": "python benchmarks/sample_10m.py " + " ".join(sys.argv[1:]),
        "rows": written, "seconds": round(stage["seconds"], 1), "rows_per_second": round(written / stage["seconds"]),
        "peak_rss_mb": round(stage["peak_rss_mb"]), "file_mb": round(output.stat().st_size / 2**20),
        "cli_output": stage["output_tail"].strip().splitlines()[-1],
    }
    output.unlink()
    (REPO / "benchmarks" / "results" / "sample_10m.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
