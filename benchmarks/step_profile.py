"""Where a training step's time goes: torch's profiler over 20 steps of one table.

Usage: python benchmarks/step_profile.py [--table credit_data]

At ctgan's batch and network sizes (batch 500, pac 10) and tabgan's other defaults, after 10
warm-up steps: the profiled milliseconds a step (self CPU time of every operation, summed),
how many operations the profiler records a step, the share of the matrix products
(``aten::mm``, ``aten::addmm``), the optimisers' steps (``Optimizer.step``, kernels and
Python) and the ten costliest operations. The profiler adds its own overhead, so the shares
are what to read. Results are merged into benchmarks/results/step_profile.json by table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "step_profile.json"

from speed import DATASETS, TABLES  # noqa: E402  (beside this file)
from step_ab import equal_size_trainer  # noqa: E402

STEPS = 20
MATMULS = ("aten::mm", "aten::addmm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", default="credit_data", choices=sorted(TABLES))
    args = parser.parse_args()
    trainer = equal_size_trainer(DATASETS / TABLES[args.table][0])
    batch = trainer.config.batch_size
    for _ in range(10):
        trainer.step(batch)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(STEPS):
            trainer.step(batch)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 1000 / STEPS
    matmul = sum(e.self_cpu_time_total for e in events if e.key in MATMULS) / 1000 / STEPS
    optimiser = sum(e.cpu_time_total for e in events if e.key.startswith("Optimizer.step")) / 1000 / STEPS
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:10]
    result = {
        "command": "python benchmarks/step_profile.py " + " ".join(sys.argv[1:]),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "profiled_ms_per_step": round(total, 2),
        "operations_per_step": round(sum(e.count for e in events) / STEPS),
        "matrix_products_ms_per_step": round(matmul, 2),
        "matrix_products_share": round(matmul / total, 3),
        "optimiser_steps_ms_per_step": round(optimiser, 2),
        "top_operations_ms_per_step": {e.key: round(e.self_cpu_time_total / 1000 / STEPS, 2) for e in top},
    }
    print(json.dumps(result, indent=1))
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged[args.table] = result
    RESULTS.write_text(json.dumps(merged, indent=1))


if __name__ == "__main__":
    main()
