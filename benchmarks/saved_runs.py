"""Shared by the scripts that inspect a run saved by ``fidelity.py --save-dir``: the command
line (a run folder and its table), the run's training rows and sample, and merging a result
into a JSON file keyed by the run folder's name."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd
from privacy import TABLES, tables


def load_saved_run(description: str) -> tuple[argparse.Namespace, pd.DataFrame, str | None, pd.DataFrame]:
    """Parse ``run_dir [--table T]``; return the arguments, the table's training rows, its
    target and the run's ``synthetic.parquet``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("run_dir", type=Path, help="a folder written by fidelity.py --save-dir")
    parser.add_argument("--table", choices=list(TABLES), default="adult")
    args = parser.parse_args()
    train, _, target = tables(args.table)
    return args, train, target, pd.read_parquet(args.run_dir / "synthetic.parquet")


def merge_result(path: Path, args: argparse.Namespace, script: str, result: dict[str, Any]) -> None:
    """Record ``result`` (with the command that made it) under the run folder's name in ``path``."""
    result["command"] = f"python benchmarks/{script} {args.run_dir} --table {args.table}"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[f"{args.run_dir.parent.name}/{args.run_dir.name}"] = result
    path.write_text(json.dumps(results, indent=1) + "\n")
