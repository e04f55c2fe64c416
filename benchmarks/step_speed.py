"""Training-step speed on Adult, the FLOPs a step computes, and the machine's fp32 matmul peak.

Usage: python benchmarks/step_speed.py [--threads N] [--batch-sizes 500,1000,2000] [--gp-every 1,2,4] [--pac 10]

For each setting: best of three timings of 20 training steps (critic update + generator
update) after a warm-up, at CTGAN's network sizes (generator 256-256, critic 256-256, noise
128, PacGAN 10). FLOPs are counted by torch's own formulas for every matrix product the step
runs (forward, backward and the gradient penalty's double backward); condition lookups are
gathers and count no FLOPs, as they compute none. The matmul peak is the best GFLOP/s of
square float32 products (512, 1024, 2048). Also times the fit of Adult's encoders (every
codec, the numeric mixtures in one batch). Writes benchmarks/results/step_speed.json.
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan.config import TabGANConfig  # noqa: E402
from tabgan.io import read_table  # noqa: E402
from tabgan.schema import infer_schema, validate  # noqa: E402
from tabgan.training import GANTrainer  # noqa: E402
from tabgan.transforms import TableEncoder  # noqa: E402


class CountFlops(TorchDispatchMode):
    """Counts the FLOPs of every aten op torch has a formula for (matrix products)."""

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.flops += formula(*args, **kwargs, out_val=out)
        return out


def matmul_peak() -> float:
    best = 0.0
    for n in (512, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        for _ in range(3):
            a @ b
        started = time.perf_counter()
        for _ in range(10):
            a @ b
        best = max(best, 2 * n**3 * 10 / (time.perf_counter() - started) / 1e9)
    return best


def measure(encoder: TableEncoder, scalars: torch.Tensor, codes: torch.Tensor, rows: int, **settings: int) -> dict:
    config = TabGANConfig(**settings).validate()
    trainer = GANTrainer(encoder.layout, scalars, codes, config, torch.device("cpu"), torch.Generator().manual_seed(0))
    batch = config.batch_size
    for _ in range(5):
        trainer.step(batch)
    with CountFlops() as counter:
        for _ in range(config.gp_every):  # a whole cycle of lazy penalties
            trainer.step(batch)
    flops = counter.flops / config.gp_every
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(20):
            trainer.step(batch)
        best = min(best, (time.perf_counter() - started) / 20)
    return {
        **settings, "step_ms": round(best * 1000, 2), "rows_per_second": round(batch / best),
        "epoch_seconds": round(rows // batch * best, 3), "mflop_per_step": round(flops / 1e6, 1),
        "gflops": round(flops / best / 1e9, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-sizes", default="500")
    parser.add_argument("--gp-every", default="1")
    parser.add_argument("--pac", type=int, default=10, help="rows per critic pack (10: ctgan's; tabgan's default: 2)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    real = read_table(DATASETS / "adult_train.csv")
    schema = infer_schema(real)
    frame = validate(real, schema)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    encoder = TableEncoder(schema).fit(frame, rng)  # every codec; the mixtures in one batch
    encoder_fit = time.perf_counter() - started
    encoded = encoder.encode(frame, rng)
    scalars, codes = torch.from_numpy(encoded.scalars), torch.from_numpy(encoded.codes)
    peak = matmul_peak()
    runs = []
    for batch in map(int, args.batch_sizes.split(",")):
        for every in map(int, args.gp_every.split(",")):
            run = measure(encoder, scalars, codes, len(real), batch_size=batch, gp_every=every, pac=args.pac)
            run["share_of_peak"] = round(run["gflops"] / peak, 3)
            print(json.dumps(run), flush=True)
            runs.append(run)
    result = {
        "command": "python benchmarks/step_speed.py " + " ".join(sys.argv[1:]),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "matmul_peak_gflops": round(peak, 1),
        "layout": {"data_dim": encoder.layout.data_dim, "cond_dim": sum(encoder.layout.cond_widths)},
        "adult_encoder_fit_seconds": round(encoder_fit, 3),
        "runs": runs,
    }
    out = REPO / "benchmarks" / "results" / "step_speed.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))


if __name__ == "__main__":
    main()
