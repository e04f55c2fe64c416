"""Training-step time of this checkout against an earlier commit, interleaved on one machine.

Usage: python benchmarks/step_ab.py --base COMMIT [--tables adult,credit_data,nafld1] [--rounds 4]

These VMs drift by 15-30% within an hour, so two step timings taken at different times say
little about a change of 10%. This script checks ``--base`` out into a temporary git worktree
and, for each table and round, times the training step in one fresh process of the base and
then one of this checkout (``python benchmarks/step_ab.py --time REPO TABLE``): best of five
timings of 20 steps after 10 warm-up steps, at ctgan's batch and network sizes (batch 500,
pac 10) and tabgan's other defaults, on the table's encoded rows. Reports each pair and the
median ratio; writes benchmarks/results/step_ab.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
RESULTS = REPO / "benchmarks" / "results" / "step_ab.json"
DEFAULT_TABLES = "adult,credit_data,nafld1"  # the whole tables ctgan fits (speed.py's TABLES names them)


def equal_size_trainer(csv: Path):  # noqa: ANN201  (a GANTrainer of whichever tabgan is on the path)
    """A trainer on ``csv``'s encoded rows at ctgan's batch and network sizes (batch 500, pac
    10) and tabgan's other defaults, seeded. Imports tabgan here, from whatever ``sys.path``
    finds first, so a caller can choose the checkout (also used by step_profile.py)."""
    import numpy as np
    import torch

    from tabgan.config import TabGANConfig
    from tabgan.io import read_table
    from tabgan.schema import infer_schema, validate
    from tabgan.training import GANTrainer
    from tabgan.transforms import TableEncoder

    real = read_table(csv)
    schema = infer_schema(real)
    frame = validate(real, schema)
    rng = np.random.default_rng(0)
    encoder = TableEncoder(schema).fit(frame, rng)
    encoded = encoder.encode(frame, rng)
    config = TabGANConfig(batch_size=500, pac=10).validate()
    return GANTrainer(
        encoder.layout, torch.from_numpy(encoded.scalars), torch.from_numpy(encoded.codes), config,
        torch.device("cpu"), torch.Generator().manual_seed(0),
    )


def time_step(repo: Path, csv: Path) -> float:
    """Milliseconds per training step of the code in ``repo`` (run in a fresh process, which
    must import tabgan from ``repo`` and nothing from this checkout)."""
    sys.path.insert(0, str(repo))
    trainer = equal_size_trainer(csv)
    batch = trainer.config.batch_size
    for _ in range(10):
        trainer.step(batch)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(20):
            trainer.step(batch)
        best = min(best, (time.perf_counter() - started) / 20)
    return best * 1000


def measure(repo: Path, csv: Path) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--time", str(repo), str(csv)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", help="the commit to compare against")
    parser.add_argument("--tables", default=DEFAULT_TABLES)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--time", nargs=2, metavar=("REPO", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        print(time_step(Path(args.time[0]), args.time[1]))
        return
    if not args.base:
        parser.error("--base is required")
    sys.path.insert(0, str(REPO / "benchmarks"))
    from speed import TABLES  # noqa: E402  (only here: a timing process must not import this checkout)

    unknown = [t for t in args.tables.split(",") if t not in TABLES]
    if unknown:
        parser.error(f"unknown table(s) {', '.join(unknown)}; speed.py's tables are {', '.join(TABLES)}")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "tabgan"], cwd=REPO, capture_output=True, text=True).stdout)
    result = {"command": "python benchmarks/step_ab.py " + " ".join(sys.argv[1:]), "base": args.base,
              "checkout": head + ("+changes" if dirty else ""), "tables": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        added = subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=REPO, capture_output=True, text=True)
        if added.returncode:
            parser.error(f"--base {args.base!r}: git could not check it out ({added.stderr.strip()})")
        try:
            for table in args.tables.split(","):
                pairs = []
                for _ in range(args.rounds):
                    csv = DATASETS / TABLES[table][0]
                    pairs.append((round(measure(base, csv), 2), round(measure(REPO, csv), 2)))
                    print(table, "base ms", pairs[-1][0], "checkout ms", pairs[-1][1], flush=True)
                ratio = statistics.median(b / c for b, c in pairs)
                result["tables"][table] = {"pairs_ms": pairs, "median_speedup": round(ratio, 3)}
                print(table, "median speedup", round(ratio, 3), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False, capture_output=True)
    RESULTS.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
