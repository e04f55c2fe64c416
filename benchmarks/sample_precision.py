"""Sampling with the generator's products in bfloat16 against float32, for one saved model.

Usage: python benchmarks/sample_precision.py [MODEL_DIR] [--data CSV] [--rows 200000] [--rounds 3]

Measures, for ``--precision fp32`` and ``bf16`` (tabgan.nn.precision) in alternation:
- the generator's forward pass on 8,192 rows (best of 15 calls, after 3 warm-up calls);
- ``iter_sample`` of ``--rows`` rows in memory, the whole sampling path;
and, from 50,000 rows of each with the same seed, how far the two outputs are apart
(categorical cells that differ, numeric cells' median absolute difference in standard
deviations of the real column) and each output's SDMetrics quality against ``--data``
(by default the Adult training table the default model was fitted on). The default model is
the one benchmarks/speed.py fits (benchmarks/work/adult/tabgan_model). bf16 needs a CPU with
bfloat16 units (AMX or AVX512-BF16) to be faster; elsewhere it is refused or emulated.
Writes benchmarks/results/sample_precision.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "sample_precision.json"
DEFAULT_MODEL = REPO / "benchmarks" / "work" / "adult" / "tabgan_model"
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "adult_train.csv"
GENERATOR_ROWS = 8_192
COMPARED_ROWS = 50_000

from tabgan import TabGAN  # noqa: E402
from tabgan.evaluation.fidelity import quality  # noqa: E402
from tabgan.io import read_table  # noqa: E402
from tabgan.nn.precision import native_bf16_products, product_precision  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from sample_profile import in_memory_seconds  # noqa: E402  (beside this file)


def generator_microseconds(model: TabGAN, precision: str) -> float:
    """Microseconds a row of the generator's forward pass on GENERATOR_ROWS rows (best of 15)."""
    generator = model.generator_
    rng = torch.Generator().manual_seed(0)
    noise = torch.randn(GENERATOR_ROWS, model.config_.noise_dim, generator=rng)
    cond = model._condition_sampler().sample_original(GENERATOR_ROWS, rng).index
    best = float("inf")
    with product_precision(precision):
        for call in range(18):
            started = time.perf_counter()
            generator.infer(noise, cond)
            if call >= 3:
                best = min(best, time.perf_counter() - started)
    return best / GENERATOR_ROWS * 1e6


def sampling_rows_per_second(model: TabGAN, precision: str, rows: int) -> float:
    model.sample_precision = precision
    return rows / in_memory_seconds(model, rows)


def differences(real: pd.DataFrame, a: pd.DataFrame, b: pd.DataFrame, numeric: list[str]) -> dict[str, float]:
    """Share of categorical cells that differ; per numeric column, the median absolute
    difference in standard deviations of the real column."""
    categorical = [c for c in a.columns if c not in numeric]
    changed = float(np.mean([(a[c].astype(str) != b[c].astype(str)).mean() for c in categorical])) if categorical else 0.0
    spread = {c: float((a[c] - b[c]).abs().median() / real[c].std()) for c in numeric}
    return {"categorical_cells_changed": round(changed, 5),
            "numeric_median_abs_difference_in_sd": {c: round(v, 5) for c, v in spread.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(DEFAULT_MODEL))
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the table the model was fitted on")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = TabGAN.load(args.model, device="cpu")
    if not native_bf16_products(torch.device("cpu")):
        raise SystemExit("this CPU has no bfloat16 units (AMX or AVX512-BF16), or torch < 2.9: nothing to compare")
    model.sample(10_000)  # warm-up
    rounds = []
    for _ in range(args.rounds):  # alternate, so the machine's drift falls on both
        rounds.append({p: {"generator_us_per_row": round(generator_microseconds(model, p), 3),
                           "sampling_rows_per_second": round(sampling_rows_per_second(model, p, args.rows))}
                       for p in ("fp32", "bf16")})
    real = read_table(args.data)
    outputs = {}
    for precision in ("fp32", "bf16"):
        model.sample_precision = precision
        outputs[precision] = model.sample(COMPARED_ROWS, seed=0)
    numeric = [c.name for c in model.schema_.columns if c.kind in ("continuous", "integer")]
    scores = {p: round(quality(real, frame, model.schema_)["score"], 4) for p, frame in outputs.items()}
    median = {p: {k: statistics.median(r[p][k] for r in rounds) for k in rounds[0][p]} for p in ("fp32", "bf16")}
    result = {
        "command": "python benchmarks/sample_precision.py " + " ".join(sys.argv[1:]),
        "model": args.model, "rows": args.rows, "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "rounds": rounds, "median": median,
        "generator_speedup": round(median["fp32"]["generator_us_per_row"] / median["bf16"]["generator_us_per_row"], 2),
        "sampling_speedup": round(median["bf16"]["sampling_rows_per_second"] / median["fp32"]["sampling_rows_per_second"], 3),
        "quality": scores,
        "differences_at_seed_0": differences(real, outputs["fp32"], outputs["bf16"], numeric),
    }
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
