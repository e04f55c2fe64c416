"""Business rules declared in the schema, held by every generated row.

Each constraint is checked on the real data at fit (rows that break it are named in the
error) and enforced *by construction*: before encoding, the table is rewritten so the
rule cannot be broken, and generated rows are rewritten back.

| YAML | rule | construction |
| --- | --- | --- |
| ``{type: inequality, low: a, high: b}`` | ``a <= b`` | ``b`` is modelled as the gap ``b - a >= 0`` |
| ``{type: sum, total: t, parts: [a, b]}`` | ``t = a + b`` | ``t`` is not modelled; it is computed |
| ``{type: fixed_combinations, columns: [city, state]}`` | only pairs seen in the data | the columns are modelled as one categorical of the seen combinations |
| ``{type: non_negative, column: x}`` | ``x >= 0`` | the column's bound ``min: 0`` (values are clipped to bounds) |
| ``{type: determined, column: b, by: a}`` | each label of ``a`` comes with one value of ``b`` | ``b`` is not modelled; it is looked up from ``a`` |

``determined`` is what :func:`tabgan.schema.infer_schema` adds on its own when one column is a
function of a categorical one in the data (Adult's education_num of education): a network
would otherwise have to learn a lookup table, and gets it wrong in some rows.

Bounds (``min``/``max`` on a column) and unique ids are part of the schema itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from tabgan.errors import SchemaError
from tabgan.schema import Column, TableSchema, column_numbers, datetimes_from_seconds

_COMBO_SEPARATOR = "\x1f"  # unit separator: never part of a real label


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = (np.flatnonzero(mask) + 1)[:limit].tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" and {more} more" if more > 0 else "")


def _numbers(frame: pd.DataFrame, column: Column) -> np.ndarray:
    return column_numbers(column, frame[column.name])


def _from_numbers(numbers: np.ndarray, column: Column) -> pd.Series:
    from tabgan.transforms.base import restore_dtype

    if column.kind == "datetime":
        return datetimes_from_seconds(numbers, column)
    if column.kind == "integer":
        numbers = np.round(numbers)
    return restore_dtype(pd.Series(numbers), column.dtype, column.nullable)


@dataclass
class Constraint:
    """Base: ``check`` on real data; ``forward`` before encoding; ``reverse`` after decoding."""

    def columns(self) -> list[str]:
        raise NotImplementedError

    def model_columns(self, schema: TableSchema) -> list[Column]:
        """The columns this constraint puts in the modelled table in place of its own."""
        raise NotImplementedError

    def check(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        raise NotImplementedError

    def fit(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        """Learn what reverse needs (only fixed combinations learn anything)."""

    def forward(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        raise NotImplementedError

    def reverse(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what fit learned."""


@dataclass
class Inequality(Constraint):
    low: str
    high: str

    @property
    def gap(self) -> str:
        return f"{self.high}__minus__{self.low}"

    def columns(self) -> list[str]:
        return [self.low, self.high]

    def model_columns(self, schema: TableSchema) -> list[Column]:
        low, high = schema.column(self.low), schema.column(self.high)
        whole = low.kind in ("integer", "datetime") and high.kind in ("integer", "datetime")
        kind = "integer" if whole else "continuous"
        return [low, Column(self.gap, kind, dtype="float64", nullable=low.nullable or high.nullable, min=0)]

    def check(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        low = _numbers(frame, schema.column(self.low))
        high = _numbers(frame, schema.column(self.high))
        broken = low > high
        if broken.any():
            raise SchemaError(
                f"constraint {self.low} <= {self.high} is broken in {int(broken.sum())} rows of the data (rows {_rows(broken)})"
            )

    def forward(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        gap = _numbers(frame, schema.column(self.high)) - _numbers(frame, schema.column(self.low))
        return frame.drop(columns=[self.high]).assign(**{self.gap: gap})

    def reverse(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        low = _numbers(frame, schema.column(self.low))
        gap = np.maximum(pd.to_numeric(frame[self.gap]).to_numpy(dtype=np.float64), 0.0)
        high_column = schema.column(self.high)
        high = low + gap
        if high_column.max is not None and high_column.kind != "datetime":
            high = np.minimum(high, float(high_column.max))
            # the bound may cut the gap; the rule still holds because low <= bound by the check
        out = frame.drop(columns=[self.gap])
        out[self.high] = _from_numbers(high, high_column).to_numpy()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "inequality", "low": self.low, "high": self.high}


@dataclass
class Sum(Constraint):
    total: str
    parts: list[str]

    def columns(self) -> list[str]:
        return [self.total, *self.parts]

    def model_columns(self, schema: TableSchema) -> list[Column]:
        return [schema.column(p) for p in self.parts]

    def check(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        total = _numbers(frame, schema.column(self.total))
        parts = sum(_numbers(frame, schema.column(p)) for p in self.parts)
        broken = ~np.isclose(total, parts, rtol=1e-9, atol=1e-6) & ~(np.isnan(total) & np.isnan(parts))
        if broken.any():
            raise SchemaError(
                f"constraint {self.total} = {' + '.join(self.parts)} is broken in {int(broken.sum())} rows "
                f"of the data (rows {_rows(broken)})"
            )

    def forward(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        return frame.drop(columns=[self.total])

    def reverse(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        total = sum(_numbers(frame, schema.column(p)) for p in self.parts)
        out = frame.copy()
        out[self.total] = _from_numbers(np.asarray(total, dtype=np.float64), schema.column(self.total)).to_numpy()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "sum", "total": self.total, "parts": list(self.parts)}


@dataclass
class FixedCombinations(Constraint):
    names: list[str]
    combinations_: list[list[Any]] = field(default_factory=list)

    @property
    def joint(self) -> str:
        return "__and__".join(self.names)

    def columns(self) -> list[str]:
        return list(self.names)

    def model_columns(self, schema: TableSchema) -> list[Column]:
        nullable = any(schema.column(n).nullable for n in self.names)
        return [Column(self.joint, "categorical", dtype="object", nullable=nullable)]

    def check(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        for name in self.names:
            if schema.column(name).kind not in ("categorical", "boolean"):
                raise SchemaError(f"fixed_combinations: column {name!r} is not categorical or boolean")

    def _keys(self, frame: pd.DataFrame) -> pd.Series:
        parts = [frame[n].astype(object).where(frame[n].notna(), "\x00").astype(str) for n in self.names]
        key = parts[0]
        for part in parts[1:]:
            key = key + _COMBO_SEPARATOR + part
        return key

    def fit(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        unique = frame[self.names].drop_duplicates()
        self.combinations_ = [[v.item() if isinstance(v, np.generic) else v for v in row] for row in unique.itertuples(index=False)]
        self.combinations_ = [[None if (isinstance(v, float) and np.isnan(v)) else v for v in row] for row in self.combinations_]

    def forward(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        return frame.drop(columns=self.names).assign(**{self.joint: self._keys(frame).to_numpy()})

    def reverse(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        from tabgan.transforms.base import restore_dtype

        table = pd.DataFrame(self.combinations_, columns=self.names)
        lookup = pd.Index(self._keys(table))
        position = lookup.get_indexer(frame[self.joint].astype(str))
        out = frame.drop(columns=[self.joint])
        for name in self.names:
            column = schema.column(name)
            values = table[name].to_numpy(dtype=object)[np.maximum(position, 0)]
            values = np.where(position >= 0, values, None)
            out[name] = restore_dtype(pd.Series(values, dtype=object), column.dtype, column.nullable).to_numpy()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "fixed_combinations", "columns": list(self.names)}

    def state(self) -> dict[str, Any]:
        return {"combinations": self.combinations_}

    def load_state(self, state: dict[str, Any]) -> None:
        self.combinations_ = [list(row) for row in state["combinations"]]


@dataclass
class Determined(Constraint):
    """``column`` is a function of the categorical column ``by``: looked up, never modelled."""

    column: str
    by: str
    labels_: list[Any] = field(default_factory=list)  # the labels of ``by`` seen in training
    values_: list[Any] = field(default_factory=list)  # the value of ``column`` that comes with each
    # the value for a label not in the table: a rare label the model only emits as a marker
    fallback_: Any = None
    _inverse: dict[str, list[Any]] | None = field(default=None, repr=False, compare=False)

    def columns(self) -> list[str]:
        return [self.by, self.column]  # ``by`` stays in its place; ``column`` leaves the model

    def model_columns(self, schema: TableSchema) -> list[Column]:
        return [schema.column(self.by)]

    def check(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        if schema.column(self.by).kind not in ("categorical", "boolean"):
            raise SchemaError(f"determined: column {self.by!r} (by) is not categorical or boolean")
        if schema.column(self.column).kind == "id":
            raise SchemaError(f"determined: id column {self.column!r} is generated, not looked up")
        by, value = _label_keys(frame[self.by]), _label_keys(frame[self.column])
        first = value.groupby(by, sort=False).transform("first")
        broken = (value != first).to_numpy()
        if broken.any():
            row = int(np.flatnonzero(broken)[0])
            raise SchemaError(
                f"constraint {self.column} determined by {self.by} is broken in {int(broken.sum())} rows of the data "
                f"(rows {_rows(broken)}): {self.by} = {frame[self.by].iloc[row]!r} comes with more than one "
                f"value of {self.column}"
            )

    def fit(self, frame: pd.DataFrame, schema: TableSchema) -> None:
        pairs = frame[[self.by, self.column]].drop_duplicates(subset=[self.by])
        self.labels_ = [_plain(v) for v in pairs[self.by]]
        self.values_ = [_plain(v) for v in pairs[self.column]]
        self.fallback_ = self._fallback(frame[self.column], schema.column(self.column))
        self._inverse = None

    @staticmethod
    def _fallback(values: pd.Series, column: Column) -> Any:
        """What rows get whose determinant is a protected rare label (emitted as a marker, so
        its own value must not show): the rare marker in a text column, else null when the
        column allows it, else the column's most common value."""
        from tabgan.transforms.categorical import RARE_LABEL

        if column.kind == "categorical" and not pd.api.types.is_numeric_dtype(values):
            return RARE_LABEL
        if column.nullable:
            return None
        return _plain(values.mode(dropna=True).iloc[0])

    def forward(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        return frame.drop(columns=[self.column])

    def reverse(self, frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
        from tabgan.transforms.base import restore_dtype

        position = pd.Index(_label_keys(pd.Series(self.labels_, dtype=object))).get_indexer(_label_keys(frame[self.by]))
        values = np.asarray(self.values_ + [self.fallback_], dtype=object)[np.where(position >= 0, position, -1)]
        column = schema.column(self.column)
        out = frame.copy()
        out[self.column] = restore_dtype(pd.Series(values, dtype=object), column.dtype, column.nullable).to_numpy()
        return out

    def preimage(self, value: Any) -> list[Any]:
        """The labels of ``by`` that come with ``value`` of the determined column."""
        wanted = _label_keys(pd.Series([value], dtype=object))[0]
        return list(self._labels_by_value().get(wanted, []))

    def labels_giving(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``values`` (no nulls): how many labels of ``by`` give it, and that label
        where exactly one does (else None); by hashed lookups, not a pass per value."""
        inverse = self._labels_by_value()
        keys = _label_keys(values)
        counts = keys.map({key: len(labels) for key, labels in inverse.items()}).fillna(0).astype(int).to_numpy()
        single = keys.map({key: labels[0] for key, labels in inverse.items() if len(labels) == 1})
        return counts, single.astype(object).where(counts == 1, None).to_numpy(dtype=object)

    def _labels_by_value(self) -> dict[str, list[Any]]:
        """Each value's key and the labels that give it, built once (a film id table has
        thousands of labels, and per-row conditions ask for many values)."""
        if self._inverse is None:
            keys = _label_keys(pd.Series(self.values_, dtype=object))
            self._inverse = {}
            for label, key in zip(self.labels_, keys):  # once per fitted label, not per condition
                self._inverse.setdefault(key, []).append(label)
        return self._inverse

    def to_dict(self) -> dict[str, Any]:
        return {"type": "determined", "column": self.column, "by": self.by}

    def state(self) -> dict[str, Any]:
        return {"labels": self.labels_, "values": self.values_, "fallback": self.fallback_}

    def load_state(self, state: dict[str, Any]) -> None:
        self.labels_, self.values_ = list(state["labels"]), list(state["values"])
        self.fallback_ = state["fallback"]
        self._inverse = None


def _label_keys(values: pd.Series) -> pd.Series:
    """Values as comparable strings, nulls as one key of their own. Numbers compare by value
    (3, 3.0 and a nullable integer column's float 3.0 are one key), vectorised."""
    values = values.reset_index(drop=True)
    if values.dtype == object:
        values = values.infer_objects()
    null = values.isna().to_numpy()
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        keys = values.astype(str).to_numpy(dtype=object)
    else:
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        keys = np.where(whole, np.where(whole, numbers, 0).astype(np.int64).astype(str), numbers.astype(str)).astype(object)
    keys[null] = "\x00"
    return pd.Series(keys, dtype=object)


def _plain(value: Any) -> Any:
    """A JSON-safe Python scalar (None for nulls)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value


def parse_constraints(schema: TableSchema) -> list[Constraint]:
    """The schema's ``constraints`` list as objects; checks names and kinds."""
    out: list[Constraint] = []
    used: set[str] = set()
    determinants: set[str] = set()  # the ``by`` of determined constraints: shared among them only
    for i, raw in enumerate(schema.constraints):
        if not isinstance(raw, dict) or "type" not in raw:
            raise SchemaError(f"constraint #{i + 1} needs a 'type'")
        kind = raw["type"]
        try:
            if kind == "inequality":
                constraint: Constraint = Inequality(str(raw["low"]), str(raw["high"]))
            elif kind == "sum":
                constraint = Sum(str(raw["total"]), [str(p) for p in raw["parts"]])
            elif kind == "fixed_combinations":
                constraint = FixedCombinations([str(c) for c in raw["columns"]])
            elif kind == "determined":
                constraint = Determined(str(raw["column"]), str(raw["by"]))
                if constraint.column == constraint.by:
                    raise SchemaError(f"constraint #{i + 1} (determined): column {constraint.by!r} cannot determine itself")
            elif kind == "non_negative":
                continue  # applied to the column's bounds by apply_bounds
            else:
                raise SchemaError(f"constraint #{i + 1}: unknown type {kind!r}")
        except KeyError as exc:
            raise SchemaError(f"constraint #{i + 1} ({kind}) needs {exc.args[0]!r}") from None
        shared = constraint.by if isinstance(constraint, Determined) else None  # may determine several columns
        for name in constraint.columns():
            if name not in schema.names:
                raise SchemaError(f"constraint #{i + 1} ({kind}) names column {name!r}, which is not in the schema")
            if name == shared and name in determinants and name not in used:
                continue
            if name in used or name in determinants:
                raise SchemaError(f"column {name!r} is in more than one constraint")
        for name in constraint.columns():
            column = schema.column(name)
            numeric_labels = column.kind == "categorical" and column.dtype.startswith(("int", "float", "uint"))
            if kind in ("inequality", "sum") and column.kind not in ("continuous", "integer", "datetime") and not numeric_labels:
                raise SchemaError(f"constraint #{i + 1} ({kind}): column {name!r} is not a number or date")
        used.update(name for name in constraint.columns() if name != shared)
        determinants.update([shared] if shared else [])
        out.append(constraint)
    return out


def apply_bounds(schema: TableSchema) -> TableSchema:
    """Turn ``non_negative`` constraints into ``min: 0`` bounds."""
    non_negative = {str(c.get("column")) for c in schema.constraints if isinstance(c, dict) and c.get("type") == "non_negative"}
    for name in non_negative:
        if name not in schema.names:
            raise SchemaError(f"constraint non_negative names column {name!r}, which is not in the schema")
    if not non_negative:
        return schema
    columns = [
        replace(c, min=max(0, c.min) if c.min is not None else 0) if c.name in non_negative else c for c in schema.columns
    ]
    return TableSchema(columns=columns, target=schema.target, constraints=schema.constraints)


@dataclass
class ConstraintSet:
    """All of a schema's constraints: the modelled schema, and the rewrites both ways."""

    schema: TableSchema
    constraints: list[Constraint]

    @classmethod
    def from_schema(cls, schema: TableSchema) -> ConstraintSet:
        bounded = apply_bounds(schema)
        return cls(bounded, parse_constraints(bounded))

    def model_schema(self) -> TableSchema:
        """The schema of the table the network learns: constrained columns replaced."""
        if not self.constraints:
            return self.schema
        replaced: dict[str, list[Column]] = {}
        dropped: set[str] = set()
        for constraint in self.constraints:
            names = constraint.columns()
            replaced[names[0]] = constraint.model_columns(self.schema)
            dropped.update(names[1:])
        columns: list[Column] = []
        for column in self.schema.columns:
            if column.name in replaced:
                columns.extend(replaced[column.name])
            elif column.name not in dropped:
                columns.append(column)
        target = self.schema.target if self.schema.target in [c.name for c in columns] else None
        return TableSchema(columns=columns, target=target)

    def check_and_fit(self, frame: pd.DataFrame) -> None:
        for constraint in self.constraints:
            constraint.check(frame, self.schema)
            constraint.fit(frame, self.schema)

    def forward(self, frame: pd.DataFrame) -> pd.DataFrame:
        for constraint in self.constraints:
            frame = constraint.forward(frame, self.schema)
        return frame[self.model_schema().names]

    def reverse(self, frame: pd.DataFrame) -> pd.DataFrame:
        for constraint in reversed(self.constraints):
            frame = constraint.reverse(frame, self.schema)
        return frame[[name for name in self.schema.names if name in frame.columns]]  # ids may be added later

    @property
    def derived(self) -> dict[str, Determined]:
        """The looked-up columns, by name, and their ``determined`` constraints."""
        return {c.column: c for c in self.constraints if isinstance(c, Determined)}

    def rederive(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Look the determined columns up again, after values were written into ``frame``."""
        for constraint in self.derived.values():
            frame = constraint.reverse(frame, self.schema)
        return frame

    def state(self) -> list[dict[str, Any]]:
        return [c.state() for c in self.constraints]

    def load_state(self, states: list[dict[str, Any]]) -> None:
        if len(states) != len(self.constraints):
            raise SchemaError("the saved constraint state does not match the schema's constraints")
        for constraint, state in zip(self.constraints, states):
            constraint.load_state(state)
