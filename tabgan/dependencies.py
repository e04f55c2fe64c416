"""Finding columns that are a function of a categorical column (schema inference).

When every label of a categorical column ``a`` comes with one value of another column ``b``
(Adult: each ``education`` with one ``education_num``), ``b`` can be looked up from ``a``
instead of being generated: the ``determined`` constraint of :mod:`tabgan.constraints`.
A network left to learn such a lookup table gets it wrong in some rows (on Adult, 15.8% of
generated rows paired an education with another level's number), and a detector spots it.

A dependency is only taken when the data support it, so a coincidence of small groups is not
mistaken for a rule: ``b`` has at least two values with ``MIN_GROUP_ROWS`` rows each, and
at least ``MIN_COVERED`` of the rows fall in labels of ``a`` with ``MIN_GROUP_ROWS`` rows or
more. When two columns determine each other (one-to-one), the earlier one is kept as the
determinant. A column is derived at most once and a derived column determines nothing.
Everything runs on integer codes (no Python loop over rows); each pair is tried on the first
``PROBE_ROWS`` rows before the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

MIN_GROUP_ROWS = 20
MIN_COVERED = 0.9
MAX_DETERMINANT_LABELS = 1000
PROBE_ROWS = 10_000
DETERMINANT_KINDS = ("categorical", "boolean")
DERIVABLE_KINDS = ("categorical", "boolean", "integer", "continuous")


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes with nulls as a code of their own, and the number of codes."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes).astype(np.int64)
    return codes, len(uniques) + int((codes == len(uniques)).any())


def _determines(a: np.ndarray, b: np.ndarray, b_count: int) -> bool:
    """Whether each code of ``a`` comes with a single code of ``b``."""
    pairs = np.unique(a * b_count + b)
    return len(pairs) == len(np.unique(a))


def _supported(a: np.ndarray, a_count: int, b: np.ndarray, b_count: int) -> bool:
    a_sizes = np.bincount(a, minlength=a_count)
    covered = a_sizes[a_sizes >= MIN_GROUP_ROWS].sum() / len(a)
    b_sizes = np.bincount(b, minlength=b_count)
    return bool(covered >= MIN_COVERED and (b_sizes >= MIN_GROUP_ROWS).sum() >= 2)


def find_dependencies(df: pd.DataFrame, columns: Sequence[Any], skip: set[str] = frozenset()) -> list[dict[str, str]]:
    """``determined`` constraints (as schema dicts) for the columns of ``df`` that are a
    function of a categorical column; ``columns`` are the inferred schema columns; names in
    ``skip`` (in other constraints) are left alone."""
    kinds = {c.name: c.kind for c in columns if c.name not in skip}
    order = {name: i for i, name in enumerate(kinds)}
    codes: dict[str, tuple[np.ndarray, int]] = {}
    for name, kind in kinds.items():
        if kind in DERIVABLE_KINDS:
            values = df[name]
            if values.nunique(dropna=False) <= MAX_DETERMINANT_LABELS:
                codes[name] = _codes(values)
    determinants = [n for n in codes if kinds[n] in DETERMINANT_KINDS and codes[n][1] >= 2]
    found: list[dict[str, str]] = []
    derived: set[str] = set()
    used_as_determinant: set[str] = set()
    for b in codes:
        b_codes, b_count = codes[b]
        if b_count < 2 or b in used_as_determinant:
            continue
        candidates = []
        for a in determinants:
            a_codes, a_count = codes[a]
            if a == b or a in derived or a_count < b_count:
                continue
            if a_count == b_count and order[a] > order[b]:
                continue  # one-to-one: the earlier column stays the determinant
            head = slice(0, PROBE_ROWS)
            if not _determines(a_codes[head], b_codes[head], b_count):
                continue
            if _determines(a_codes, b_codes, b_count) and _supported(a_codes, a_count, b_codes, b_count):
                candidates.append((a_count, order[a], a))
        if candidates:
            a = min(candidates)[2]  # the determinant with the fewest labels
            found.append({"type": "determined", "column": b, "by": a})
            derived.add(b)
            used_as_determinant.add(a)
    return found
