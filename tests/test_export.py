"""Partitioned Parquet datasets: parts sampled apart (in parallel processes or not), same bytes,
ids unique across parts, nothing left behind on failure; the CLI's --partition-rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tabgan import TabGAN, TabganError
from tabgan.cli import main
from tabgan.conditions import ConditionError
from tabgan.export import part_ranges, write_partitioned
from tabgan.schema import Column
from tabgan.transforms import IdCodec

FAST = {"epochs": 1, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}
N, PART_ROWS, CHUNK_ROWS = 2500, 1000, 400  # three parts (1000, 1000, 500), each in several chunks


@pytest.fixture(scope="module")
def nafld_small(nafld: pd.DataFrame) -> pd.DataFrame:
    return nafld.sample(800, random_state=0).reset_index(drop=True)  # has an integer `id` key


@pytest.fixture(scope="module")
def model(nafld_small: pd.DataFrame) -> TabGAN:
    return TabGAN(random_state=0, device="cpu", **FAST).fit(nafld_small)


@pytest.fixture(scope="module")
def model_dir(model: TabGAN, tmp_path_factory) -> Path:
    return model.save(tmp_path_factory.mktemp("models") / "nafld-model")


@pytest.fixture(scope="module")
def dataset(model: TabGAN, tmp_path_factory) -> Path:
    """A dataset written in this process (workers=1) from the fitted model object."""
    out = tmp_path_factory.mktemp("datasets") / "one-worker"
    summary = write_partitioned(model, N, out, part_rows=PART_ROWS, workers=1, seed=5, chunk_rows=CHUNK_ROWS)
    assert (summary.rows, summary.parts, summary.workers) == (N, 3, 1)
    return out


def _parts(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_dataset_reads_back_with_the_model_columns_and_dtypes(dataset: Path, nafld_small: pd.DataFrame) -> None:
    assert sorted(p.name for p in dataset.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    frame = pd.read_parquet(dataset)
    assert len(frame) == N
    assert list(frame.columns) == list(nafld_small.columns)
    assert frame.dtypes.to_dict() == nafld_small.dtypes.to_dict()
    assert [len(pd.read_parquet(dataset / f"part-{i:05d}.parquet")) for i in range(3)] == [1000, 1000, 500]
    assert not list(dataset.parent.glob(".*"))  # no temporary directory left beside it


def test_ids_are_unique_across_parts(dataset: Path, nafld_small: pd.DataFrame) -> None:
    ids = pd.read_parquet(dataset)["id"]
    assert ids.is_unique and ids.notna().all()
    assert ids.is_monotonic_increasing  # each part (and chunk) draws from its own share of the id range
    assert nafld_small["id"].min() <= ids.min() and ids.max() <= nafld_small["id"].max()


def test_workers_give_byte_identical_parts_and_a_failing_part_is_named(
    dataset: Path, model_dir: Path, tmp_path: Path
) -> None:
    # two spawned processes, each loading the model from its directory
    parallel = tmp_path / "two-workers"
    summary = write_partitioned(model_dir, N, parallel, part_rows=PART_ROWS, workers=2, seed=5, chunk_rows=CHUNK_ROWS)
    assert summary.workers == 2 and summary.rows == N
    assert _parts(parallel) == _parts(dataset)

    # a part failing in a worker: an earlier dataset at the path is left exactly as it was
    before = _parts(parallel)
    with pytest.raises(ConditionError, match=r"part-0000[01]\.parquet \(rows .*\) failed, nothing was written"):
        write_partitioned(model_dir, 600, parallel, part_rows=300, workers=2, conditions=["bmi>=57.1"])
    assert _parts(parallel) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two-workers"]


def test_same_seed_same_bytes_other_seed_other_rows(model: TabGAN, dataset: Path, tmp_path: Path) -> None:
    again = write_partitioned(model, N, tmp_path / "again", part_rows=PART_ROWS, seed=5, chunk_rows=CHUNK_ROWS)
    assert _parts(again.path) == _parts(dataset)
    other = write_partitioned(model, N, tmp_path / "other", part_rows=PART_ROWS, seed=6, chunk_rows=CHUNK_ROWS)
    assert _parts(other.path)["part-00000.parquet"] != _parts(dataset)["part-00000.parquet"]


def test_failing_write_leaves_nothing_and_keeps_the_previous_dataset(
    model: TabGAN, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tabgan.export

    real_write = tabgan.export.write_parquet_chunks

    def fail_on_second_part(frames, path: Path) -> int:
        rows = real_write(frames, path)  # the file is there, complete, when the error comes
        if path.name == "part-00001.parquet":
            raise OSError(28, "No space left on device")
        return rows

    monkeypatch.setattr(tabgan.export, "write_parquet_chunks", fail_on_second_part)
    fresh = tmp_path / "fresh"
    with pytest.raises(TabganError, match=r"part-00001\.parquet \(rows 1,000 to 1,999\) failed.*No space left"):
        write_partitioned(model, N, fresh, part_rows=PART_ROWS, chunk_rows=CHUNK_ROWS)
    assert list(tmp_path.iterdir()) == []

    previous = tmp_path / "previous"
    shutil.copytree(dataset, previous)
    with pytest.raises(TabganError, match="part-00001"):
        write_partitioned(model, N, previous, part_rows=PART_ROWS, chunk_rows=CHUNK_ROWS)
    assert _parts(previous) == _parts(dataset)
    assert [p.name for p in tmp_path.iterdir()] == ["previous"]


def test_refuses_bad_arguments_and_foreign_directories(model: TabGAN, tmp_path: Path) -> None:
    with pytest.raises(TabganError, match="part_rows must be a positive integer"):
        write_partitioned(model, 10, tmp_path / "x", part_rows=0)
    with pytest.raises(ConditionError, match="outside the column's range"):
        write_partitioned(model, 10, tmp_path / "x", conditions=["age>=200"])
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    with pytest.raises(TabganError, match="refusing to replace it"):
        write_partitioned(model, 10, home)
    assert [p.name for p in home.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.parametrize(
    "values, total",
    [
        (pd.Series(np.arange(0, 10**9, 1000)), 20_000),  # a wide range: random ids within it
        (pd.Series(np.arange(1, 101)), 20_000),  # too narrow: a run after the real maximum
        (pd.Series([f"U-{i:04d}" for i in range(100)]), 20_000),  # text ids: prefix and digits
    ],
)
def test_id_pieces_never_collide_and_one_piece_is_the_old_draw(values: pd.Series, total: int) -> None:
    codec = IdCodec(Column("id", "id", dtype=str(values.dtype))).fit(values, np.random.default_rng(0))
    pieces = [
        codec.generate(stop - start, np.random.default_rng(i), start=start, total=total)
        for i, (start, stop) in enumerate(part_ranges(total, 3_000))
    ]
    ids = pd.concat(pieces, ignore_index=True)
    assert len(ids) == total and ids.is_unique
    whole = codec.generate(total, np.random.default_rng(1))
    assert whole.equals(codec.generate(total, np.random.default_rng(1), start=0, total=total))


# -- command line ------------------------------------------------------------------------------
def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_writes_a_partitioned_dataset_with_conditions(model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "synthetic.parquet"
    result = run("sample", model_dir, "-n", "1500", "-o", f"{out}/", "--partition-rows", "1000",
                 "--where", "status=1", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "wrote 1,500 rows in 2 parts to" in result.output and "rows/s" in result.output
    frame = pd.read_parquet(out)
    assert len(frame) == 1500 and (frame["status"] == 1).all() and frame["id"].is_unique


@pytest.mark.parametrize(
    "output, extra, message",
    [
        ("synthetic.parquet", ["--partition-rows", "100"], "names a table file, but --partition-rows writes a directory"),
        ("synthetic.csv.gz", ["--partition-rows", "100", "--workers", "2"], "names a table file"),
        ("synthetic.parquet", ["--workers", "2"], "--workers needs --partition-rows"),
        ("synthetic", [], "unknown table format"),
        ("synthetic", ["--partition-rows", "100", "--where", "age>=200"], "outside the column's range"),
    ],
)
def test_cli_bad_combinations_exit_1_and_write_nothing(
    model_dir: Path, tmp_path: Path, output: str, extra: list[str], message: str
) -> None:
    result = run("sample", model_dir, "-n", "300", "-o", tmp_path / output, *extra)
    assert result.exit_code == 1
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output
    assert list(tmp_path.iterdir()) == []
