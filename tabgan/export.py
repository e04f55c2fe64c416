"""Write one large sample as a partitioned Parquet dataset: a directory of part files.

Part ``i`` holds rows [i * part_rows, min(n, (i + 1) * part_rows)) of the run. It is sampled
by :meth:`TabGAN.iter_sample <tabgan.synthesizer.TabGAN.iter_sample>` with a seed derived
from (seed, i) and streamed chunk by chunk through a Parquet writer, so memory stays bounded
by one chunk per process. Id columns are drawn, chunk by chunk, from the share of the id
space that belongs to those rows (``iter_sample(offset=, total=)``): parts sampled apart never
share an id. Nothing in a part depends on another part or on the process that writes it, so
the dataset's bytes are the same for any number of workers (on one device and torch build),
and the same seed gives identical files.

With ``workers > 1`` parts are written by a pool of processes started with ``spawn``. Each
loads the model from its directory itself (a model given as an object is saved to a
temporary directory first): no model or tensor is ever pickled across processes. Each uses
``cpu_count // workers`` torch threads (at most as many as this process uses).

The directory appears at once, when every part is written (:func:`tabgan.io.atomic_directory`);
on any error nothing is left and an earlier dataset at that path is left as it was.
"""

from __future__ import annotations

import multiprocessing
import numbers
import os
import re
import tempfile
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabgan.errors import DataError, TabganError
from tabgan.io import TABLE_SUFFIXES, atomic_directory, check_replaceable, write_parquet_chunks

if TYPE_CHECKING:
    from tabgan.synthesizer import TabGAN

DEFAULT_PART_ROWS = 1_000_000
PART_NAME = "part-{:05d}.parquet"
PART_FILE = re.compile(r"part-\d{5,}\.parquet")
PART_SEED_STREAM = 11  # seed stream of part seeds (tabgan.synthesizer._derive_seed)


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`write_partitioned` wrote."""

    path: Path
    rows: int
    parts: int
    workers: int
    seconds: float
    files: tuple[str, ...]

    @property
    def rows_per_second(self) -> float:
        return self.rows / max(self.seconds, 1e-9)


def part_ranges(n: int, part_rows: int) -> list[tuple[int, int]]:
    """[start, stop) of every part of a run of ``n`` rows."""
    return [(start, min(n, start + part_rows)) for start in range(0, n, part_rows)]


def part_seed(seed: int, index: int) -> int:
    """The sampling seed of part ``index`` of a dataset sampled with ``seed``."""
    from tabgan.synthesizer import _derive_seed

    return _derive_seed(seed, PART_SEED_STREAM, index)


def dataset_path(output: str | Path) -> Path:
    """The directory a partitioned dataset goes to: a path with no table suffix, or any path
    written with a trailing '/' (``out.parquet/``). A table file name is refused."""
    text = str(output)
    if not text.endswith(("/", os.sep)) and text.lower().endswith(TABLE_SUFFIXES):
        raise DataError(
            f"{text!r} names a table file, but --partition-rows writes a directory of Parquet parts: "
            f"give a directory (no {'/'.join(TABLE_SUFFIXES)} suffix, or end it with '/')"
        )
    return Path(text)


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace anything but an earlier partitioned dataset (or nothing)."""
    check_replaceable(
        out_dir, lambda d: sorted(p.name for p in d.iterdir() if not PART_FILE.fullmatch(p.name)),
        "parts of a partitioned dataset",
    )


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise TabganError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def write_partitioned(
    model_dir_or_model: str | Path | TabGAN,
    n: int,
    out_dir: str | Path,
    part_rows: int = DEFAULT_PART_ROWS,
    workers: int = 1,
    seed: int | None = None,
    conditions: dict[str, Any] | list[str] | str | None = None,
    *,
    device: str = "auto",
    chunk_rows: int | None = None,
    sample_precision: str | None = None,
) -> ExportSummary:
    """Sample ``n`` rows into ``out_dir`` as ``part-00000.parquet``, ``part-00001.parquet``, ...

    ``model_dir_or_model``: a saved model directory (loaded on ``device``) or a fitted
    :class:`~tabgan.synthesizer.TabGAN`. ``seed`` defaults to the model's own seed;
    ``conditions`` restrict every row as in ``iter_sample``. ``workers`` processes write
    parts in parallel (never more than there are parts); the bytes do not depend on it.
    ``out_dir`` may be absent, or an earlier dataset (replaced only once the new one is
    complete). A failing part raises a :class:`~tabgan.errors.TabganError` naming it.
    ``sample_precision`` (auto, fp32, bf16; default: the model's own) sets the generator's
    products in every part (:mod:`tabgan.nn.precision`).
    """
    from tabgan.conditions import normalise, plan_conditions
    from tabgan.nn.precision import resolve_precision
    from tabgan.synthesizer import TabGAN

    n = _positive("the number of rows", n)
    part_rows = _positive("part_rows", part_rows)
    workers = _positive("workers", workers)
    chunk_rows = _positive("chunk_rows", chunk_rows) if chunk_rows is not None else None  # None: the model's default
    out_dir = Path(os.path.abspath(out_dir))  # '.' or 'a/..' get a name (and a parent) to stand beside
    _check_replaceable(out_dir)
    if isinstance(model_dir_or_model, TabGAN):
        model, model_dir = model_dir_or_model, None
        model._check_fitted()
        device = model.device_.type
    else:
        model_dir = Path(model_dir_or_model)
        model = TabGAN.load(model_dir, device=device, sample_precision=sample_precision or "auto")
    precision = model.sample_precision if sample_precision is None else sample_precision
    resolve_precision(precision, model.device_)  # a bad value fails here, by name
    # bad conditions fail here, not in a part
    plan_conditions(normalise(conditions), model.schema_, model.encoder_, model.constraints_.derived)
    seed = model.seed_ if seed is None else int(seed)
    ranges = part_ranges(n, part_rows)
    workers = min(workers, len(ranges))
    tasks = [(i, start, stop, n, seed, conditions, chunk_rows) for i, (start, stop) in enumerate(ranges)]
    started = time.perf_counter()
    with ExitStack() as stack:
        if precision != model.sample_precision:  # the caller's model gets its own setting back
            stack.callback(setattr, model, "sample_precision", model.sample_precision)
            model.sample_precision = precision
        if workers > 1 and model_dir is None:  # the workers load it from a directory, never from a pickle
            model_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tabgan-model-"))) / "model"
            model.save(model_dir)
        tmp = stack.enter_context(atomic_directory(out_dir))
        if workers == 1:
            rows = [_write_part_or_fail(model, tmp, *task) for task in tasks]
        else:
            assert model_dir is not None
            rows = _write_in_pool(str(model_dir), device, precision, workers, str(tmp), tasks)
    seconds = time.perf_counter() - started
    files = tuple(PART_NAME.format(i) for i in range(len(ranges)))
    return ExportSummary(out_dir, sum(rows), len(ranges), workers, seconds, files)


def _write_part(
    model: TabGAN, directory: Path, index: int, start: int, stop: int, n: int, seed: int,
    conditions: Any, chunk_rows: int | None,
) -> int:
    """Sample part ``index`` (rows [start, stop) of ``n``) into its file; the rows written."""
    frames = model.iter_sample(
        stop - start, seed=part_seed(seed, index), chunk_rows=chunk_rows, conditions=conditions, offset=start, total=n
    )
    return write_parquet_chunks(frames, directory / PART_NAME.format(index))


def _write_part_or_fail(model: TabGAN, directory: Path, index: int, start: int, stop: int, *rest: Any) -> int:
    try:
        return _write_part(model, directory, index, start, stop, *rest)
    except Exception as exc:
        raise _part_failed(index, start, stop, exc) from exc


def _part_failed(index: int, start: int, stop: int, exc: BaseException) -> TabganError:
    """A TabganError (of the same class when it was one) that names the failing part."""
    cause = str(exc) if isinstance(exc, TabganError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BrokenProcessPool):
        cause = (
            "a worker process died (out of memory, killed, or it could not start: with 'spawn' the main "
            "program must be importable, a file whose work runs under `if __name__ == \"__main__\":`)"
        )
    message = f"{PART_NAME.format(index)} (rows {start:,} to {stop - 1:,}) failed, nothing was written: {cause}"
    if isinstance(exc, TabganError):
        try:
            return type(exc)(message)
        except TypeError:
            pass
    return TabganError(message)


def _worker_threads(workers: int) -> int:
    """Torch threads per worker: this machine's cores shared out, at most this process's own."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(torch.get_num_threads(), cores // workers))


def _write_in_pool(
    model_dir: str, device: str, precision: str, workers: int, directory: str, tasks: list[tuple[Any, ...]]
) -> list[int]:
    """Run ``tasks`` (parts) in ``workers`` spawned processes; the first failure cancels the
    parts not started, waits for the running ones (so nothing writes into ``directory`` after
    it is removed) and is raised naming its part."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(model_dir, device, precision, _worker_threads(workers)),
    )
    futures: dict[Future[int], tuple[Any, ...]] = {}
    try:
        futures = {pool.submit(_worker_part, directory, *task): task for task in tasks}
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = sorted((futures[f][0], f) for f in done if f.exception() is not None)
        if failed:
            index, future = failed[0]
            _, start, stop, *_ = futures[future]
            exc = future.exception()
            assert exc is not None
            raise _part_failed(index, start, stop, exc) from exc
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, Any] = {}  # in a worker process: the model dir, device, precision, and the model once loaded


def _init_worker(model_dir: str, device: str, precision: str, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _WORKER.update(model_dir=model_dir, device=device, precision=precision)


def _worker_part(directory: str, *task: Any) -> int:
    """In a worker: load the model from its directory (once per process), write one part."""
    from tabgan.synthesizer import TabGAN

    if "model" not in _WORKER:
        _WORKER["model"] = TabGAN.load(_WORKER["model_dir"], device=_WORKER["device"], sample_precision=_WORKER["precision"])
    return _write_part(_WORKER["model"], Path(directory), *task)
