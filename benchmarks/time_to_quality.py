"""Time to reach ctgan's final quality on Adult, and what ``tabgan fit --time-budget`` gives.

Usage (tabgan's .venv active, machine otherwise idle, after ``benchmarks/speed.py`` has fitted
ctgan on Adult, whose fit time and quality it reads from benchmarks/results/speed.json):

    python benchmarks/time_to_quality.py [--budget SECONDS] [--curve-steps 6000]

1. **Curve**: one fit at default settings; after epochs spread over training, the current
   generator samples as many rows as Adult has and SDMetrics' quality is computed against
   the real table. The clock is paused while scoring: the seconds are fit seconds
   (preprocessing included). The first point at or above ctgan's final quality is the
   time to reach it.
2. **Budget run**: ``tabgan fit --time-budget B`` through the CLI (B = ctgan's fit seconds / 10
   unless --budget), then ``tabgan sample`` and SDMetrics quality of the sample.

Writes benchmarks/results/time_to_quality.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan import TabGAN  # noqa: E402
from tabgan.evaluation.fidelity import quality  # noqa: E402
from tabgan.io import read_table  # noqa: E402
from tabgan.schema import infer_schema  # noqa: E402

RESULT = REPO / "benchmarks" / "results" / "time_to_quality.json"


def ctgan_reference() -> dict:
    speed = json.loads((REPO / "benchmarks" / "results" / "speed.json").read_text())
    adult = speed["tables"]["adult"]["ctgan"]
    return {"fit_seconds": adult["fit"]["fit_seconds"], "quality": adult["evaluate"]["quality"]}


def curve(real: pd.DataFrame, schema, points: int) -> list[dict]:
    """Quality against fit seconds (scoring time excluded) for one default fit."""
    out: list[dict] = []
    paused = {"seconds": 0.0}
    started = time.perf_counter()
    model = TabGAN(random_state=0, select_best=False)
    epochs = model._config().resolved_epochs(len(real))
    every = max(1, epochs // points)

    def hook(current: TabGAN, epoch: int) -> None:
        if epoch % every and epoch != epochs:
            return
        pause = time.perf_counter()
        synthetic = current.sample(len(real), seed=1)
        score = quality(real, synthetic, schema)
        fit_seconds = pause - started - paused["seconds"]
        out.append({"epoch": epoch, "fit_seconds": round(fit_seconds, 1), "quality": score["score"],
                    "column_shapes": score["column_shapes"], "column_pair_trends": score["column_pair_trends"]})
        print(json.dumps(out[-1]), flush=True)
        paused["seconds"] += time.perf_counter() - pause

    model.fit(real, schema, epoch_hook=hook)
    return out


def budget_run(data: Path, schema_path: Path, budget: float, real: pd.DataFrame, schema) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, sample = Path(tmp) / "model", Path(tmp) / "sample.parquet"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tabgan", "fit", str(data), "--schema", str(schema_path), "-o",
                        str(model_dir), "--seed", "0", "--quiet", "--time-budget", str(budget)], check=True)
        wall = time.perf_counter() - started
        history = json.loads((model_dir / "history.json").read_text())
        subprocess.run([sys.executable, "-m", "tabgan", "sample", str(model_dir), "-n", str(len(real)), "-o",
                        str(sample)], check=True, stdout=subprocess.DEVNULL)
        score = quality(real, pd.read_parquet(sample), schema)
    timings = history["timings"]
    return {"budget_seconds": budget, "fit_seconds": sum(timings.values()),
            "command_wall_seconds": wall, "epochs": len(history["epochs"]), "selected": history.get("selected"),
            "quality": score["score"], "column_shapes": score["column_shapes"],
            "column_pair_trends": score["column_pair_trends"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, help="seconds for the budget run (default: ctgan's fit / 10)")
    parser.add_argument("--points", type=int, default=12, help="quality points along the curve")
    parser.add_argument("--skip-curve", action="store_true")
    args = parser.parse_args()
    reference = ctgan_reference()
    data = DATASETS / "adult_train.csv"
    real = read_table(data)
    schema = infer_schema(real, target="income")
    result: dict = {"command": "python benchmarks/time_to_quality.py " + " ".join(sys.argv[1:]), "ctgan": reference}
    if not args.skip_curve:
        points = curve(real, schema, args.points)
        reached = next((p for p in points if p["quality"] >= reference["quality"]), None)
        result["curve"] = points
        result["seconds_to_ctgan_quality"] = reached["fit_seconds"] if reached else None
    budget = args.budget or reference["fit_seconds"] / 10
    with tempfile.TemporaryDirectory() as tmp:
        schema_path = Path(tmp) / "schema.yaml"
        schema.to_yaml(schema_path)
        result["budget_run"] = budget_run(data, schema_path, budget, real, schema)
    print(json.dumps(result["budget_run"]), flush=True)
    RESULT.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
