"""Sampling a wide table: peak RSS and rows/s of ``tabgan sample`` on 250 columns.

Usage: python benchmarks/wide_table.py [--rows 100000] [--tabgan-path DIR] [--label NAME]

Builds a seeded table of 2,000 rows and 250 columns (150 normal numbers, 100 categorical
columns of 7 labels) under benchmarks/work/wide/, fits it once with this checkout's CLI
(2 epochs: the network's shape, not its quality, decides sampling's memory), then samples
``--rows`` rows to Parquet with ``python -m tabgan sample`` in a process of its own and
records its peak RSS and rows/s. ``--tabgan-path`` runs that process with another checkout's
tabgan (``git worktree add /tmp/base COMMIT``), so a change can be measured
against its base with the same model. Results are merged into
benchmarks/results/wide_table.json: each run is added to the runs of its ``--label`` (default:
the commit of the tabgan used).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "wide_table.json"
FOLDER = REPO / "benchmarks" / "work" / "wide"

from speed import run_stage, tabgan_cli  # noqa: E402  (beside this file)


def wide_table(path: Path, rows: int = 2_000, numbers: int = 150, categories: int = 100) -> None:
    rng = np.random.default_rng(0)
    columns = {f"num{i}": rng.normal(size=rows) for i in range(numbers)}
    columns.update({f"cat{i}": rng.choice(list("abcdefg"), rows) for i in range(categories)})
    pd.DataFrame(columns).to_parquet(path, index=False)


def commit_of(path: Path) -> str:
    """The checkout's commit, with '+changes' when its tabgan/ differs from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=path, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "tabgan"], cwd=path, capture_output=True, text=True).stdout
    return head + ("+changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tabgan-path", type=Path, default=REPO, help="the checkout whose tabgan samples")
    parser.add_argument("--label", default=None)
    args = parser.parse_args()
    FOLDER.mkdir(parents=True, exist_ok=True)
    data, model = FOLDER / "wide.parquet", FOLDER / "model"
    if not data.exists():
        wide_table(data)
    if not model.exists():
        fitted = run_stage(tabgan_cli("fit", str(data), "-o", str(model), "--epochs", "2", "--seed", "0", "--quiet"))
        if fitted["exit"] != 0:
            sys.exit(f"fit failed: {fitted['output_tail']}")
    # the CLI of --tabgan-path's tabgan (``-m tabgan`` would find this checkout's first: it runs here)
    cli = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(args.tabgan_path.resolve())!r}); "
           "from tabgan.cli import main; main()"]
    stage = run_stage([*cli, "sample", str(model), "-n", str(args.rows), "-o", str(FOLDER / "sample.parquet")])
    if stage["exit"] != 0:
        sys.exit(f"sample failed: {stage['output_tail']}")
    rate = re.search(r"\(([0-9,]+) rows/s\)", stage["output_tail"])
    label = args.label or commit_of(args.tabgan_path)
    result = {
        "command": "python benchmarks/wide_table.py " + " ".join(sys.argv[1:]),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "tabgan": label, "rows": args.rows,
        "columns": 250, "rows_per_second": float(rate.group(1).replace(",", "")) if rate else args.rows / stage["seconds"],
        "peak_rss_mb": stage["peak_rss_mb"],
    }
    print(json.dumps(result, indent=1))
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged.setdefault(label, {"runs": []})["runs"].append(result)
    RESULTS.write_text(json.dumps(merged, indent=1))


if __name__ == "__main__":
    main()
