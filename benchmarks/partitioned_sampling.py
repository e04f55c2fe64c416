"""Sampling 10,000,000 Adult rows into a partitioned Parquet dataset with 1 and 2 workers:
wall seconds, rows/s, peak RSS, and whether the part files are byte-identical.

Usage: OMP_NUM_THREADS=1 python benchmarks/partitioned_sampling.py [--rows N] [--part-rows R]
       [--workers 1 2] [--model DIR] [--epochs E]

Fits an Adult model at the current defaults (copy filter on) with few epochs unless it is
already there (benchmarks/work/adult/partitioned_model, or --model DIR): the point is
sampling, not quality. Each run of ``write_partitioned`` is a process of its own, so its
memory figures are its own:

- ``peak_rss_parent_mb``: ``getrusage(RUSAGE_SELF).ru_maxrss`` of the process that calls
  ``write_partitioned`` (with 1 worker it samples too; with more it only waits);
- ``peak_rss_largest_worker_mb``: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that process:
  on Linux the peak of its *largest* terminated child (one worker), not a sum;
- ``peak_rss_total_bound_mb``: parent + workers x largest worker, an upper bound on the
  peak of all of them together.

Writes benchmarks/results/partitioned_sampling.json; the datasets are deleted afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work" / "adult"
ADULT = REPO.parent / "shared" / "datasets" / "adult_train.csv"
RESULT = REPO / "benchmarks" / "results" / "partitioned_sampling.json"


def child(args: argparse.Namespace) -> None:
    """One run, in a process of its own: write the dataset, print the figures as JSON."""
    from tabgan.export import write_partitioned

    started = time.perf_counter()
    summary = write_partitioned(args.model, args.rows, args.out, part_rows=args.part_rows, workers=args.workers[0],
                                device="cpu")
    wall = time.perf_counter() - started
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    this, workers = own.ru_maxrss / 1024, kids.ru_maxrss / 1024  # KiB on Linux
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    print(json.dumps({
        "workers": summary.workers, "rows": summary.rows, "parts": summary.parts,
        "seconds": round(wall, 1), "rows_per_second": round(summary.rows / wall),
        "cpu_seconds": round(cpu, 1),  # this process and its workers, imports included
        "peak_rss_parent_mb": round(this), "peak_rss_largest_worker_mb": round(workers) if summary.workers > 1 else None,
        "peak_rss_total_bound_mb": round(this + (summary.workers * workers if summary.workers > 1 else 0)),
    }))


def ensure_model(model: Path, epochs: int) -> dict:
    if (model / "model.json").exists():
        return {"model": str(model.relative_to(REPO)), "fitted_now": False}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tabgan", "fit", str(ADULT), "-o", str(model), "--epochs", str(epochs),
                    "--seed", "0", "--device", "cpu", "--quiet"], check=True, cwd=REPO)
    return {"model": str(model.relative_to(REPO)), "fitted_now": True, "fit_epochs": epochs,
            "fit_seconds": round(time.perf_counter() - started, 1)}


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--part-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", type=Path, default=WORK / "partitioned_model")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.model = args.model.resolve()
    if args.child:
        return child(args)

    WORK.mkdir(parents=True, exist_ok=True)
    model = ensure_model(args.model, args.epochs)
    runs, hashes = [], {}
    for workers in args.workers:
        out = WORK / f"partitioned_w{workers}"
        command = [sys.executable, __file__, "--child", "--model", str(args.model), "--rows", str(args.rows),
                   "--part-rows", str(args.part_rows), "--workers", str(workers), "--out", str(out)]
        load_before = os.getloadavg()[0]
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        # other work on the machine shows as a load above the run's own workers
        run["load_average_1m"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
        run["dataset_mb"] = round(sum(p.stat().st_size for p in out.iterdir()) / 2**20)
        hashes[workers] = digests(out)
        runs.append(run)
        print(json.dumps(run), flush=True)
    identical = len({json.dumps(h, sort_keys=True) for h in hashes.values()}) == 1
    for workers in args.workers:
        shutil.rmtree(WORK / f"partitioned_w{workers}")
    result = {
        "command": "python benchmarks/partitioned_sampling.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
        **model, "rows": args.rows, "part_rows": args.part_rows,
        "runs": runs, "identical_bytes_across_workers": identical,
        "memory_note": "peak_rss_parent_mb = RUSAGE_SELF of the process calling write_partitioned; "
                       "peak_rss_largest_worker_mb = RUSAGE_CHILDREN of it (Linux: the largest single worker); "
                       "peak_rss_total_bound_mb = parent + workers x largest worker (upper bound)",
    }
    RESULT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
