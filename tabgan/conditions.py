"""Conditions on generated rows: parsing, checking against the model, and row filters.

A condition is ``column OP value`` with OP one of ``=``, ``>=``, ``<=``, ``>``, ``<``:

- ``=`` on a categorical or boolean column is met through the condition vector: the
  generator is asked for that option, and the column is then set to the value, so every row
  matches and the rest of the row follows what the generator learned for that option;
- ``=`` on a column looked up from a categorical one (a ``determined`` constraint) is asked
  of that column when a single label gives the value;
- ``=`` on an integer column, and every range on a numeric or datetime column, is met by a
  bounded filter: rows are generated in rounds and those outside the range dropped. After
  the first round the acceptance rate is estimated; when meeting ``n`` rows would need more
  than the trial budget, sampling stops at once with an error naming the condition.

Given as a dict (``{"rating": 1, "category": "books"}``: equalities) or as strings
(``"age>=60"``), as on the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabgan.errors import TabganError, preview
from tabgan.schema import TableSchema, column_numbers
from tabgan.transforms.categorical import CategoricalCodec, label_keys
from tabgan.transforms.encoder import TableEncoder

_CONDITION = re.compile(r"^\s*(?P<column>.+?)\s*(?P<op>>=|<=|==|=|>|<)\s*(?P<value>.*?)\s*$")
OPERATORS = (">=", "<=", "=", ">", "<")


class ConditionError(TabganError):
    """A condition that names no column, an unknown value, or cannot be met."""


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: Any

    def __str__(self) -> str:
        return f"{self.column}{self.op}{self.value}"


def parse_condition(text: str) -> Condition:
    """``"age>=60"`` -> Condition("age", ">=", "60") (the value is typed later, by the schema)."""
    match = _CONDITION.match(text)
    if not match or not match.group("value"):
        raise ConditionError(f"cannot read the condition {text!r}: write COLUMN=VALUE, COLUMN>=VALUE, ...")
    op = "=" if match.group("op") == "==" else match.group("op")
    return Condition(match.group("column"), op, match.group("value"))


def normalise(conditions: dict[str, Any] | list[str] | str | None) -> list[Condition]:
    """Accept a dict of equalities, a list of condition strings, or one string."""
    if conditions is None:
        return []
    if isinstance(conditions, str):
        return [parse_condition(conditions)]
    if isinstance(conditions, dict):
        return [Condition(str(k), "=", v) for k, v in conditions.items()]
    if isinstance(conditions, (list, tuple)):
        out = []
        for item in conditions:
            out.append(item if isinstance(item, Condition) else parse_condition(str(item)))
        return out
    raise ConditionError(f"conditions must be a dict, a list of strings or a string, not {type(conditions).__name__}")


@dataclass
class Range:
    """Numbers (datetimes as seconds) between low and high."""

    low: float = -np.inf
    high: float = np.inf
    low_inclusive: bool = True
    high_inclusive: bool = True
    text: str = ""

    def mask(self, values: np.ndarray) -> np.ndarray:
        above = values >= self.low if self.low_inclusive else values > self.low
        below = values <= self.high if self.high_inclusive else values < self.high
        return above & below & ~np.isnan(values)

    def is_empty(self) -> bool:
        if self.low > self.high:
            return True
        return self.low == self.high and not (self.low_inclusive and self.high_inclusive)


@dataclass
class ConditionPlan:
    """What the sampler must do for a set of conditions."""

    options: dict[int, int]  # discrete column index (among conditionable columns) -> option
    values: dict[str, Any]  # discrete column name -> the value to write
    ranges: dict[str, Range]  # numeric or datetime column name -> range

    @property
    def empty(self) -> bool:
        return not self.options and not self.ranges

    def accept(self, frame: pd.DataFrame, schema: TableSchema) -> np.ndarray:
        keep = np.ones(len(frame), dtype=bool)
        for name, rng in self.ranges.items():
            keep &= rng.mask(column_numbers(schema.column(name), frame[name]))
        return keep


def _number(condition: Condition, schema: TableSchema) -> float:
    column = schema.column(condition.column)
    if column.kind == "datetime":
        try:
            stamp = pd.to_datetime(str(condition.value), format=column.datetime_format)
        except (ValueError, TypeError):
            raise ConditionError(f"condition {condition}: {preview(condition.value)} is not a date") from None
        return stamp.value / 1e9
    try:
        return float(condition.value)
    except (TypeError, ValueError):
        raise ConditionError(f"condition {condition}: {preview(condition.value)} is not a number") from None


def through_determinants(
    conditions: list[Condition], schema: TableSchema, derived: dict[str, Any]
) -> list[Condition]:
    """Conditions on a looked-up column (a ``determined`` constraint, in ``derived`` by name)
    asked of its determinant instead: ``education_num=13`` becomes ``education=Bachelors``
    when one label gives the value. Equalities that several labels give, on a categorical
    column, are refused (name the determinant); numbers keep their filter."""
    out = []
    for condition in conditions:
        rule = derived.get(condition.column)
        if rule is None or condition.op != "=":
            out.append(condition)
            continue
        labels = rule.preimage(condition.value)
        if len(labels) == 1:
            out.append(Condition(rule.by, "=", labels[0]))
        elif not labels:
            raise ConditionError(
                f"condition {condition}: {preview(condition.value)} is not a value of column {condition.column!r} "
                "seen in training"
            )
        elif schema.column(condition.column).kind in ("categorical", "boolean"):
            raise ConditionError(
                f"condition {condition}: column {condition.column!r} is looked up from {rule.by!r} (a determined "
                f"constraint) and {len(labels)} of its labels give this value; condition on {rule.by!r} instead"
            )
        else:
            out.append(condition)
    return out


def plan_conditions(
    conditions: list[Condition], schema: TableSchema, encoder: TableEncoder, derived: dict[str, Any] | None = None
) -> ConditionPlan:
    """Check each condition against the model and decide how it is met; ``derived``: the
    looked-up columns' ``determined`` constraints (see :func:`through_determinants`)."""
    conditions = through_determinants(conditions, schema, derived or {})
    codecs = {c.column.name: c for c in encoder.codecs if isinstance(c, CategoricalCodec)}
    index_of = encoder.condition_index()
    plan = ConditionPlan({}, {}, {})
    for condition in conditions:
        if condition.column not in schema.names:
            raise ConditionError(f"condition {condition}: there is no column {condition.column!r}")
        column = schema.column(condition.column)
        modelled = condition.column in encoder.schema.names
        if column.kind in ("categorical", "boolean"):
            if not modelled and column.name in (derived or {}):
                raise ConditionError(
                    f"condition {condition}: column {column.name!r} is looked up from {derived[column.name].by!r}; "
                    "it takes only '='"
                )
            if not modelled:
                raise ConditionError(
                    f"condition {condition}: column {column.name!r} is modelled jointly by a fixed_combinations "
                    "constraint; conditions on it are not supported yet"
                )
            if condition.op != "=":
                raise ConditionError(f"condition {condition}: {column.kind} column {column.name!r} takes only '='")
            codec = codecs[column.name]
            option, value = _option_of(codec, condition)
            if column.name in plan.values and plan.values[column.name] != value:
                raise ConditionError(f"conditions ask column {column.name!r} for two different values")
            plan.options[index_of[column.name]] = option
            plan.values[column.name] = value
        elif column.kind in ("continuous", "integer", "datetime"):
            if condition.op == "=" and column.kind == "continuous":
                raise ConditionError(
                    f"condition {condition}: an exact value of continuous column {column.name!r} is (almost) never "
                    "generated; give a range such as "
                    f"'{column.name}>=a' and '{column.name}<=b'"
                )
            number = _number(condition, schema)
            rng = plan.ranges.setdefault(column.name, Range(text=""))
            if condition.op in ("=", ">=", ">"):
                if number > rng.low or (number == rng.low and condition.op == ">"):
                    rng.low, rng.low_inclusive = number, condition.op != ">"
            if condition.op in ("=", "<=", "<"):
                if number < rng.high or (number == rng.high and condition.op == "<"):
                    rng.high, rng.high_inclusive = number, condition.op != "<"
            rng.text = " and ".join(filter(None, [rng.text, str(condition)]))
            low, high = _bounds(codec_for(encoder, column.name)) if modelled else (None, None)
            if rng.is_empty():
                raise ConditionError(f"conditions {rng.text}: no value can meet them (the range is empty)")
            if low is not None and (rng.low > high or rng.high < low):
                raise ConditionError(f"condition {rng.text}: outside the column's range in the training data")
        else:
            raise ConditionError(f"condition {condition}: id column {column.name!r} is generated, not conditioned")
    return plan


def codec_for(encoder: TableEncoder, name: str) -> Any:
    for codec in encoder.codecs:
        if codec.column.name == name:
            return codec
    raise ConditionError(f"there is no column {name!r}")


def _bounds(codec: Any) -> tuple[float | None, float | None]:
    return getattr(codec, "low_", None), getattr(codec, "high_", None)


def _option_of(codec: CategoricalCodec, condition: Condition) -> tuple[int, Any]:
    """The one-hot option that stands for the condition's value, and the value as stored."""
    labels = codec.categories_ + codec.tail_
    keys = list(label_keys(labels, codec.numeric_))
    wanted = condition.value
    if isinstance(wanted, str) and codec.column.kind == "boolean":
        lowered = wanted.strip().lower()
        truthy = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if all(isinstance(v, (bool, np.bool_)) for v in labels) and lowered in truthy:
            wanted = truthy[lowered]
    key = label_keys([wanted], codec.numeric_)[0]
    if key not in keys:
        raise ConditionError(
            f"condition {condition}: {preview(condition.value)} is not a value of column {codec.column.name!r} "
            "seen in training" + (" (or it is a rare label, which the model never emits)" if codec.has_rare else "")
        )
    position = keys.index(key)
    if position < len(codec.categories_):
        if codec.frequencies_[position] == 0:
            raise ConditionError(
                f"condition {condition}: {preview(condition.value)} is declared but never occurs in the training data"
            )
        return position, labels[position]
    return len(codec.categories_), labels[position]  # a folded tail label: the 'other' option
