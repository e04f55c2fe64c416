"""Reading and writing tables (CSV, gzipped CSV, Parquet); every write is atomic."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tabgan.errors import DataError

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def table_format(path: str | Path) -> str:
    """'csv', 'csv.gz' or 'parquet', from the file name; DataError otherwise."""
    name = str(path).lower()
    if name.endswith(".csv.gz"):
        return "csv.gz"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet"
    raise DataError(f"{str(path)!r}: unknown table format; use .csv, .csv.gz or .parquet")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, gzipped CSV or Parquet file; refuse missing, unreadable or empty tables."""
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise DataError(f"{str(path)!r}: no such file")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory, not a table file")
    try:
        if fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r}: the file is empty") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{str(path)!r}: cannot read the table: {first_line}") from None
    if df.shape[1] == 0:
        raise DataError(f"{str(path)!r}: the table has no columns")
    if len(df) == 0:
        raise DataError(f"{str(path)!r}: the table has no rows")
    df.columns = [str(c) for c in df.columns]
    return df


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise DataError(f"{str(parent)!r}: the output directory does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files owner-only; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` only on success."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
        if path.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            backup.rmdir()
            os.replace(path, backup)
            os.replace(tmp, path)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to CSV, gzipped CSV or Parquet by the file name, atomically."""
    path = Path(path)
    fmt = table_format(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        elif fmt == "csv.gz":
            # mtime=0 keeps the gzip header, and so the bytes, identical between runs
            df.to_csv(tmp, index=False, compression={"method": "gzip", "mtime": 0})
        else:
            df.to_csv(tmp, index=False)
    return path


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write a text file atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_table_chunks(frames: Iterable[pd.DataFrame], path: str | Path) -> int:
    """Stream frames (same columns and dtypes) into one CSV, gzipped CSV or Parquet file.

    Memory stays bounded by one chunk; the file appears only once it is complete.
    Returns the number of rows written.
    """
    path = Path(path)
    fmt = table_format(path)
    rows = 0
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            writer: pq.ParquetWriter | None = None
            try:
                for frame in frames:
                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                    rows += len(frame)
            finally:
                if writer is not None:
                    writer.close()
        else:
            raw = open(tmp, "wb")
            # mtime=0 keeps the gzip header, and so the bytes, identical between runs
            stream = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if fmt == "csv.gz" else raw
            try:
                for frame in frames:
                    stream.write(frame.to_csv(index=False, header=rows == 0).encode("utf-8"))
                    rows += len(frame)
            finally:
                stream.close()
                raw.close()
    return rows
