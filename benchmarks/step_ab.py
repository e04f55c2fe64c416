"""Training-step time (or sampling speed) of this checkout against an earlier commit,
interleaved on one machine.

Usage: python benchmarks/step_ab.py --base COMMIT [--tables adult,credit_data,nafld1] [--rounds 4]
       python benchmarks/step_ab.py --base COMMIT --measure sample [--rows 1000000]

These VMs drift by 15-30% within an hour, so two step timings taken at different times say
little about a change of 10%. This script checks ``--base`` out into a temporary git worktree
and, for each table and round, times the training step in one fresh process of the base and
then one of this checkout (``python benchmarks/step_ab.py --time REPO TABLE``): best of five
timings of 20 steps after 10 warm-up steps, at ctgan's batch and network sizes (batch 500,
pac 10) and tabgan's other defaults, on the table's encoded rows. Reports each pair and the
median ratio; writes benchmarks/results/step_ab.json.

``--measure sample`` times sampling instead: ``--rows`` rows of the table's model that
benchmarks/speed.py fitted (benchmarks/work/TABLE/tabgan_model) streamed to a Parquet file
by ``TabGAN.iter_sample`` and ``write_table_chunks`` (what ``tabgan sample`` runs), once per
fresh process, after a 10,000-row warm-up; reports rows/s and each process's peak RSS, and
writes each table's run into benchmarks/results/sample_ab.json under its base, checkout (and the rows, when not 1M).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
RESULTS = {"step": REPO / "benchmarks" / "results" / "step_ab.json",
           "sample": REPO / "benchmarks" / "results" / "sample_ab.json"}
WORK = REPO / "benchmarks" / "work"
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


def sampling_rate(repo: Path, model_dir: Path, rows: int) -> float:
    """Rows per second of ``rows`` rows from ``model_dir`` streamed to Parquet by the code in
    ``repo`` (a fresh process importing tabgan from ``repo`` only; its peak RSS is read by
    :func:`measure` when it ends)."""
    sys.path.insert(0, str(repo))
    from tabgan import TabGAN
    from tabgan.io import write_table_chunks

    model = TabGAN.load(model_dir, device="cpu")
    model.sample(10_000)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_table_chunks(model.iter_sample(rows), Path(tmp) / "out.parquet")
        return rows / (time.perf_counter() - started)


def measure(repo: Path, what: str, target: Path, rows: int) -> tuple[float, float]:
    """Step milliseconds (``what`` step, ``target`` a CSV) or sampling rows/s (sample, a model),
    and the peak RSS (MB) of the fresh process that measured it."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--time", what, str(repo), str(target), str(rows)], stdout=subprocess.PIPE, text=True
    )
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the timing process for {repo} failed")
    return float(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", help="the commit to compare against")
    parser.add_argument("--tables", default=DEFAULT_TABLES)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--measure", choices=["step", "sample"], default="step")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows sampled (--measure sample)")
    parser.add_argument("--time", nargs=4, metavar=("WHAT", "REPO", "TARGET", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        what, repo, target, rows = args.time
        print(time_step(Path(repo), Path(target)) if what == "step" else sampling_rate(Path(repo), Path(target), int(rows)))
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
    unit = "ms" if args.measure == "step" else "rows/s"
    targets = {t: DATASETS / TABLES[t][0] if args.measure == "step" else WORK / t / "tabgan_model" for t in args.tables.split(",")}
    missing = [str(path) for path in targets.values() if not path.exists()]
    if missing:
        parser.error(f"not found: {', '.join(missing)} (--measure sample needs the models benchmarks/speed.py fits)")
    result = {"command": "python benchmarks/step_ab.py " + " ".join(sys.argv[1:]), "base": args.base,
              "checkout": head + ("+changes" if dirty else ""), "measure": args.measure, "unit": unit, "tables": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        added = subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=REPO, capture_output=True, text=True)
        if added.returncode:
            parser.error(f"--base {args.base!r}: git could not check it out ({added.stderr.strip()})")
        try:
            for table, target in targets.items():
                pairs, peaks = [], []
                for _ in range(args.rounds):
                    (b, b_peak), (c, c_peak) = (measure(repo, args.measure, target, args.rows) for repo in (base, REPO))
                    pairs.append((round(b, 2), round(c, 2)))
                    peaks.append((round(b_peak), round(c_peak)))
                    print(table, f"base {unit}", pairs[-1][0], f"checkout {unit}", pairs[-1][1],
                          "peak RSS MB", peaks[-1], flush=True)
                # a speed-up: less time a step, or more rows a second
                ratio = statistics.median(b / c if args.measure == "step" else c / b for b, c in pairs)
                result["tables"][table] = {"command": result["command"], "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                           f"pairs_{'ms' if args.measure == 'step' else 'rows_per_second'}": pairs,
                                           "median_speedup": round(ratio, 3), "pairs_peak_rss_mb": peaks,
                                           "median_peak_rss_ratio": round(statistics.median(c / b for b, c in peaks), 3)}
                print(table, "median speedup", round(ratio, 3), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False, capture_output=True)
    if args.measure == "step":
        RESULTS["step"].write_text(json.dumps(result, indent=1))
    else:  # one entry per base, checkout and row count; a later run of other tables joins it
        runs = json.loads(RESULTS["sample"].read_text()) if RESULTS["sample"].exists() else {}
        key = f"{args.base} vs {result['checkout']}" + ("" if args.rows == 1_000_000 else f", {args.rows:,} rows")
        entry = runs.setdefault(key, {k: v for k, v in result.items() if k != "tables"} | {"tables": {}})
        entry["tables"].update(result["tables"])
        RESULTS["sample"].write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
