"""Training-step speed on Adult at default network sizes, and the machine's fp32 matmul peak.

Usage: python benchmarks/step_speed.py [--threads N]
Best of three timings of 30 critic steps and 30 generator steps (batch 500), after a
warm-up; the matmul peak is the best GFLOP/s of square float32 products (1024, 2048).
Writes benchmarks/results/step_speed.json. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan.config import TabGANConfig  # noqa: E402
from tabgan.io import read_table  # noqa: E402
from tabgan.schema import infer_schema, validate  # noqa: E402
from tabgan.training import GANTrainer  # noqa: E402
from tabgan.transforms import TableEncoder  # noqa: E402


def matmul_peak() -> float:
    best = 0.0
    for n in (1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        for _ in range(3):
            a @ b
        started = time.perf_counter()
        for _ in range(10):
            a @ b
        best = max(best, 2 * n**3 * 10 / (time.perf_counter() - started) / 1e9)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    real = read_table(DATASETS / "adult_train.csv")
    schema = infer_schema(real)
    frame = validate(real, schema)
    rng = np.random.default_rng(0)
    encoder = TableEncoder(schema).fit(frame, rng)
    encoded = encoder.encode(frame, rng)
    config = TabGANConfig().validate()
    trainer = GANTrainer(encoder.layout, torch.from_numpy(encoded.scalars), torch.from_numpy(encoded.codes),
                         config, torch.device("cpu"), torch.Generator().manual_seed(0))
    batch, steps = config.batch_size, 30
    for _ in range(5):
        trainer.critic_step(batch)
        trainer.generator_step(batch)
    critic = generator = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(steps):
            trainer.critic_step(batch)
        middle = time.perf_counter()
        for _ in range(steps):
            trainer.generator_step(batch)
        critic = min(critic, (middle - started) / steps)
        generator = min(generator, (time.perf_counter() - middle) / steps)
    step = critic + generator
    result = {
        "command": "python benchmarks/step_speed.py " + " ".join(sys.argv[1:]),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "matmul_peak_gflops": round(matmul_peak(), 1),
        "batch_size": batch, "critic_step_ms": round(critic * 1000, 1), "generator_step_ms": round(generator * 1000, 1),
        "rows_per_second": round(batch / step), "adult_epoch_seconds": round(len(real) // batch * step, 2),
    }
    out = REPO / "benchmarks" / "results" / "step_speed.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
