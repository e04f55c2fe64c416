"""Scale-out benchmark: training at 100k, 1M and 5M rows, and 2 DDP processes against 1.

Tables are made by resampling Adult's training rows (seed 0) into Parquet files under
benchmarks/work/. Every fit runs the real command line in its own process,
``python -m tabgan fit TABLE -o MODEL --epochs E --seed 0 --quiet`` (or under ``torchrun
--nproc-per-node 2 ... --distributed``), and its peak memory is the peak of the summed RSS of
the process and its children (torchrun's ranks), sampled from /proc every 0.2 s. Preprocessing and training seconds and the training
throughput come from the model's history.json.

Runs (``--runs``; default all):

- ``rows_100k``, ``rows_1m``, ``rows_5m``: one epoch (one pass over the rows), batch 1,000;
- ``ddp_1proc``, ``ddp_2proc``: 1M rows, one epoch, 1 process with 2 threads against 2 gloo
  processes with 1 thread each;
- ``quality_1proc``, ``quality_2proc``: Adult at default settings, 1 process against 2 gloo
  processes (each rank takes the default 6,000 steps); ``quality_2proc_188``: 2 processes
  with the single process's 188 epochs (half the steps each); every sample (as many rows as
  Adult) scored with ``tabgan.evaluation.evaluate`` against adult_test.csv.

Results go to benchmarks/results/scale.json (merged per run, with the command); ``--markdown``
prints the table of docs/BENCHMARKS.md.

Usage: python benchmarks/scale.py [--runs rows_100k ddp_2proc ...] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from result_tables import markdown_table, number

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
WORK = REPO / "benchmarks" / "work" / "scale"
RESULTS = REPO / "benchmarks" / "results" / "scale.json"
SIZES = {"rows_100k": 100_000, "rows_1m": 1_000_000, "rows_5m": 5_000_000}
CORES = os.cpu_count() or 1


def resampled_adult(rows: int) -> Path:
    """Adult's training rows resampled with replacement to ``rows`` rows (Parquet, seed 0)."""
    path = WORK / f"adult_{rows}.parquet"
    if not path.exists():
        adult = pd.read_csv(DATASETS / "adult_train.csv")
        picks = np.random.default_rng(0).integers(0, len(adult), rows)
        adult.iloc[picks].reset_index(drop=True).to_parquet(path, index=False)
    return path


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields["PPid"].strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command``; its wall seconds and the peak of its process tree's summed RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_tree[0] = max(peak_tree[0], _tree_rss_kb(process.pid))
            done.wait(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return {"wall_seconds": round(seconds, 2), "peak_tree_rss_mb": round(peak_tree[0] / 1024, 1), "stdout": stdout.strip()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fit_command(table: Path, model: Path, processes: int, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    threads = max(1, CORES // processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    args = ["fit", str(table), "-o", str(model), "--seed", "0", "--quiet", *extra]
    if processes == 1:
        return [sys.executable, "-m", "tabgan", *args], env
    torchrun = str(Path(sys.executable).parent / "torchrun")
    launch = [torchrun, "--nproc-per-node", str(processes), "--master-port", str(free_port()), "-m", "tabgan"]
    return [*launch, *args, "--distributed"], env


def fit_and_measure(table: Path, name: str, processes: int, extra: list[str]) -> dict[str, Any]:
    model = WORK / f"model_{name}"
    command, env = fit_command(table, model, processes, extra)
    measured = run_measured(command, env)
    history = json.loads((model / "history.json").read_text())
    epochs = history["epochs"]
    training = history["timings"]["training"]
    rows = pd.read_parquet(table, columns=[]).shape[0] if table.suffix == ".parquet" else None
    return {
        "command": " ".join(c if not c.startswith(str(REPO)) else os.path.relpath(c, REPO) for c in command),
        "processes": processes,
        "threads_per_process": max(1, CORES // processes),
        "rows": rows,
        "epochs": len(epochs),
        "preprocessing_seconds": round(history["timings"]["preprocessing"], 2),
        "setup_seconds": round(history["timings"].get("setup", 0.0), 2),
        "training_seconds": round(training, 2),
        "training_rows_per_second": round(sum(e["rows_per_second"] * e["seconds"] for e in epochs) / sum(e["seconds"] for e in epochs)),
        **{k: v for k, v in measured.items() if k != "stdout"},
        "output": measured["stdout"].splitlines()[0] if measured["stdout"] else "",
    }


def quality(name: str) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from tabgan import TabGAN
    from tabgan.evaluation import evaluate
    from tabgan.schema import infer_schema

    real = pd.read_csv(DATASETS / "adult_train.csv")
    test = pd.read_csv(DATASETS / "adult_test.csv")
    model = TabGAN.load(WORK / f"model_{name}", device="cpu")
    synthetic = model.sample(len(real), seed=0)
    schema = infer_schema(real, target="income")
    report = evaluate(real, synthetic, schema=schema, holdout=test, target="income", seed=0).to_dict()
    quality_scores = report["fidelity"]["quality"]
    return {
        "quality": round(quality_scores["score"], 4),
        "column_shapes": round(quality_scores["column_shapes"], 4),
        "column_pair_trends": round(quality_scores["column_pair_trends"], 4),
        "detection_auc": round(report["fidelity"]["detection"]["roc_auc"], 4),
        "tstr_auc": round(report["utility"]["synthetic"]["roc_auc"], 4),
    }


def run(name: str) -> dict[str, Any]:
    if name in SIZES:
        return fit_and_measure(resampled_adult(SIZES[name]), name, 1, ["--epochs", "1", "--batch-size", "1000"])
    if name in ("ddp_1proc", "ddp_2proc"):
        processes = 2 if name.endswith("2proc") else 1
        return fit_and_measure(resampled_adult(1_000_000), name, processes, ["--epochs", "1", "--batch-size", "1000"])
    if name.startswith("quality_"):
        processes = 1 if name == "quality_1proc" else 2
        # quality_2proc_188: the single process's 188 epochs (passes over the rows) on 2 ranks
        extra = ["--epochs", "188"] if name.endswith("_188") else []
        result = fit_and_measure(DATASETS / "adult_train.csv", name, processes, extra)
        result["rows"] = 32_561
        return {**result, **quality(name)}
    raise SystemExit(f"unknown run {name!r}")


RUNS = ["rows_100k", "rows_1m", "rows_5m", "ddp_1proc", "ddp_2proc", "quality_1proc", "quality_2proc", "quality_2proc_188"]


def markdown(results: dict[str, Any]) -> str:
    header = [
        "run", "rows", "processes x threads", "epochs", "preprocessing s", "training s", "training rows/s",
        "peak RSS (MB, all processes)", "quality", "TSTR AUC",
    ]
    rows = []
    for name in RUNS:
        r = results["runs"].get(name)
        if r is None:
            continue
        rows.append([
            name, f"{r['rows']:,}", f"{r['processes']} x {r['threads_per_process']}", str(r["epochs"]),
            f"{r['preprocessing_seconds']:.1f}", f"{r['training_seconds']:.1f}", f"{r['training_rows_per_second']:,}",
            f"{r['peak_tree_rss_mb']:,.0f}", number(r.get("quality")).replace("n/a", "–"),
            number(r.get("tstr_auc")).replace("n/a", "–"),
        ])
    return markdown_table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=RUNS, choices=RUNS)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}
    if args.markdown:
        print(markdown(results))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    import torch

    results["machine"] = {"cpu": platform.processor() or platform.machine(), "cores": CORES, "python": platform.python_version(), "torch": torch.__version__}
    for name in args.runs:
        print(f"{name} ...", flush=True)
        results["runs"][name] = {**run(name), "benchmark_command": f"python benchmarks/scale.py --runs {name}"}
        print(json.dumps(results["runs"][name], indent=1), flush=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
