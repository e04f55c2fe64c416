"""Side by side with SDV's ctgan: preprocessing, training throughput, fit time, sampling, memory, scores.

Usage (from the repository root, tabgan's .venv active, machine otherwise idle):

    python benchmarks/speed.py                              # every table, both systems, every stage
    python benchmarks/speed.py --tables adult --systems tabgan --stages fit,sample
    python benchmarks/speed.py --markdown                   # only rewrite the table in docs/BENCHMARKS.md

ctgan runs in its own environment, ``benchmarks/.venv-ctgan`` (created on first use with
``torch==2.13.0`` and ``ctgan==0.12.1``; never a dependency of tabgan), through
``benchmarks/peers/ctgan_run.py``. Every stage is its own process, so the peak RSS recorded for
it (``os.wait4``) is that stage's alone. Both systems see the same columns: id columns are
dropped for ctgan (tabgan generates them without learning), datetimes become epoch seconds,
and the schema's categorical and boolean columns are ctgan's discrete columns.

Stages, per table and system:
- ``fit``: fit at each system's defaults (ctgan: 300 epochs). Wall time, preprocessing
  seconds (encoders and conditional sampler, measured inside the fit; tabgan's building of its
  networks and optimisers is its "setup", ctgan's is inside its training), training seconds,
  seconds per epoch, peak RSS. ctgan's defaults are batch 500, generator 256-256, critic
  256-256, noise 128, pac 10: its default run is also its equal-size throughput run.
- ``equal``: tabgan at ctgan's batch and network sizes (batch 500, pac 10) for a fixed number
  of training steps (``--equal-steps``): training rows x epochs / training seconds. No
  validation probes (``select_best=false``): ctgan has none, and about 100 probes a fit
  (the fixed schedule) would weigh on a run of 1,000 steps far more than on a default fit.
- ``sample``: 1,000,000 rows streamed to Parquet; rows/s (model loading excluded) and peak RSS.
- ``evaluate``: ``tabgan evaluate`` of each system's sample against the real table (Adult:
  with adult_test.csv as holdout and income as target, so train-on-synthetic AUC is scored).

Results accumulate in benchmarks/results/speed.json (one entry per table, system and stage,
with the time it was measured); the Markdown table between the markers in docs/BENCHMARKS.md
is rewritten from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
RESULTS = REPO / "benchmarks" / "results" / "speed.json"
DOCS = REPO / "docs" / "BENCHMARKS.md"
WORK = REPO / "benchmarks" / "work"
CTGAN_ENV = REPO / "benchmarks" / ".venv-ctgan"
CTGAN_RUN = REPO / "benchmarks" / "peers" / "ctgan_run.py"
CTGAN_VERSION = "0.12.1"
sys.path.insert(0, str(REPO))

from step_speed import matmul_peak  # noqa: E402  (beside this file)

from tabgan.io import read_table  # noqa: E402
from tabgan.schema import TableSchema, infer_schema  # noqa: E402

TABLES = {  # name: (file, target, holdout)
    "adult": ("adult_train.csv", "income", "adult_test.csv"),
    "credit_data": ("credit_data.csv", "Status", None),
    "nafld1": ("nafld1_patients.csv", "status", None),
    "movielens": ("movielens_ratings.csv.gz", None, None),
    # ctgan cannot hold the whole of movielens (its one-hot matrix alone is 14.5 GB of float64,
    # and it concatenates a copy of it): both systems also fit a seeded sample it can hold
    "movielens_10k": ("movielens_ratings.csv.gz", None, None),
}
SAMPLED_ROWS = {"movielens_10k": 10_000}  # tables that are a seeded sample of their file
# ctgan's defaults: batch 500 and packs of 10 rows (tabgan's default pac is 2, which makes its
# critic's first layer narrower and gives it 5x the packs to judge); tabgan's layer widths and
# noise size already equal ctgan's
EQUAL = {"batch_size": 500, "pac": 10}


# -- processes ---------------------------------------------------------------------------------
def run_stage(command: list[str], limit: float | None = None, memory_gb: float | None = None) -> dict:
    """Run one stage as its own process; its wall seconds, peak RSS (MB), exit status and output.
    ``memory_gb`` caps the process's address space, so an allocation too big for the machine
    fails at once (MemoryError) instead of pushing the whole machine out of memory."""

    def cap_memory() -> None:
        if memory_gb is not None:
            size = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, preexec_fn=cap_memory)
        deadline = None if limit is None else started + limit
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    timed_out = deadline is not None and seconds > limit
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "exit": process.returncode,
            "timed_out": timed_out, "output_tail": text[-2000:]}


def ensure_ctgan_env() -> Path:
    python = CTGAN_ENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CTGAN_ENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "torch==2.13.0"], check=True)  # the local CPU build first
        subprocess.run([*pip, f"ctgan=={CTGAN_VERSION}", "pyarrow"], check=True)
    return python


def tabgan_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tabgan", *args]


# -- data ----------------------------------------------------------------------------------------
def prepare(table: str) -> dict:
    """The real table, its inferred schema, and ctgan's view of it, written under benchmarks/work."""
    file, target, holdout = TABLES[table]
    folder = WORK / table
    folder.mkdir(parents=True, exist_ok=True)
    real = read_table(DATASETS / file)
    data_path = DATASETS / file
    if table in SAMPLED_ROWS:
        real = real.sample(n=SAMPLED_ROWS[table], random_state=0).reset_index(drop=True)
        data_path = folder / "data.parquet"
        real.to_parquet(data_path, index=False)
    schema = infer_schema(real, target=target)
    schema_path = folder / "schema.yaml"
    schema.to_yaml(schema_path)
    ids = [c.name for c in schema.columns if c.kind == "id"]
    peer = real.drop(columns=ids)
    for column in schema.columns:
        if column.kind == "datetime":
            peer[column.name] = pd.to_datetime(peer[column.name], format=column.datetime_format).astype("int64") // 10**9
    peer_path = folder / "ctgan_input.parquet"
    peer.to_parquet(peer_path, index=False)
    evaluation_schema = TableSchema(columns=[c for c in schema.columns if c.kind != "id"], target=target)
    evaluation_schema_path = folder / "evaluation_schema.yaml"
    evaluation_schema.to_yaml(evaluation_schema_path)
    real_path = folder / "real.parquet"
    real.drop(columns=ids).to_parquet(real_path, index=False)
    return {
        "data": data_path, "schema": schema_path, "peer_data": peer_path, "rows": len(real),
        "columns": real.shape[1], "ids": ids, "target": target,
        "holdout": DATASETS / holdout if holdout else None,
        "discrete": [c.name for c in schema.columns if c.kind in ("categorical", "boolean")],
        "datetimes": [c.name for c in schema.columns if c.kind == "datetime"],
        "evaluation_schema": evaluation_schema_path, "real_for_evaluation": real_path,
    }


# -- stages --------------------------------------------------------------------------------------
def ctgan_fit(prep: dict, folder: Path, epochs: int, limit: float | None, memory_gb: float) -> dict:
    python = ensure_ctgan_env()
    result_path = folder / "ctgan_fit.json"
    result_path.unlink(missing_ok=True)
    stage = run_stage([str(python), str(CTGAN_RUN), "fit", str(prep["peer_data"]), "--discrete",
                       ",".join(prep["discrete"]), "--epochs", str(epochs), "--model", str(folder / "ctgan.pt"),
                       "--result", str(result_path)], limit, memory_gb)
    if stage["exit"] != 0 or not result_path.exists():
        reason = failure_reason(stage["output_tail"])
        return {"failed": True, **stage, "epochs": epochs, "memory_limit_gb": memory_gb,
                "reason": f"stopped after {limit:.0f} s" if stage["timed_out"] else reason}
    return {**json.loads(result_path.read_text()), "wall_seconds": stage["seconds"], "peak_rss_mb": stage["peak_rss_mb"]}


def failure_reason(output: str) -> str:
    """Why a peer's process failed, from the end of its output."""
    if "MemoryError" in output:
        return "MemoryError"
    if "TerminatedWorkerError" in output:
        return ("a worker of its parallel transform was killed (SIGKILL: the machine ran out of memory; "
                "joblib's TerminatedWorkerError)" if "SIGKILL" in output else "a worker of its parallel transform died")
    lines = output.strip().splitlines()
    return lines[-1] if lines else "no output"


def ctgan_sample(folder: Path, rows: int) -> dict:
    python = ensure_ctgan_env()
    result_path = folder / "ctgan_sample.json"
    output = folder / "ctgan_sample.parquet"
    stage = run_stage([str(python), str(CTGAN_RUN), "sample", "--model", str(folder / "ctgan.pt"), "-n", str(rows),
                       "-o", str(output), "--result", str(result_path)])
    if stage["exit"] != 0:
        return {"failed": True, **stage}
    return {**json.loads(result_path.read_text()), "peak_rss_mb": stage["peak_rss_mb"], "output": str(output)}


def tabgan_fit(prep: dict, folder: Path, *extra: str) -> dict:
    model = folder / ("tabgan_model" if not extra else "tabgan_model_equal")
    stage = run_stage(tabgan_cli("fit", str(prep["data"]), "--schema", str(prep["schema"]), "-o", str(model),
                                 "--seed", "0", "--quiet", *extra))
    if stage["exit"] != 0:
        return {"failed": True, **stage}
    history = json.loads((model / "history.json").read_text())
    config = json.loads((model / "model.json").read_text())["config"]
    epochs = history["epochs"]
    training = history["timings"]["training"]
    batch = config["batch_size"]
    steps = max(1, prep["rows"] // batch)
    return {
        "rows": prep["rows"], "epochs": len(epochs), "batch_size": batch, "steps_per_epoch": steps,
        "generator_dims": config["generator_dims"], "critic_dims": config["critic_dims"], "pac": config["pac"],
        "noise_dim": config["noise_dim"],
        "fit_seconds": sum(history["timings"].values()),
        "preprocessing_seconds": history["timings"]["preprocessing"],
        "setup_seconds": history["timings"].get("setup", 0.0), "training_seconds": training,
        "seconds_per_epoch": training / len(epochs),
        "training_rows_per_second": steps * batch * len(epochs) / training,
        "wall_seconds": stage["seconds"], "peak_rss_mb": stage["peak_rss_mb"], "model": str(model),
    }


def tabgan_sample(folder: Path, rows: int) -> dict:
    output = folder / "tabgan_sample.parquet"
    stage = run_stage(tabgan_cli("sample", str(folder / "tabgan_model"), "-n", str(rows), "-o", str(output)))
    if stage["exit"] != 0:
        return {"failed": True, **stage}
    match = re.search(r"in ([0-9.]+)s \(([0-9,]+) rows/s\)|in (\d+)m(\d+)s \(([0-9,]+) rows/s\)", stage["output_tail"])
    rate = float((match.group(2) or match.group(5)).replace(",", "")) if match else rows / stage["seconds"]
    return {"rows": rows, "rows_per_second": rate, "seconds": rows / rate, "wall_seconds": stage["seconds"],
            "peak_rss_mb": stage["peak_rss_mb"], "output": str(output)}


def evaluate(prep: dict, folder: Path, system: str, sample: dict) -> dict:
    """``tabgan evaluate`` of a seeded subsample (as many rows as the real table, at most 50,000)."""
    synthetic = pd.read_parquet(sample["output"]).drop(columns=prep["ids"], errors="ignore")
    synthetic = synthetic.sample(n=min(len(synthetic), prep["rows"], 50_000), random_state=0)
    for name in prep["datetimes"]:
        if system == "ctgan":  # back from epoch seconds, as the real column is written
            synthetic[name] = pd.to_datetime(synthetic[name].round(), unit="s")
    path = folder / f"{system}_for_evaluation.parquet"
    synthetic.to_parquet(path, index=False)
    report = folder / f"{system}_report.json"
    args = ["evaluate", str(prep["real_for_evaluation"]), str(path), "--schema", str(prep["evaluation_schema"]),
            "-o", str(report)]
    if prep["holdout"] is not None:
        args += ["--holdout", str(prep["holdout"]), "--target", prep["target"]]
    stage = run_stage(tabgan_cli(*args))
    if stage["exit"] != 0:
        return {"failed": True, **stage}
    data = json.loads(report.read_text())
    return {"report": str(report.relative_to(REPO)), "seconds": stage["seconds"], **headline(data)}


def headline(report: dict) -> dict:
    """The scores worth a column in the table, from a report's JSON."""
    fidelity, privacy, utility = report.get("fidelity", {}), report.get("privacy", {}), report.get("utility") or {}
    out = {
        "quality": fidelity.get("quality", {}).get("score"),
        "column_shapes": fidelity.get("quality", {}).get("column_shapes"),
        "column_pair_trends": fidelity.get("quality", {}).get("column_pair_trends"),
        "detection_auc": fidelity.get("detection", {}).get("roc_auc"),
        "exact_copy_rate": privacy.get("exact_copy_rate"),
        "dcr_share": privacy.get("dcr_share"),
    }
    for name, key in (("synthetic", "tstr_roc_auc"), ("real", "trtr_roc_auc")):
        scores = utility.get(name)
        if isinstance(scores, dict) and "roc_auc" in scores:
            out[key] = scores["roc_auc"]
    return out


# -- machine ---------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "matmul_peak_gflops": round(matmul_peak(), 1), "ctgan": CTGAN_VERSION}


# -- results -------------------------------------------------------------------------------------
def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {"tables": {}}


def save_results(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=1, default=str))


def record(results: dict, table: str, system: str, stage: str, value: dict) -> None:
    value = {**value, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    results["tables"].setdefault(table, {}).setdefault(system, {})[stage] = value
    save_results(results)
    print(f"{table} {system} {stage}: " + json.dumps({k: v for k, v in value.items() if k != "output_tail"},
                                                     default=str)[:400], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--systems", default="ctgan,tabgan")
    parser.add_argument("--stages", default="fit,equal,sample,evaluate")
    parser.add_argument("--ctgan-epochs", type=int, default=300, help="ctgan's default")
    parser.add_argument("--ctgan-limit", type=float, default=None, help="seconds before a ctgan fit is stopped")
    parser.add_argument("--ctgan-memory-gb", type=float, default=16, help="address-space cap of ctgan processes")
    parser.add_argument("--equal-steps", type=int, default=1000, help="training steps of tabgan's equal-size run")
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--markdown", action="store_true", help="only rewrite docs/BENCHMARKS.md's table")
    args = parser.parse_args()
    results = load_results()
    if not args.markdown:
        results["machine"] = machine()
        results["command"] = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
        results.setdefault("commands", []).append(
            {"command": results["command"], "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "matmul_peak_gflops": results["machine"]["matmul_peak_gflops"]})
        save_results(results)
        stages = args.stages.split(",")
        for table in args.tables.split(","):
            prep = prepare(table)
            folder = WORK / table
            for system in args.systems.split(","):
                if system == "ctgan":
                    if "fit" in stages:
                        fit = ctgan_fit(prep, folder, args.ctgan_epochs, args.ctgan_limit, args.ctgan_memory_gb)
                        record(results, table, system, "fit", fit)
                    if "sample" in stages and (folder / "ctgan.pt").exists():
                        record(results, table, system, "sample", ctgan_sample(folder, args.sample_rows))
                else:
                    if "fit" in stages:
                        record(results, table, system, "fit", tabgan_fit(prep, folder))
                    if "equal" in stages:
                        epochs = max(1, -(-args.equal_steps // max(1, prep["rows"] // EQUAL["batch_size"])))
                        equal = tabgan_fit(prep, folder, "--batch-size", str(EQUAL["batch_size"]), "--set", f"pac={EQUAL['pac']}",
                                           "--set", "select_best=false", "--epochs", str(epochs))
                        record(results, table, system, "equal", equal)
                    if "sample" in stages:
                        record(results, table, system, "sample", tabgan_sample(folder, args.sample_rows))
                if "evaluate" in stages:
                    sample = results["tables"].get(table, {}).get(system, {}).get("sample")
                    if sample and not sample.get("failed") and Path(sample["output"]).exists():
                        record(results, table, system, "evaluate", evaluate(prep, folder, system, sample))
    from speed_report import write_markdown  # noqa: E402  (beside this file)

    write_markdown(results, DOCS)


if __name__ == "__main__":
    main()
