"""Id columns: never learned, generated fresh and unique at sampling time.

Integer ids are distinct random integers drawn from the real ids' range when it is large
enough (sorted, so they look like a key), else a run of integers after the real maximum.
Text ids keep the real ids' common prefix followed by distinct random digits. Nulls, when
the column has any, appear at the real null rate.

A long run of rows may draw its ids in pieces (the chunks of one part of a partitioned
dataset, parts written by different processes): the piece of rows [start, start + count) of
a run of ``total`` rows draws from its own share of the id space,
[start * space // total, (start + count) * space // total). Shares of different pieces never
overlap and each holds at least ``count`` ids, so ids are distinct across pieces without any
piece knowing the others' ids, and they rise from piece to piece. One piece of all ``total``
rows is the whole space: plain ``generate(n, rng)`` draws exactly what it always drew.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from tabgan.transforms.base import Codec, Span, restore_dtype


class IdCodec(Codec):
    codec_name = "id"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.numeric_ = True
        self.low_ = 0
        self.high_ = 0
        self.prefix_ = ""
        self.digits_ = 8
        self.null_rate_ = 0.0

    @property
    def spans(self) -> list[Span]:
        return []

    def fit(self, values: pd.Series, rng: np.random.Generator) -> IdCodec:
        present = values.dropna()
        self.null_rate_ = float(values.isna().mean())
        self.numeric_ = bool(pd.api.types.is_numeric_dtype(values))
        if self.numeric_:
            self.low_ = int(present.min()) if len(present) else 0
            self.high_ = int(present.max()) if len(present) else 0
        else:
            text = present.astype(str).iloc[:1000].tolist()
            self.prefix_ = os.path.commonprefix(text) if text else ""
            self.digits_ = max(6, int(np.ceil(np.log10(max(len(present), 1) * 100))))
        return self

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = len(values)
        return np.zeros((n, 0), dtype=np.float32), np.zeros((n, 0), dtype=np.int64)

    def generate(self, n: int, rng: np.random.Generator, start: int = 0, total: int | None = None) -> pd.Series:
        """``n`` distinct fresh ids (with nulls at the training null rate).

        With ``total``: the ids of rows [start, start + n) of a run of ``total`` rows whose
        ids are drawn in pieces; pieces of one run never share an id (see the module doc).
        """
        start, total = int(start), n if total is None else int(total)
        if start < 0 or start + n > total:
            raise ValueError(f"rows [{start}, {start + n}) do not lie within a run of {total} rows")
        if self.numeric_:
            span = self.high_ - self.low_ + 1
            if span >= total:
                ids = np.sort(_draw_share(span, start, n, total, rng)) + self.low_
            else:
                ids = np.arange(self.high_ + 1 + start, self.high_ + 1 + start + n)
            values = pd.Series(ids.astype(np.float64))
        else:
            space = 10**self.digits_
            numbers = _draw_share(space, start, n, total, rng) if total <= space else np.arange(start, start + n)
            width = max(self.digits_, len(str(total)))
            # numpy's string kernels, not pandas' .str: 10M ids in 100k-row chunks peaked
            # 19 MB above the start this way, 328 MB through .str.zfill (benchmarks/text_ids.py)
            text = np.char.add(self.prefix_, np.char.zfill(numbers.astype(str), width))
            values = pd.Series(text.astype(object))
        if self.null_rate_ > 0:
            values = values.where(rng.random(n) >= self.null_rate_, np.nan)
        return restore_dtype(values, self.column.dtype, self.column.nullable)

    def decode(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        return self.generate(len(scalars), rng)

    def state(self) -> dict[str, Any]:
        return {
            "numeric": self.numeric_,
            "low": self.low_,
            "high": self.high_,
            "prefix": self.prefix_,
            "digits": self.digits_,
            "null_rate": self.null_rate_,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.numeric_ = bool(state["numeric"])
        self.low_ = int(state["low"])
        self.high_ = int(state["high"])
        self.prefix_ = str(state["prefix"])
        self.digits_ = int(state["digits"])
        self.null_rate_ = float(state["null_rate"])


def _draw_share(space: int, start: int, count: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct numbers from the share of [0, space) that belongs to rows
    [start, start + count) of ``total`` rows (``space >= total``), in random order.
    Python integers keep ``start * space`` exact for any id range."""
    low = start * space // total
    high = (start + count) * space // total
    return rng.choice(high - low, size=count, replace=False) + low
