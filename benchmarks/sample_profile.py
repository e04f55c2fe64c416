"""Where sampling time goes: the stages of ``tabgan sample`` for one saved model.

Usage: python benchmarks/sample_profile.py [MODEL_DIR] [--rows 300000] [--precision auto]

Times ``--rows`` rows of ``TabGAN.iter_sample`` (as ``tabgan sample`` runs it) in memory,
with the network's draws in their background thread and without (``tabgan.draw_ahead``),
and written to Parquet (``tabgan.io.write_table_chunks``); then samples them again under
``cProfile``, every stage in one thread, and reports the cumulative seconds of each stage's
function. cProfile adds
a little to the Python-heavy stages, so shares are indicative; the totals without the
profiler are measured separately. The default model is the Adult model ``benchmarks/speed.py``
fitted (benchmarks/work/adult/tabgan_model). Results are merged into
benchmarks/results/sample_profile.json, keyed by the model folder's name.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "sample_profile.json"

from tabgan import TabGAN, draw_ahead  # noqa: E402
from tabgan.io import write_table_chunks  # noqa: E402
from tabgan.nn.precision import resolve_precision  # noqa: E402

STAGES = {  # stage: (file suffix, function name) whose cumulative time it is
    "generator (matrix products)": ("tabgan/nn/generator.py", "infer"),
    "span draws (Gumbel-max, nulls)": ("tabgan/nn/activations.py", "sample"),
    "condition draws": ("tabgan/conditioning.py", "sample_original"),
    "decoding columns": ("tabgan/transforms/encoder.py", "decode_parts"),
    "target head (re-encoding and drawing)": ("tabgan/synthesizer.py", "_draw_target"),
    "copy filter (fingerprints)": ("tabgan/privacy/copies.py", "matches"),
    "looked-up columns and constraints": ("tabgan/constraints.py", "reverse"),
}


def profile(model: TabGAN, rows: int) -> tuple[float, dict[str, float]]:
    """Stage seconds of ``rows`` rows, every stage in this thread (cProfile follows one)."""
    draw_ahead.IN_BACKGROUND = False
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in model.iter_sample(rows):
        pass
    profiler.disable()
    total = time.perf_counter() - started
    draw_ahead.IN_BACKGROUND = True
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    seconds = {}
    for stage, (suffix, name) in STAGES.items():
        # the largest: an outer function's cumulative time holds same-named inner ones
        # (ConstraintSet.reverse calls each constraint's reverse)
        seconds[stage] = max((v[3] for (file, _, func), v in stats.items() if file.endswith(suffix) and func == name),
                             default=0.0)
    return total, seconds


def in_memory_seconds(model: TabGAN, rows: int) -> float:
    started = time.perf_counter()
    for _ in model.iter_sample(rows):
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(REPO / "benchmarks" / "work" / "adult" / "tabgan_model"))
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"], help="the generator's products")
    args = parser.parse_args()
    model = TabGAN.load(args.model, device="cpu", sample_precision=args.precision)
    model.sample(10_000)  # warm-up: first calls pay one-off costs
    plain = in_memory_seconds(model, args.rows)
    draw_ahead.IN_BACKGROUND = False
    one_thread = in_memory_seconds(model, args.rows)
    draw_ahead.IN_BACKGROUND = True
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_table_chunks(model.iter_sample(args.rows), Path(tmp) / "out.parquet")
        with_parquet = time.perf_counter() - started
    profiled, stages = profile(model, args.rows)
    rest = profiled - sum(stages.values())
    result = {
        "command": "python benchmarks/sample_profile.py " + " ".join(sys.argv[1:]),
        "model": args.model, "rows": args.rows, "torch_threads": torch.get_num_threads(),
        "precision": resolve_precision(args.precision, model.device_),
        "rows_per_second_in_memory": round(args.rows / plain), "rows_per_second_to_parquet": round(args.rows / with_parquet),
        "rows_per_second_in_memory_draws_in_one_thread": round(args.rows / one_thread),
        "parquet_writing_share": round(1 - plain / with_parquet, 3),
        "profiled_seconds": round(profiled, 3),
        "stage_shares_of_generation": {k: round(v / profiled, 3) for k, v in stages.items()},
        "other_share_of_generation": round(rest / profiled, 3),
        "microseconds_per_row": {k: round(v / args.rows * 1e6, 2) for k, v in stages.items()},
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[Path(args.model).parent.name + "/" + Path(args.model).name] = result
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
