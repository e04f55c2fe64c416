"""Table schema: what each column is, how it is inferred, and checking data against it.

A schema is a list of columns, each with a *kind*:

- ``categorical``: a finite set of labels (strings or numbers), one-hot encoded.
- ``boolean``: exactly two labels (True/False, 0/1, yes/no, ...), one-hot encoded.
- ``continuous``: real numbers, mode-specific normalisation.
- ``integer``: whole numbers, modelled like continuous and rounded on output.
- ``datetime``: timestamps, modelled as numbers and written back in their original format.
- ``id``: keys, never learned; generated fresh and unique.

``dtype`` records how the column was stored when read (``int64``, ``float64``, ``object``,
``bool``, ``datetime64[ns]``) so generated columns come back with the same pandas dtype.

Inference rules (:func:`infer_schema`), in order, for each column:

1. bool dtype, or exactly two distinct values that are {0, 1} or a true/false word pair
   (true/false, yes/no, y/n, t/f) -> ``boolean``.
2. datetime dtype, or text where at least 95% of values parse as dates in one format -> ``datetime``.
3. A name that looks like a key (``id``, ``*_id``, ``*Id``, ``*.id``, ``*ID``) with all values
   distinct and no nulls -> ``id``; such a name with repeated values -> ``categorical``
   (a reference to another table's key is a label, not a quantity), unless most rows hold a
   label seen fewer than ``RARE_LABEL_ROWS`` (8) times: such a reference (nafld1's
   ``case.id``, groups of 2-5 matched patients) can be neither learned nor released under
   the default rare-label protection, so it is an ``id``, generated fresh.
4. Numbers with at most ``max_numeric_categories`` (default 20) distinct values -> ``categorical``
   (e.g. a 1-5 rating or a 16-level education code), keeping the numeric labels.
5. Numbers whose values are all whole -> ``integer``; other numbers -> ``continuous``.
6. Text where more than 95% of at least 100 values are distinct -> ``id``; other text -> ``categorical``.

Then columns that are a function of a categorical column (each label with one value, on
enough rows: :mod:`tabgan.dependencies`) get a ``determined`` constraint, so they are looked
up rather than generated.

Nullable is true when the column has any null. Bounds are the observed minimum and maximum.
Categories are listed when there are at most ``max_listed_categories`` (default 500); a
categorical column without a list accepts any label.
"""

from __future__ import annotations

import decimal
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from tabgan.errors import SchemaError, preview

KINDS = ("categorical", "boolean", "continuous", "integer", "datetime", "id")
DISCRETE_KINDS = ("categorical", "boolean")
NUMERIC_KINDS = ("continuous", "integer")
SCHEMA_VERSION = 1

_TRUE_FALSE_PAIRS = [{"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"}]
_ID_NAME = re.compile(r"(^id$)|(_id$)|(\.id$)|([a-z0-9]Id$)|(ID$)|(^ID)")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S%z",  # ISO 8601 with an offset or Z: read and written in UTC
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)


@dataclass
class Column:
    """One column of a table."""

    name: str
    kind: str
    dtype: str = "object"
    nullable: bool = False
    min: float | str | None = None
    max: float | str | None = None
    categories: list[Any] | None = None
    datetime_format: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SchemaError(f"a column has no name: {preview(self.name)}")
        if self.kind not in KINDS:
            raise SchemaError(
                f"column {self.name!r}: kind {preview(self.kind)} is not one of {', '.join(KINDS)}"
            )
        if self.kind in NUMERIC_KINDS:
            for bound in ("min", "max"):
                value = getattr(self, bound)
                if value is not None and not isinstance(value, (int, float)):
                    raise SchemaError(f"column {self.name!r}: {bound} {preview(value)} is not a number")
            if self.min is not None and self.max is not None and self.min > self.max:
                raise SchemaError(f"column {self.name!r}: min {self.min} is greater than max {self.max}")
        if self.categories is not None:
            if not isinstance(self.categories, list):
                raise SchemaError(f"column {self.name!r}: categories must be a list")
            if len(set(map(_category_key, self.categories))) != len(self.categories):
                raise SchemaError(f"column {self.name!r}: categories are listed twice")
        if self.kind == "datetime" and self.dtype.startswith("datetime64"):
            try:
                pd.api.types.pandas_dtype(self.dtype)
            except (TypeError, ValueError, KeyError) as exc:
                raise SchemaError(f"column {self.name!r}: dtype {preview(self.dtype)} is not a datetime type "
                                  f"pandas knows ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        if self.kind == "boolean" and self.categories is not None and len(self.categories) > 2:
            raise SchemaError(f"column {self.name!r}: a boolean column has at most two categories")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for YAML/JSON, without empty optional fields."""
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None or k in ("name", "kind")}


@dataclass
class TableSchema:
    """The columns of a table, in order, and an optional target column."""

    columns: list[Column]
    target: str | None = None
    constraints: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise SchemaError(f"column {duplicated[0]!r} is listed twice in the schema")
        if not self.columns:
            raise SchemaError("the schema has no columns")
        if self.target is not None and self.target not in names:
            raise SchemaError(f"target column {self.target!r} is not in the schema")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(f"column {name!r} is not in the schema")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": SCHEMA_VERSION}
        if self.target is not None:
            data["target"] = self.target
        data["columns"] = [c.to_dict() for c in self.columns]
        if self.constraints:
            data["constraints"] = list(self.constraints)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> TableSchema:
        if not isinstance(data, dict) or "columns" not in data:
            raise SchemaError("a schema must be a mapping with a 'columns' list")
        if not isinstance(data["columns"], list):
            raise SchemaError("the schema's 'columns' must be a list")
        known = set(Column.__dataclass_fields__)
        columns = []
        for i, raw in enumerate(data["columns"]):
            if not isinstance(raw, dict):
                raise SchemaError(f"schema column #{i + 1} is not a mapping")
            unknown = sorted(set(raw) - known)
            if unknown:
                raise SchemaError(f"column {raw.get('name')!r}: unknown field {unknown[0]!r}")
            if "name" not in raw or "kind" not in raw:
                raise SchemaError(f"schema column #{i + 1} needs a 'name' and a 'kind'")
            columns.append(Column(**raw))
        return cls(columns=columns, target=data.get("target"), constraints=data.get("constraints") or [])

    def to_yaml(self, path: str | Path | None = None) -> str:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        if path is not None:
            from tabgan.io import write_text_atomic

            write_text_atomic(text, Path(path))
        return text

    @classmethod
    def from_yaml(cls, path: str | Path) -> TableSchema:
        """Read a schema file."""
        path = Path(path)
        if not path.is_file():
            raise SchemaError(f"schema file {str(path)!r} does not exist")
        return cls.from_yaml_text(path.read_text(encoding="utf-8"))

    @classmethod
    def from_yaml_text(cls, text: str) -> TableSchema:
        """Parse a schema from YAML text (safe loader: plain data only)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SchemaError(f"schema is not valid YAML: {str(exc).splitlines()[0]}") from None
        return cls.from_dict(data)


# ---------------------------------------------------------------------------------------------
# inference


def _category_key(value: Any) -> Any:
    """A hashable key under which 13, 13.0 and np.int64(13) are the same category."""
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("num", float(value))
    return ("str", str(value))


def _python_scalar(value: Any) -> Any:
    """numpy scalar -> Python scalar (for YAML); whole floats in an integer column stay floats."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _looks_like_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name))


# labels with fewer rows may never be emitted at the default rare-label protection (threshold 5
# plus a random margin of up to 3: TabGANConfig.rare_category_threshold and _margin)
RARE_LABEL_ROWS = 8


def _mostly_rare_labels(values: pd.Series) -> bool:
    """Whether most values belong to labels seen fewer than RARE_LABEL_ROWS times."""
    counts = values.value_counts(sort=False)
    return len(values) > 0 and int(counts[counts < RARE_LABEL_ROWS].sum()) * 2 > len(values)


def _detect_datetime_format(values: pd.Series) -> str | None:
    sample = values.dropna().astype(str)
    if sample.empty:
        return None
    sample = sample.iloc[:2000]
    for fmt in _DATE_FORMATS:
        parsed = text_to_datetimes(sample, fmt)
        if parsed.notna().mean() >= 0.95:
            return fmt
    return None


def _infer_column(name: str, values: pd.Series, max_numeric_categories: int, max_listed: int) -> Column:
    nonnull = values.dropna()
    nullable = bool(values.isna().any())
    # a categorical column (a compact read of text) keeps the dtype of its labels
    dtype = str(values.cat.categories.dtype) if isinstance(values.dtype, pd.CategoricalDtype) else str(values.dtype)
    n_unique = int(nonnull.nunique())

    def discrete(kind: str) -> Column:
        cats = None
        if n_unique <= max_listed:
            cats = [_python_scalar(v) for v in pd.unique(nonnull)]
            cats = sorted(cats, key=lambda v: (str(type(v)), v))
        return Column(name, kind, dtype=dtype, nullable=nullable, categories=cats)

    if pd.api.types.is_bool_dtype(values):
        return discrete("boolean")
    if pd.api.types.is_datetime64_any_dtype(values):
        zoned = isinstance(values.dtype, pd.DatetimeTZDtype)  # kept in the dtype; bounds in naive UTC
        stamps = naive_utc(nonnull)
        return Column(
            name, "datetime", dtype=f"datetime64[ns, {values.dt.tz}]" if zoned else "datetime64[ns]", nullable=nullable,
            min=str(stamps.min()) if n_unique else None, max=str(stamps.max()) if n_unique else None,
        )
    if pd.api.types.is_numeric_dtype(values):
        if n_unique == 2 and set(nonnull.unique().tolist()) <= {0, 1}:
            return discrete("boolean")
        with np.errstate(invalid="ignore"):  # an infinity is not whole (validation names it later)
            whole = bool(np.all(np.mod(nonnull.to_numpy(dtype=float), 1.0) == 0)) if n_unique else True
        if _looks_like_id_name(name) and whole:
            if n_unique == len(values):
                return Column(name, "id", dtype=dtype, nullable=False)
            if _mostly_rare_labels(nonnull):
                return Column(name, "id", dtype=dtype, nullable=nullable)
            return discrete("categorical")
        if n_unique <= max_numeric_categories:
            return discrete("categorical")
        kind = "integer" if whole else "continuous"
        lo, hi = nonnull.min(), nonnull.max()
        if kind == "integer":
            lo, hi = int(lo), int(hi)
        else:
            lo, hi = float(lo), float(hi)
        return Column(name, kind, dtype=dtype, nullable=nullable, min=lo, max=hi)

    # text
    text = nonnull.astype(str)
    lowered = set(pd.Series(text.unique()).str.strip().str.lower().tolist())
    if n_unique == 2 and any(lowered == pair for pair in _TRUE_FALSE_PAIRS):
        return discrete("boolean")
    fmt = _detect_datetime_format(text)
    if fmt is not None:
        parsed = text_to_datetimes(text, fmt).dropna()
        bounds = datetimes_to_text(pd.Series([parsed.min(), parsed.max()]), fmt)
        return Column(
            name, "datetime", dtype=dtype, nullable=nullable, datetime_format=fmt, min=bounds[0], max=bounds[1]
        )
    if _looks_like_id_name(name) and n_unique == len(values):
        return Column(name, "id", dtype=dtype, nullable=False)
    if _looks_like_id_name(name) and _mostly_rare_labels(text):
        return Column(name, "id", dtype=dtype, nullable=nullable)
    if len(text) >= 100 and n_unique > 0.95 * len(text):
        return Column(name, "id", dtype=dtype, nullable=nullable)
    return discrete("categorical")


def named_columns(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its column labels as text (a frame made from an array has 0, 1, ...),
    sharing its data; a label that is there twice (also after that: 1 and '1') is refused."""
    names = [str(c) for c in df.columns]
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise SchemaError(f"column {repeated[0]!r} is in the table twice")
    if names == list(df.columns):
        return df
    return df.set_axis(names, axis=1)


def _infer_modelled_column(name: str, values: pd.Series, max_numeric_categories: int, max_listed: int) -> Column:
    """:func:`_infer_column`, with what no kind models refused by name (durations, nested
    values) and exact decimals (``decimal.Decimal`` objects) read as numbers."""
    _refuse_durations(name, values)
    values = _decimals_as_numbers(values)
    try:
        return _infer_column(name, values, max_numeric_categories, max_listed)
    except TypeError:
        error = _nested_value_error(name, values)
        if error is None:
            raise
        raise error from None


def _refuse_durations(name: str, values: pd.Series) -> None:
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        raise SchemaError(
            f"column {name!r} holds durations ({values.dtype}), which no column kind models; "
            "store them as numbers (seconds, say) first"
        )


def _decimals_as_numbers(values: pd.Series) -> pd.Series:
    """An object column of ``decimal.Decimal`` values (what databases' exact numbers become in
    pandas) as floats; anything else, or decimals mixed with text, unchanged."""
    if values.dtype != object:
        return values
    first = values.dropna().head(1)
    if first.empty or not isinstance(first.iloc[0], decimal.Decimal):
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    return values if bool((numbers.isna() & values.notna()).any()) else numbers


def _nested_value_error(name: str, values: pd.Series) -> SchemaError | None:
    """The error naming the first value that is not one value (a list, a dict, an array), if
    any. Called once hashing the column has failed, so its loop over rows runs only then."""
    for row, value in enumerate(values.to_numpy(dtype=object), start=1):
        try:
            hash(value)
        except TypeError:
            what = "record" if isinstance(value, dict) else "list of values"
            return SchemaError(
                f"column {name!r}: row {row} holds {preview(value)}, a {what} rather than one value; "
                "flatten lists and records into columns of their own first"
            )
    return None


def infer_schema(
    df: pd.DataFrame,
    target: str | None = None,
    max_numeric_categories: int = 20,
    max_listed_categories: int = 500,
    dependencies: bool = True,
) -> TableSchema:
    """Infer a schema from a data frame by the rules in this module's docstring; with
    ``dependencies``, also the ``determined`` constraints of :mod:`tabgan.dependencies`."""
    if df.shape[1] == 0:
        raise SchemaError("the table has no columns")
    if len(df) == 0:
        raise SchemaError("the table has no rows")
    df = named_columns(df)
    columns = [
        _infer_modelled_column(str(name), df[name], max_numeric_categories, max_listed_categories)
        for name in df.columns
    ]
    constraints: list[dict[str, Any]] = []
    if dependencies:
        from tabgan.dependencies import find_dependencies

        constraints = find_dependencies(df, columns)
    return TableSchema(columns=columns, target=target, constraints=constraints)


# ---------------------------------------------------------------------------------------------
# validation


def _first_bad(values: pd.Series, bad: np.ndarray) -> tuple[int, Any]:
    position = int(np.flatnonzero(bad)[0])
    return position + 1, values.iloc[position]


def _check_numeric(col: Column, values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    not_number = (numbers.isna() & values.notna()).to_numpy()
    if not_number.any():
        row, value = _first_bad(values, not_number)
        raise SchemaError(f"column {col.name!r}: value {preview(value)} in row {row} is not a number")
    numbers = numbers.astype(float)
    finite = numbers.dropna()
    if np.isinf(finite.to_numpy()).any():
        row, value = _first_bad(numbers, np.isinf(numbers.to_numpy()))
        raise SchemaError(f"column {col.name!r}: value {value} in row {row} is infinite")
    if col.kind == "integer":
        frac = (np.mod(numbers.to_numpy(), 1.0) != 0) & numbers.notna().to_numpy()
        if frac.any():
            row, value = _first_bad(numbers, frac)
            raise SchemaError(f"column {col.name!r}: value {value} in row {row} is not a whole number")
    for bound, outside in (("min", numbers < (col.min if col.min is not None else -np.inf)),
                           ("max", numbers > (col.max if col.max is not None else np.inf))):
        mask = outside.to_numpy()
        if mask.any():
            row, value = _first_bad(numbers, mask)
            limit = getattr(col, bound)
            word = "below the minimum" if bound == "min" else "above the maximum"
            raise SchemaError(f"column {col.name!r}: value {value} in row {row} is {word} {limit}")
    return numbers


def naive_utc(stamps: pd.Series) -> pd.Series:
    """Datetimes as naive ``datetime64[ns]``: time-zone-aware ones converted to UTC first
    (the zone itself is kept in the schema's dtype, see :func:`restore_timezone`)."""
    if isinstance(stamps.dtype, pd.CategoricalDtype):  # pandas parses categorical text to categorical stamps
        stamps = stamps.astype(stamps.cat.categories.dtype)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.astype("datetime64[ns]")


def restore_timezone(stamps: pd.Series, dtype: str) -> pd.Series:
    """Naive UTC datetimes back in the time zone a column's stored dtype names, if any."""
    zone = getattr(pd.api.types.pandas_dtype(dtype), "tz", None) if dtype.startswith("datetime64") else None
    return stamps.dt.tz_localize("UTC").dt.tz_convert(zone) if zone is not None else stamps


def text_to_datetimes(values: pd.Series, fmt: str | None) -> pd.Series:
    """Text parsed as naive datetimes (NaT where it does not parse); values with an offset or
    a zone are converted to UTC, values without one are taken as they are."""
    return naive_utc(pd.to_datetime(values, format=fmt, errors="coerce", utc=True))


def datetimes_to_text(stamps: pd.Series, fmt: str) -> pd.Series:
    """Naive (UTC) datetimes written in ``fmt``; a format with an offset (``%z``) writes +0000."""
    if "%z" in fmt:
        stamps = stamps.dt.tz_localize("UTC")
    return stamps.dt.strftime(fmt).astype(object).where(stamps.notna(), np.nan)


def datetimes_from_seconds(seconds: np.ndarray, column: Column) -> pd.Series:
    """Seconds since the epoch (NaN: null) as the column writes them: text in its format, or
    datetimes in its dtype's time zone. The inverse of :func:`column_numbers`."""
    stamps = pd.Series(pd.to_datetime(np.nan_to_num(seconds).round().astype(np.int64), unit="s"))
    stamps = stamps.where(~np.isnan(seconds), pd.NaT)
    if column.datetime_format and not column.dtype.startswith("datetime"):
        return datetimes_to_text(stamps, column.datetime_format)
    return restore_timezone(stamps.astype("datetime64[ns]"), column.dtype)


def parse_datetimes(col: Column, values: pd.Series) -> pd.Series:
    """Parse a datetime column by its declared format (or pandas' own parsing without one);
    the result is naive, in UTC where the values carry a time zone or an offset."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return naive_utc(values)
    parsed = text_to_datetimes(values, col.datetime_format)
    bad = (parsed.isna() & values.notna()).to_numpy()
    if bad.any():
        row, value = _first_bad(values, bad)
        expected = f" in the format {col.datetime_format!r}" if col.datetime_format else ""
        raise SchemaError(f"column {col.name!r}: value {preview(value)} in row {row} is not a date{expected}")
    return parsed


def column_numbers(column: Column, values: pd.Series) -> np.ndarray:
    """A numeric or datetime column as floats: datetimes as seconds since the epoch, nulls as NaN."""
    if column.kind == "datetime":
        parsed = parse_datetimes(column, values)
        seconds = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
        return np.where(parsed.isna().to_numpy(), np.nan, seconds)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


def _check_categories(col: Column, values: pd.Series) -> None:
    if col.categories is None:
        return
    allowed = {_category_key(c) for c in col.categories}
    present = values.dropna()
    uniques = pd.unique(present)
    unknown = [u for u in uniques if _category_key(_python_scalar(u)) not in allowed]
    if unknown:
        bad = present.isin(unknown).to_numpy()
        position = int(np.flatnonzero(values.notna().to_numpy())[np.flatnonzero(bad)[0]])
        raise SchemaError(
            f"column {col.name!r}: value {preview(_python_scalar(unknown[0]))} in row {position + 1} "
            f"is not one of the schema's {len(col.categories)} categories"
        )


def validate(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Check that ``df`` fits ``schema``; return it with columns in schema order.

    Raises :class:`SchemaError` naming the first column and value that does not fit.
    Row numbers in messages count data rows from 1.
    """
    if len(df) == 0:
        raise SchemaError("the table has no rows")
    df = named_columns(df)
    names = list(df.columns)
    extra = [n for n in names if n not in schema.names]
    if extra:
        raise SchemaError(f"column {extra[0]!r} is in the data but not in the schema")
    missing = [n for n in schema.names if n not in names]
    if missing:
        raise SchemaError(f"column {missing[0]!r} is in the schema but not in the data")
    out = {}
    for col in schema.columns:
        values = df[col.name]
        _refuse_durations(col.name, values)
        try:
            _check_column(col, values)
        except TypeError:
            error = _nested_value_error(col.name, values)
            if error is None:
                raise
            raise error from None
        out[col.name] = values
    return pd.DataFrame(out, index=df.index)


def _check_column(col: Column, values: pd.Series) -> None:
    """Raise SchemaError naming the first value of ``values`` that does not fit ``col``."""
    if not col.nullable and values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0]) + 1
        raise SchemaError(f"column {col.name!r}: row {row} is empty but the column is not nullable")
    if col.kind in NUMERIC_KINDS:
        _check_numeric(col, values)
    elif col.kind == "datetime":
        parsed = parse_datetimes(col, values)
        for bound, word in (("min", "before"), ("max", "after")):
            limit = getattr(col, bound)
            if limit is None:
                continue
            limit_ts = text_to_datetimes(pd.Series([str(limit)]), col.datetime_format).iloc[0]
            if pd.isna(limit_ts):
                expected = f" in the format {col.datetime_format!r}" if col.datetime_format else ""
                raise SchemaError(f"column {col.name!r}: {bound} {preview(limit)} is not a date{expected}")
            mask = (parsed < limit_ts if bound == "min" else parsed > limit_ts).to_numpy()
            if mask.any():
                row, value = _first_bad(values, mask)
                raise SchemaError(
                    f"column {col.name!r}: value {preview(value)} in row {row} is {word} {bound} {limit}"
                )
    elif col.kind in DISCRETE_KINDS:
        _check_categories(col, values)
