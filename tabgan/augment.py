"""Augmenting a training set with synthetic rows of its rare classes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tabgan.errors import TabganError
from tabgan.synthesizer import TabGAN


def rows_to_add(labels: pd.Series, balance: bool, add: int | None, label: Any = None) -> dict[Any, int]:
    """How many synthetic rows each class gets.

    ``balance``: every class is raised to the size of the largest. ``add``: ``add`` rows of
    ``label`` (default: the rarest class).
    """
    counts = labels.value_counts(dropna=True)
    if counts.empty:
        raise TabganError("the target column has no values")
    if balance == (add is not None):
        raise TabganError("give exactly one of balance and add")
    if balance:
        top = int(counts.max())
        return {cls: top - int(n) for cls, n in counts.items() if top > int(n)}
    if add is None or add < 1:
        raise TabganError("the number of rows to add must be a positive integer")
    chosen = counts.idxmin() if label is None else label
    if chosen not in counts.index:
        raise TabganError(f"class {chosen!r} does not occur in the target column")
    return {chosen: int(add)}


def augment(
    real: pd.DataFrame,
    model: TabGAN,
    target: str,
    balance: bool = False,
    add: int | None = None,
    label: Any = None,
    seed: int | None = None,
    mark: str | None = None,
) -> pd.DataFrame:
    """The real rows followed by synthetic rows of the classes that ``rows_to_add`` picks.

    Each class's rows are generated with the condition ``target = class`` (through the
    condition vector), so every added row has the asked class. ``mark`` names an optional
    boolean column telling synthetic rows (True) from real ones.
    """
    if target not in real.columns:
        raise TabganError(f"target column {target!r} is not in the data")
    column = model.schema_.column(target)
    if column.kind not in ("categorical", "boolean"):
        raise TabganError(f"target column {target!r} is {column.kind}; augmentation needs a categorical target")
    plan = rows_to_add(real[target], balance, add, label)
    parts = [real.reset_index(drop=True)]
    for i, (cls, n) in enumerate(plan.items()):
        if n == 0:
            continue
        class_seed = None if seed is None else seed + i
        parts.append(model.sample(n, seed=class_seed, conditions={target: cls}))
    if mark:
        parts = [p.assign(**{mark: i > 0}) for i, p in enumerate(parts)]
    out = pd.concat(parts, ignore_index=True)
    for name in real.columns:  # concat may widen a dtype (e.g. int64 with Int64)
        if out[name].dtype != real[name].dtype and not out[name].isna().any():
            out[name] = out[name].astype(real[name].dtype)
    return out
