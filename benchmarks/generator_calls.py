"""How many rows one generator call should take when sampling: speed and memory per call size.

Usage: python benchmarks/generator_calls.py [--tables nafld1,adult] [--batches 2048,4096,8192] [--rows 200000]

For each table's model that benchmarks/speed.py fitted (benchmarks/work/TABLE/tabgan_model)
and each call size, one fresh process loads the model (recording its resident memory after
the imports and after loading, and whether sympy got imported), then times the network's
half of sampling (``TabGAN._network_draw``: generator products in the model's sampling
precision, span draws, null scores) for ``--rows`` conditions with
``synthesizer.GENERATOR_BATCH`` set to the size: best of three, and the peak RSS above the
loaded model. Results go to benchmarks/results/generator_calls.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work"
RESULTS = REPO / "benchmarks" / "results" / "generator_calls.json"


def memory_mb() -> dict[str, int]:
    """The process's resident memory now and at its peak, in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {"rss": int(fields["VmRSS"].split()[0]) // 1024, "peak": int(fields["VmHWM"].split()[0]) // 1024}


def time_calls(model_dir: Path, batch: int, rows: int) -> dict[str, object]:
    """In this process: load the model, then time ``rows`` rows of network draws in calls of ``batch``."""
    sys.path.insert(0, str(REPO))
    import torch

    import tabgan.synthesizer as synthesizer

    imported = memory_mb()["rss"]
    model = synthesizer.TabGAN.load(model_dir)
    loaded = memory_mb()
    sympy = "sympy" in sys.modules
    synthesizer.GENERATOR_BATCH = batch
    model.generator_.eval()
    rng = torch.Generator().manual_seed(0)
    conditions = model._condition_sampler().sample_original(rows, rng).index
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        model._network_draw(conditions, rng, True)
        best = min(best, time.perf_counter() - started)
    return {
        "rows_per_second": round(rows / best), "peak_rss_above_loaded_mb": memory_mb()["peak"] - loaded["peak"],
        "rss_after_imports_mb": imported, "rss_after_load_mb": loaded["rss"], "sympy_imported": sympy,
    }


def _sizes(text: str) -> list[int]:
    """``--batches``: positive whole numbers, comma-separated."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every call size must be at least 1")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", default="nafld1,adult")
    parser.add_argument("--batches", default="2048,4096,8192", type=_sizes, help="generator call sizes, comma-separated")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--time", nargs=2, metavar=("MODEL", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        print(json.dumps(time_calls(Path(args.time[0]), int(args.time[1]), args.rows)))
        return
    result = {
        "command": " ".join(["python benchmarks/generator_calls.py", *sys.argv[1:]]),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rows": args.rows, "tables": {},
    }
    for table in args.tables.split(","):
        model_dir = WORK / table / "tabgan_model"
        if not model_dir.exists():
            parser.error(f"no model for {table!r} at {model_dir}: run python benchmarks/speed.py --tables {table} first")
        for batch in map(str, args.batches):
            command = [sys.executable, __file__, "--rows", str(args.rows), "--time", str(model_dir), batch]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result["tables"].setdefault(table, {})[batch] = json.loads(output.strip().splitlines()[-1])
            print(table, batch, result["tables"][table][batch], flush=True)
    RESULTS.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
