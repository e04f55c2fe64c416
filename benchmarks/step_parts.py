"""What a training step's wall time is made of: a fixed part and a part per row, and the
share of each optional piece of work.

Usage: python benchmarks/step_parts.py [--tables adult,credit_data,nafld1] [--rounds 10]

At ctgan's network sizes (pac 10, 256-256 layers, noise 128) and tabgan's other defaults,
on each table's encoded rows (``step_ab.equal_size_trainer``):

- **by batch size**: milliseconds a step at batch 100, 250, 500 and 1,000 (best of three
  rounds through every size, 20 steps each after 5 warm-up steps), and the least-squares
  line through them: its intercept is what a step costs whatever its rows (Python, dispatch, optimisers, the
  critic's pack-sized work), its slope what each row adds;
- **without one piece**: at batch 500, two trainers in one process, one of them with a piece
  of work taken out, timed in alternation (``--rounds`` pairs of 20 steps each, after 3
  warm-up steps): the median share of the step that piece costs. The pieces: the gradient
  penalty (``gp_weight=0``), the critic's dropout, the span activation (Gumbel-softmax; tanh
  on every output instead) with the condition loss, and the generator's BatchNorm. These
  trainers learn something else, so the shares are for reading time, not for training.

torch's profiler (``step_profile.py``) apportions operations' own time; this measures wall
time, which also holds the Python between operations. Results are merged into
benchmarks/results/step_parts.json by table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "step_parts.json"

from speed import DATASETS, TABLES  # noqa: E402  (beside this file)
from step_ab import equal_size_trainer  # noqa: E402

BATCH_SIZES = (100, 250, 500, 1000)


def step_ms(trainer, batch: int, steps: int = 20) -> float:  # noqa: ANN001  (a GANTrainer)
    started = time.perf_counter()
    for _ in range(steps):
        trainer.step(batch)
    return (time.perf_counter() - started) / steps * 1000


def by_batch_size(trainer, rounds: int = 3) -> dict:  # noqa: ANN001
    """Milliseconds a step at each batch size, the best of ``rounds`` rounds that each go
    through every size (so a slow minute does not fall on one size only), and the fitted line."""
    times = {batch: float("inf") for batch in BATCH_SIZES}
    for _ in range(rounds):
        for batch in BATCH_SIZES:
            step_ms(trainer, batch, 5)
            times[batch] = min(times[batch], step_ms(trainer, batch))
    sizes = list(times)
    mean_x, mean_y = statistics.mean(sizes), statistics.mean(times.values())
    slope = sum((x - mean_x) * (times[x] - mean_y) for x in sizes) / sum((x - mean_x) ** 2 for x in sizes)
    return {
        "ms_per_step": {str(b): round(ms, 2) for b, ms in times.items()},
        "fixed_ms_per_step": round(mean_y - slope * mean_x, 2),
        "microseconds_per_row": round(slope * 1000, 2),
    }


def without_gradient_penalty(trainer) -> None:  # noqa: ANN001
    trainer.config = dataclasses.replace(trainer.config, gp_weight=0.0)


def without_dropout(trainer) -> None:  # noqa: ANN001
    trainer.critic.dropout = 0.0


def without_span_activation(trainer) -> None:  # noqa: ANN001
    trainer.activation.forward = lambda raw, generator=None: torch.tanh(raw)
    trainer.condition_loss = lambda raw, cond: raw[:, 0].mean() * 0.0


def without_batch_norm(trainer) -> None:  # noqa: ANN001
    for block in trainer.generator.blocks:
        block.bn = torch.nn.Identity()


PIECES: dict[str, Callable] = {
    "gradient penalty": without_gradient_penalty,
    "critic dropout": without_dropout,
    "span activation and condition loss": without_span_activation,
    "generator BatchNorm": without_batch_norm,
}


def piece_share(csv: Path, remove: Callable, rounds: int, batch: int = 500) -> dict:
    """The median share of a step's wall time that the piece ``remove`` takes out."""
    whole, lacking = equal_size_trainer(csv), equal_size_trainer(csv)
    remove(lacking)
    pairs = []
    for _ in range(rounds):
        pair = []
        for trainer in (whole, lacking):
            step_ms(trainer, batch, 3)
            pair.append(step_ms(trainer, batch))
        pairs.append(pair)
    return {"pairs_ms": [[round(a, 2), round(b, 2)] for a, b in pairs],
            "share": round(statistics.median(1 - b / a for a, b in pairs), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", default="adult,credit_data,nafld1")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for table in args.tables.split(","):
        if table not in TABLES:
            parser.error(f"unknown table {table!r}; speed.py's tables are {', '.join(TABLES)}")
        csv = DATASETS / TABLES[table][0]
        result = {"command": "python benchmarks/step_parts.py " + " ".join(sys.argv[1:]),
                  "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "torch": torch.__version__,
                  "threads": torch.get_num_threads(), "by_batch_size": by_batch_size(equal_size_trainer(csv)),
                  "shares_at_batch_500": {name: piece_share(csv, remove, args.rounds) for name, remove in PIECES.items()}}
        print(table, json.dumps(result, indent=1), flush=True)
        merged[table] = result
        RESULTS.write_text(json.dumps(merged, indent=1))


if __name__ == "__main__":
    main()
