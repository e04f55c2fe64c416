"""Finding columns that are a function of a categorical column (schema inference).

When every label of a categorical column ``a`` comes with one value of another column ``b``
(Adult: each ``education`` with one ``education_num``), ``b`` can be looked up from ``a``
instead of being generated: the ``determined`` constraint of :mod:`tabgan.constraints`.
A network left to learn such a lookup table gets it wrong in some rows (on Adult, 15.8% of
generated rows paired an education with another level's number), and a detector spots it.

A dependency is only taken when the data support it, so a coincidence of small groups is not
mistaken for a rule: ``b`` has at least two values with ``MIN_GROUP_ROWS`` rows each, and the
rule could not plausibly hold by chance. Only labels of ``a`` with ``MIN_LABEL_ROWS`` rows
count (fewer is below the default rare-label threshold: such labels are never generated, so
their lookups are never used). Each of their rows after the first of its label is a repeat
that had to agree with the label's first ``b``; were ``b`` independent of ``a``, each would
agree with chance at most the share ``p`` of ``b``'s most common value, so all ``r`` repeats
agree with chance at most ``p ** r``, which must be below ``MAX_COINCIDENCE``. This takes
many-labelled determinants, such as a film's id determining its title, year and genres
(MovieLens: 3,496 films of 5 ratings or more, 86,500 repeats), while a column of one-off or
paired labels determines nothing. When two columns determine each other (one-to-one), the
earlier one is kept as the determinant. A column is derived at most once and a derived column determines nothing.
Everything runs on integer codes (no Python loop over rows); each pair is tried on the first
``PROBE_ROWS`` rows before the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

MIN_GROUP_ROWS = 20
MIN_LABEL_ROWS = 5
MAX_COINCIDENCE = 1e-9
MAX_DETERMINANT_LABELS = 100_000
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


def _supported(a: np.ndarray, b: np.ndarray, b_count: int) -> bool:
    """Whether ``b`` varies (two values of ``MIN_GROUP_ROWS`` rows) and the rule that ``a``
    determines ``b`` would hold by chance with probability below ``MAX_COINCIDENCE``."""
    b_sizes = np.bincount(b, minlength=b_count)
    if (b_sizes >= MIN_GROUP_ROWS).sum() < 2:
        return False
    a_sizes = np.bincount(a)
    counted = a_sizes[a_sizes >= MIN_LABEL_ROWS]
    repeats = int(counted.sum() - len(counted))
    common_share = b_sizes.max() / len(b)
    return bool(repeats * np.log(common_share) < np.log(MAX_COINCIDENCE))


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
            if _determines(a_codes, b_codes, b_count) and _supported(a_codes, b_codes, b_count):
                candidates.append((a_count, order[a], a))
        if candidates:
            a = min(candidates)[2]  # the determinant with the fewest labels
            found.append({"type": "determined", "column": b, "by": a})
            derived.add(b)
            used_as_determinant.add(a)
    return found
