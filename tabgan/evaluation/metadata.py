"""Bridge from a :class:`~tabgan.schema.TableSchema` to SDMetrics, and frame preparation.

``to_sdmetrics_metadata`` maps column kinds to SDMetrics sdtypes:

=================================  ============================================
tabgan kind                        SDMetrics sdtype
=================================  ============================================
categorical, boolean               ``categorical``
continuous, integer                ``numerical``
datetime                           ``datetime`` (with ``datetime_format`` when set)
id                                 ``id``
=================================  ============================================

``prepare_frame`` puts a table into one canonical form that every metric in this package
uses, so that the real and synthetic tables compare value for value even when they were
stored differently (``13`` and ``13.0``, ``True`` and ``"yes"``, a date as text or as a
timestamp):

- numbers (continuous, integer) become ``float64``;
- datetimes become ``datetime64[ns]`` (text parsed with the schema's format);
- categorical labels become text: whole numbers are written without a decimal point
  (``13.0`` -> ``"13"``), other numbers as Python writes them; boolean labels become
  ``"True"``/``"False"`` (true/false, yes/no, y/n, t/f and 1/0 are recognised);
- ids are kept as text;
- nulls stay nulls (``NaN`` / ``NaT``).

This relabelling is one-to-one on clean data, so SDMetrics' scores are unchanged by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tabgan.errors import DataError
from tabgan.schema import DISCRETE_KINDS, NUMERIC_KINDS, TableSchema, naive_utc, text_to_datetimes

TABLE_NAME = "table"

_SDTYPES = {
    "categorical": "categorical",
    "boolean": "categorical",
    "continuous": "numerical",
    "integer": "numerical",
    "datetime": "datetime",
    "id": "id",
}
_TRUE_WORDS = {"true", "yes", "y", "t", "1", "1.0"}
_FALSE_WORDS = {"false", "no", "n", "f", "0", "0.0"}


def to_sdmetrics_metadata(schema: TableSchema, table_name: str = TABLE_NAME) -> dict[str, Any]:
    """SDMetrics metadata (the multi-table form its unified reports expect) for one table."""
    columns: dict[str, dict[str, Any]] = {}
    for col in schema.columns:
        entry: dict[str, Any] = {"sdtype": _SDTYPES[col.kind]}
        if col.kind == "datetime" and col.datetime_format:
            entry["datetime_format"] = col.datetime_format
        columns[col.name] = entry
    table: dict[str, Any] = {"columns": columns}
    ids = [c.name for c in schema.columns if c.kind == "id"]
    if len(ids) == 1:
        table["primary_key"] = ids[0]
    return {"tables": {table_name: table}}


def canonical_labels(values: pd.Series, boolean: bool = False) -> pd.Series:
    """Labels of a discrete column as text (nulls kept), so equal labels compare equal.

    The work is done once per distinct label (``pd.factorize``), then spread to the rows.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0 or len(uniques) * 2 > len(values):
        return _canonical_labels(values, boolean)
    labels = _canonical_labels(pd.Series(uniques, dtype=values.dtype), boolean).to_numpy(dtype=object)
    out = np.full(len(values), np.nan, dtype=object)
    present = codes >= 0
    out[present] = labels[codes[present]]
    return pd.Series(out, index=values.index, dtype=object)


def _canonical_labels(values: pd.Series, boolean: bool) -> pd.Series:
    out = pd.Series(np.nan, index=values.index, dtype=object)
    present = values.notna().to_numpy()
    if not present.any():
        return out
    kept = values[present]
    if pd.api.types.is_bool_dtype(kept) or (boolean and kept.map(type).eq(bool).all()):
        out[present] = kept.astype(bool).map({True: "True", False: "False"}).to_numpy()
        return out
    if pd.api.types.is_numeric_dtype(kept):
        text = _number_labels(kept.astype(float))
    else:
        text = kept.astype(str)
        as_number = pd.to_numeric(text, errors="coerce")
        if as_number.notna().all() and not boolean:
            text = _number_labels(as_number.astype(float))
    if boolean:
        lowered = text.str.strip().str.lower()
        text = text.where(~lowered.isin(_TRUE_WORDS), "True").where(~lowered.isin(_FALSE_WORDS), "False")
    out[present] = text.to_numpy()
    return out


def _number_labels(numbers: pd.Series) -> pd.Series:
    values = numbers.to_numpy(dtype=float)
    whole = np.isfinite(values) & (np.mod(values, 1.0) == 0) & (np.abs(values) < 2**53)
    text = numbers.astype(str)
    if whole.any():
        text[whole] = numbers[whole].astype(np.int64).astype(str).to_numpy()
    return text


@dataclass
class PreparedFrame:
    """A table in canonical form, with notes on values that had to be dropped to null."""

    frame: pd.DataFrame
    coerced: dict[str, int] = field(default_factory=dict)


def prepare_frame(df: pd.DataFrame, schema: TableSchema, role: str, strict: bool) -> PreparedFrame:
    """Select the schema's columns of ``df`` in schema order and put them in canonical form.

    ``role`` names the table in messages ("real", "synthetic", "holdout"). With ``strict``
    (the real tables) a number or date that does not parse is a :class:`DataError`; without it
    (the synthetic table) it becomes null and is counted in ``coerced``.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"the {role} table must be a pandas DataFrame, not {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"the {role} table has no rows")
    names = {str(c): c for c in df.columns}
    missing = [c.name for c in schema.columns if c.name not in names]
    if missing:
        raise DataError(f"column {missing[0]!r} of the schema is missing from the {role} table")
    out: dict[str, pd.Series] = {}
    coerced: dict[str, int] = {}
    for col in schema.columns:
        values = df[names[col.name]].reset_index(drop=True)
        if col.kind in NUMERIC_KINDS:
            if pd.api.types.is_bool_dtype(values):
                values = values.astype(float)
            parsed = pd.to_numeric(values, errors="coerce").astype(float)
            parsed[~np.isfinite(parsed.to_numpy())] = np.nan
        elif col.kind == "datetime":
            if pd.api.types.is_datetime64_any_dtype(values):
                parsed = naive_utc(values)
            else:
                parsed = text_to_datetimes(values, col.datetime_format)
        elif col.kind in DISCRETE_KINDS:
            parsed = canonical_labels(values, boolean=col.kind == "boolean")
        else:  # id
            parsed = values.astype(object).where(values.notna(), np.nan)
            parsed[values.notna()] = values[values.notna()].astype(str)
        lost = int((parsed.isna() & values.notna()).sum())
        if lost:
            if strict:
                first = values[(parsed.isna() & values.notna()).to_numpy()].iloc[0]
                what = "a number" if col.kind in NUMERIC_KINDS else "a date"
                raise DataError(
                    f"column {col.name!r} of the {role} table: {str(first)[:40]!r} is not {what}"
                )
            coerced[col.name] = lost
        out[col.name] = parsed
    return PreparedFrame(pd.DataFrame(out), coerced)


def model_columns(schema: TableSchema) -> list[str]:
    """The columns that carry information about the rows (every kind but ``id``)."""
    return [c.name for c in schema.columns if c.kind != "id"]


def row_hashes(frame: pd.DataFrame, columns: list[str], hash_key: str | None = None) -> np.ndarray:
    """A 64-bit hash per row of ``frame[columns]`` (a canonical frame; nulls hash alike),
    keyed with the 16-character ``hash_key`` when given."""
    key = {} if hash_key is None else {"hash_key": hash_key}
    return pd.util.hash_pandas_object(frame[columns], index=False, **key).to_numpy(dtype=np.uint64)


def canonical_row_hashes(df: pd.DataFrame, schema: TableSchema, hash_key: str | None = None) -> np.ndarray:
    """The same hashes as ``row_hashes(prepare_frame(df, schema, ...).frame, names, hash_key)``
    (lenient parsing), computed faster: a discrete column is factorized once, its distinct
    labels put in canonical form and hashed, and the hashes spread to the rows, where the
    general path writes canonical text for every row and then factorizes it again to hash it.
    Nulls hash as pandas hashes them (all ones); columns combine as pandas combines them."""
    names = {str(c): c for c in df.columns}
    others = [c for c in schema.columns if c.kind not in DISCRETE_KINDS]
    canonical = prepare_frame(df, TableSchema(columns=others), "generated", strict=False).frame if others else None
    key = {} if hash_key is None else {"hash_key": hash_key}
    hashes = []
    for col in schema.columns:
        if col.kind not in DISCRETE_KINDS:
            assert canonical is not None
            hashes.append(pd.util.hash_pandas_object(canonical[col.name], index=False, **key).to_numpy(dtype=np.uint64))
            continue
        values = df[names[col.name]].reset_index(drop=True)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        labels = _canonical_labels(pd.Series(uniques, dtype=values.dtype), col.kind == "boolean").to_numpy(dtype=object)
        per_label = pd.util.hash_array(labels, categorize=False, **key) if len(labels) else np.zeros(0, np.uint64)
        column = np.full(len(values), np.iinfo(np.uint64).max, dtype=np.uint64)
        present = codes >= 0
        column[present] = per_label[codes[present]]
        hashes.append(column)
    return _combine_hashes(hashes, len(df))


def _combine_hashes(arrays: list[np.ndarray], rows: int) -> np.ndarray:
    """Column hashes combined into row hashes the way ``pd.util.hash_pandas_object`` combines a
    frame's columns (CPython's tuple hash)."""
    if not arrays:
        return np.zeros(rows, dtype=np.uint64)
    mult = np.uint64(1000003)
    out = np.zeros(rows, dtype=np.uint64) + np.uint64(0x345678)
    with np.errstate(over="ignore"):
        for i, column in enumerate(arrays):
            inverse = np.uint64(len(arrays) - i)
            out ^= column
            out *= mult
            mult += np.uint64(82520) + inverse + inverse
        out += np.uint64(97531)
    return out

