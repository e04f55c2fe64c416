"""Reading and writing tables (CSV, gzipped CSV, Parquet); every write is atomic."""

from __future__ import annotations

import codecs
import gzip
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

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
    """Read a CSV, gzipped CSV or Parquet file; refuse missing, unreadable or empty tables.
    A CSV's delimiter (and, with semicolons, a decimal comma) is found by :func:`csv_dialect`."""

    def plain(path: Path, fmt: str) -> pd.DataFrame:
        if fmt == "parquet":
            return decimals_as_floats(pq.read_table(path)).to_pandas()
        dialect = csv_dialect(path)
        return pd.read_csv(path, low_memory=False, dtype=_code_columns(path, dialect), **dialect.pandas_options())

    return _read_checked(path, plain)


CSV_DELIMITERS = (",", ";", "\t", "|")
_QUOTED = re.compile(r'"[^"]*"')
_COMMA_DECIMAL = r"^\s*[-+]?\d+,\d+\s*$"  # 0,5 or -12,25: a number written with a decimal comma
_POINT_DECIMAL = r"^\s*[-+]?\d+\.\d+\s*$"
DIALECT_SAMPLE_ROWS = 1_000
ENCODING_BLOCK_BYTES = 16 * 2**20
FALLBACK_ENCODING = "cp1252"  # what Windows spreadsheet programs write in Western European locales


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file separates its fields, writes its decimal mark and encodes its text."""

    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"

    def pandas_options(self) -> dict[str, Any]:
        return {"sep": self.sep, "decimal": self.decimal, "encoding": self.encoding}


def _open_bytes(path: Path):  # noqa: ANN202  (a binary file object, gzip-aware)
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def text_encoding(path: str | Path) -> str:
    """'utf-8' when the whole file decodes as UTF-8 (checked block by block: memory stays one
    block), else FALLBACK_ENCODING, which decodes the accented letters of files that Windows
    programs save in Western European locales ('Köln' as the byte 0xF6)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_bytes(Path(path)) as handle:
        try:
            while block := handle.read(ENCODING_BLOCK_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8"


def csv_dialect(path: str | Path) -> CsvDialect:
    """The delimiter of a CSV file: whichever of comma, semicolon, tab and bar its header line
    holds most of outside quotes (a comma when it holds none, a one-column file). With
    semicolons, numbers written with a decimal comma ('0,5'), which spreadsheet programs write
    in locales whose decimal mark is a comma, are read as numbers: decimal ',' when some column
    of the first DIALECT_SAMPLE_ROWS rows has such numbers and none has a decimal point. The
    encoding is :func:`text_encoding`'s."""
    path = Path(path)
    encoding = text_encoding(path)
    with _open_bytes(path) as handle:
        first_line = handle.readline().decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    header = _QUOTED.sub("", first_line)
    counts = {sep: header.count(sep) for sep in CSV_DELIMITERS}
    sep = max(CSV_DELIMITERS, key=lambda candidate: (counts[candidate], candidate == ","))
    if counts[sep] == 0:
        return CsvDialect(encoding=encoding)
    if sep != ";":
        return CsvDialect(sep, encoding=encoding)
    head = pd.read_csv(path, sep=sep, dtype=str, nrows=DIALECT_SAMPLE_ROWS, keep_default_na=False, encoding=encoding)
    values = [head[name].astype(str) for name in head.columns]
    comma = any(v.str.match(_COMMA_DECIMAL).any() for v in values)
    point = any(v.str.match(_POINT_DECIMAL).any() for v in values)
    return CsvDialect(sep, "," if comma and not point else ".", encoding)


READ_BATCH_ROWS = 250_000
_LEADING_ZERO = r"^0\d+$"
_PADDED_LEADING_ZERO = r"^\s*0\d+\s*$"  # the same, with the spaces around it that a stripped value loses


def _code_columns(path: Path, dialect: CsvDialect) -> dict[str, type]:
    """CSV columns to read as text because some value, anywhere in the file, is a digit string
    with a leading zero (zip codes, account numbers: '00123' read as a number would lose them).

    The whole file is scanned as text with pyarrow's streaming reader, block by block (memory:
    one block), so a code that first appears in row 5,000,000 still counts. A file pyarrow
    cannot parse falls back to pandas' first 10,000 rows; pandas' own read then has the last word.
    """
    names = [str(c) for c in pd.read_csv(path, nrows=0, sep=dialect.sep, encoding=dialect.encoding).columns]
    # columns are matched by position: pandas' names (duplicates renamed 'a.1', a byte-order
    # mark dropped) need not be pyarrow's, so pyarrow reads the header as a row it skips
    positional = [f"c{i}" for i in range(len(names))]
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=positional, skip_rows=1, encoding=dialect.encoding),
            parse_options=pa_csv.ParseOptions(delimiter=dialect.sep, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in positional}),
        )
        found: set[int] = set()
        for batch in reader:
            for i, column in enumerate(batch.columns):
                if i not in found and pc.any(pc.match_substring_regex(column, _PADDED_LEADING_ZERO)).as_py():
                    found.add(i)
        return {names[i]: str for i in sorted(found)}
    except pa.ArrowException:
        head = pd.read_csv(path, dtype=str, nrows=10_000, keep_default_na=False, sep=dialect.sep, encoding=dialect.encoding)
        return {name: str for name in head.columns if head[name].str.strip().str.match(_LEADING_ZERO).any()}


def read_table_compact(path: str | Path, batch_rows: int = READ_BATCH_ROWS) -> pd.DataFrame:
    """Read a table for fitting, in batches, with text columns as pandas categoricals.

    The values are those :func:`read_table` gives; only their storage differs: a text column
    costs one small integer per row plus its distinct labels, not a Python string per row, so
    tables of millions of rows fit in memory. Parquet is read with pyarrow, batch by batch,
    dictionary-encoded as it is read; CSV with pandas' parser in batches of ``batch_rows``.
    """

    def compact(path: Path, fmt: str) -> pd.DataFrame:
        if fmt == "parquet":
            return _read_parquet_compact(path, batch_rows)
        dialect = csv_dialect(path)
        options = dialect.pandas_options()
        reader = pd.read_csv(path, chunksize=batch_rows, low_memory=False, dtype=_code_columns(path, dialect), **options)
        return _concat_compact([_categorise(chunk) for chunk in reader], lambda name: _text_column(path, name, batch_rows, options))

    return _read_checked(path, compact)


def _read_checked(path: str | Path, read: Callable[[Path, str], pd.DataFrame]) -> pd.DataFrame:
    """``read(path, format)``, with missing, unreadable and empty tables refused by name."""
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise DataError(f"{str(path)!r}: no such file")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory, not a table file")
    try:
        df = read(path, fmt)
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r}: the file is empty") from None
    except (OSError, ValueError, pd.errors.ParserError, pa.ArrowException) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{str(path)!r}: cannot read the table: {first_line}") from None
    if df.shape[1] == 0:
        raise DataError(f"{str(path)!r}: the table has no columns")
    if len(df) == 0:
        raise DataError(f"{str(path)!r}: the table has no rows")
    df.columns = [str(c) for c in df.columns]
    return df


def _read_parquet_compact(path: Path, batch_rows: int) -> pd.DataFrame:
    text = [f.name for f in pq.read_schema(path) if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    parquet = pq.ParquetFile(path, read_dictionary=text)
    batches = list(parquet.iter_batches(batch_size=batch_rows))
    table = pa.Table.from_batches(batches, schema=parquet.schema_arrow) if batches else parquet.schema_arrow.empty_table()
    # pyarrow unifies the batches' dictionaries into one set of categories per column
    return decimals_as_floats(table).to_pandas(self_destruct=True)


def decimals_as_floats(table: pa.Table) -> pa.Table:
    """Decimal columns (the exact numbers of databases and Spark) as float64, which is how
    tabgan models numbers; pandas would otherwise hold them as Python ``Decimal`` objects.
    The cast goes through text, which parses to the nearest float (3.05, not the
    3.0500000000000003 a direct cast gives)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            as_text = pc.cast(table.column(i), pa.string())
            table = table.set_column(i, field.name, pc.cast(as_text, pa.float64()))
    return table


def _categorise(frame: pd.DataFrame) -> pd.DataFrame:
    """Text (object) columns of one batch as categoricals."""
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].astype("category")
    return frame


def _text_column(path: Path, name: str, batch_rows: int, options: dict[str, Any]) -> pd.Series:
    """One CSV column read again as text, in batches, as a categorical."""
    reader = pd.read_csv(path, usecols=[name], dtype=str, chunksize=batch_rows, low_memory=False, **options)
    return pd.Series(union_categoricals([chunk[name].astype("category") for chunk in reader], ignore_order=True), name=name)


def _concat_compact(frames: list[pd.DataFrame], as_text: Callable[[str], pd.Series]) -> pd.DataFrame:
    """Batches joined. A column that is text in one batch and numbers in another (numbers with
    text further down) is read again as text, which is what one read of the file gives."""
    if len(frames) == 1:
        return frames[0]
    columns = {}
    for name in frames[0].columns:
        parts = [f[name] for f in frames]
        text = [isinstance(p.dtype, pd.CategoricalDtype) for p in parts]
        if all(text):
            columns[name] = pd.Series(union_categoricals(parts, ignore_order=True), name=name)
        elif any(text):
            columns[name] = as_text(name)
        else:
            columns[name] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(columns)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise DataError(f"{str(parent)!r}: the output directory does not exist")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory; give the output table a file name")
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


def check_replaceable(
    path: str | Path, strangers: Callable[[Path], list[str]], what: str, error: type[Exception] = DataError
) -> None:
    """Refuse a ``path`` that an output directory may not replace: anything but nothing or a
    directory whose files are all ``what`` (``strangers(path)`` lists, sorted, those that are
    not), so a mistyped output path cannot wipe a directory of other files or a file."""
    path = Path(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise error(f"{str(path)!r} exists and is not a directory; {what} are written as a directory")
    others = strangers(path)
    if others:
        raise error(
            f"{str(path)!r} holds files that are not {what} ({others[0]!r}, ...); "
            "refusing to replace it: give a new or empty directory"
        )


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` only on success.

    On any error the temporary directory is removed and ``path`` (when it existed) is left as
    it was. The old ``path`` is moved aside, the new one renamed in, then the old one removed;
    should the rename in fail, the old one is moved back.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes directories owner-only
        if path.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            backup.rmdir()
            os.replace(path, backup)
            try:
                os.replace(tmp, path)
            except BaseException:
                os.replace(backup, path)
                raise
            if backup.is_dir():
                shutil.rmtree(backup, ignore_errors=True)
            else:
                backup.unlink()
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


def write_parquet_chunks(frames: Iterable[pd.DataFrame], path: str | Path) -> int:
    """Stream frames (same columns and dtypes) into one Parquet file at ``path``, one row
    group per frame, so memory stays bounded by one frame. Not atomic by itself: ``path`` is
    the caller's temporary path. The first frame fixes the file's columns and types (a text
    column with only nulls in it is typed as text); later frames are cast to them.
    Returns the number of rows written; writes nothing when there are no frames."""
    rows = 0
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    try:
        for frame in frames:
            if schema is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                schema = pa.schema(
                    [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema],
                    metadata=table.schema.metadata,
                )
                table = table.cast(schema)
                writer = pq.ParquetWriter(path, schema)
            else:
                table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            assert writer is not None
            writer.write_table(table)
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return rows


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
            rows = write_parquet_chunks(frames, tmp)
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
