"""The reversible codec contract shared by every column kind.

A codec turns one column into *spans* of the network's data vector and back:

- a ``scalar`` span is one number in [-1, 1], produced by ``tanh``;
- a ``onehot`` span is a choice among ``width`` options, produced by (Gumbel-)softmax and
  stored compactly as an integer code.

``encode`` returns the scalars as a float array ``[n, n_scalars]`` and the codes as an int
array ``[n, n_onehots]``; ``decode`` takes the same two arrays back. A codec's whole learned
state is a JSON-able dict (``state()``/``from_state``) so a saved model is data, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tabgan.schema import Column


@dataclass(frozen=True)
class Span:
    """A slice of the network's data vector that belongs to one column."""

    column: str
    kind: str  # "scalar" or "onehot"
    width: int
    role: str  # "value", "mode" or "category": what the span means to its codec


class Codec:
    """Base class: fit on one column, then encode/decode it without Python loops over rows."""

    codec_name: ClassVar[str] = ""

    def __init__(self, column: Column) -> None:
        self.column = column

    # -- contract ----------------------------------------------------------------------------
    def fit(self, values: pd.Series, rng: np.random.Generator) -> Codec:
        raise NotImplementedError

    @property
    def spans(self) -> list[Span]:
        raise NotImplementedError

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def decode(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def load_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------
    @property
    def n_scalars(self) -> int:
        return sum(1 for s in self.spans if s.kind == "scalar")

    @property
    def n_onehots(self) -> int:
        return sum(1 for s in self.spans if s.kind == "onehot")


def restore_dtype(values: pd.Series, dtype: str, nullable: bool) -> pd.Series:
    """Cast decoded values to the column's stored pandas dtype.

    The result's dtype depends only on the schema (``dtype`` and ``nullable``), never on
    whether this particular batch happens to hold a null, so chunks of one sample agree.
    Integer columns that may hold nulls become pandas' nullable ``Int64``.
    """
    if dtype.startswith("int") or dtype.startswith("uint") or dtype == "Int64":
        numbers = pd.to_numeric(values).round()
        return numbers.astype("Int64") if nullable or dtype == "Int64" else numbers.astype("int64")
    if dtype.startswith("float"):
        return pd.to_numeric(values).astype(dtype)
    if dtype in ("bool", "boolean"):
        return values.astype("boolean") if nullable or dtype == "boolean" else values.astype(bool)
    return values.astype(object)
