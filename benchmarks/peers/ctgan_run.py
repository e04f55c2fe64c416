"""Fit or sample SDV's ``ctgan`` with timings; runs inside the benchmark's own ctgan environment.

Never imported by tabgan. Called by ``benchmarks/speed.py`` as a separate process per stage
(so each stage's peak RSS is its own):

    python ctgan_run.py fit DATA.parquet --discrete a,b --model OUT.pt --result fit.json [--epochs N]
    python ctgan_run.py sample --model OUT.pt -n ROWS -o OUT.parquet --result sample.json

Preprocessing is timed inside ctgan's own ``fit`` by wrapping its DataTransformer and
DataSampler; epochs are timed by wrapping the epoch iterator its training loop uses.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from ctgan import CTGAN
from ctgan.synthesizers import ctgan as ctgan_module

TIMES: dict[str, float] = {"transformer_fit": 0.0, "transform": 0.0, "data_sampler": 0.0}
EPOCH_ENDS: list[float] = []


class TimedTransformer(ctgan_module.DataTransformer):
    def fit(self, *args, **kwargs):
        started = time.perf_counter()
        result = super().fit(*args, **kwargs)
        TIMES["transformer_fit"] += time.perf_counter() - started
        return result

    def transform(self, *args, **kwargs):
        started = time.perf_counter()
        result = super().transform(*args, **kwargs)
        TIMES["transform"] += time.perf_counter() - started
        return result


class TimedSampler(ctgan_module.DataSampler):
    def __init__(self, *args, **kwargs):
        started = time.perf_counter()
        super().__init__(*args, **kwargs)
        TIMES["data_sampler"] += time.perf_counter() - started


def timed_epochs(iterable, **_kwargs):
    """Stands in for ctgan's tqdm: records when each epoch ends."""
    for item in iterable:
        yield item
        EPOCH_ENDS.append(time.perf_counter())


NULL_SUFFIX = "__is_null"


def fill_nulls(data: pd.DataFrame, discrete: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """ctgan refuses nulls in continuous columns; do what SDV does before calling it: fill with
    the mean and add a discrete indicator column, so the nulls are generated again."""
    data = data.copy()
    added = []
    for name in data.columns:
        if name in discrete or not data[name].isna().any():
            continue
        data[name + NULL_SUFFIX] = data[name].isna()
        data[name] = data[name].fillna(data[name].mean())
        added.append(name + NULL_SUFFIX)
    return data, added


def restore_nulls(frame: pd.DataFrame) -> pd.DataFrame:
    for flag in [c for c in frame.columns if c.endswith(NULL_SUFFIX)]:
        name = flag[: -len(NULL_SUFFIX)]
        frame[name] = frame[name].mask(frame[flag].astype(bool))
        frame = frame.drop(columns=flag)
    return frame


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fit(args: argparse.Namespace) -> dict:
    ctgan_module.DataTransformer = TimedTransformer
    ctgan_module.DataSampler = TimedSampler
    ctgan_module.tqdm = timed_epochs
    data = pd.read_parquet(args.data)
    discrete = [c for c in args.discrete.split(",") if c]
    model = CTGAN(epochs=args.epochs, verbose=False)  # every other setting at ctgan's defaults
    started = time.perf_counter()
    data, flags = fill_nulls(data, discrete)
    TIMES["null_handling"] = time.perf_counter() - started
    model.fit(data, discrete + flags)
    total = time.perf_counter() - started
    model.save(args.model)
    preprocessing = sum(TIMES.values())
    epoch_seconds = [b - a for a, b in zip(EPOCH_ENDS, EPOCH_ENDS[1:])]
    steps = max(len(data) // model._batch_size, 1)
    return {
        "rows": len(data), "columns": data.shape[1], "discrete_columns": discrete, "epochs": args.epochs,
        "batch_size": model._batch_size, "steps_per_epoch": steps,
        "fit_seconds": total, "preprocessing_seconds": preprocessing, "preprocessing_parts": dict(TIMES),
        "training_seconds": total - preprocessing,
        "seconds_per_epoch": (total - preprocessing) / args.epochs,
        "median_epoch_seconds": sorted(epoch_seconds)[len(epoch_seconds) // 2] if epoch_seconds else None,
        "training_rows_per_second": steps * model._batch_size * args.epochs / (total - preprocessing),
        "peak_rss_mb": peak_rss_mb(), "torch_threads": torch.get_num_threads(),
    }


def sample(args: argparse.Namespace) -> dict:
    model = CTGAN.load(args.model)
    started = time.perf_counter()
    writer = None
    left = args.rows
    while left > 0:  # ctgan's own sample() per chunk, streamed to Parquet like tabgan's
        frame = restore_nulls(model.sample(min(args.chunk, left)))
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(args.output, table.schema)
        writer.write_table(table)
        left -= len(frame)
    writer.close()
    seconds = time.perf_counter() - started
    return {"rows": args.rows, "seconds": seconds, "rows_per_second": args.rows / seconds, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["fit", "sample"])
    parser.add_argument("data", nargs="?")
    parser.add_argument("--discrete", default="")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--model", required=True)
    parser.add_argument("-n", "--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("-o", "--output")
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    result = fit(args) if args.stage == "fit" else sample(args)
    result["ctgan_version"] = __import__("ctgan").__version__
    result["torch_version"] = torch.__version__
    with open(args.result, "w") as handle:
        json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
