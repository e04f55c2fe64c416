"""One-hot codec for categorical and boolean columns.

Categories are the schema's list when it has one (in that order), otherwise the labels seen
in the data. A column with more than ``max_categories`` labels keeps the most frequent
``max_categories - 1`` as their own options and folds the rest into one ``other`` option; a
generated ``other`` is decoded to one of the folded labels drawn by their frequency in the
training data, so the network stays small while the tail's distribution is kept. Nulls are
one more option when the column is nullable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tabgan.schema import Column
from tabgan.transforms.base import Codec, Span, restore_dtype


def label_keys(values: pd.Series | list[Any], numeric: bool) -> pd.Index:
    """Labels in a comparable form: floats for numeric categories, strings otherwise."""
    series = pd.Series(values, dtype=object)
    if numeric:
        return pd.Index(pd.to_numeric(series, errors="coerce").astype(float))
    return pd.Index(series.astype(str))


class CategoricalCodec(Codec):
    """Categorical and boolean columns."""

    codec_name = "categorical"

    def __init__(self, column: Column, max_categories: int = 100) -> None:
        super().__init__(column)
        self.max_categories = max_categories
        self.categories_: list[Any] = []  # labels with their own option, in option order
        self.frequencies_: list[int] = []  # training counts of those labels
        self.tail_: list[Any] = []  # labels folded into "other"
        self.tail_frequencies_: list[int] = []
        self.numeric_ = False

    @property
    def has_other(self) -> bool:
        return bool(self.tail_)

    @property
    def n_options(self) -> int:
        return len(self.categories_) + int(self.has_other) + int(self.column.nullable)

    @property
    def null_code(self) -> int | None:
        return self.n_options - 1 if self.column.nullable else None

    @property
    def spans(self) -> list[Span]:
        return [Span(self.column.name, "onehot", self.n_options, "category")]

    def option_labels(self) -> list[Any]:
        """What each option stands for: a label, ``"<other>"`` or ``None`` (null)."""
        labels: list[Any] = list(self.categories_)
        if self.has_other:
            labels.append("<other>")
        if self.column.nullable:
            labels.append(None)
        return labels

    def fit(self, values: pd.Series, rng: np.random.Generator) -> CategoricalCodec:
        present = values.dropna()
        counts = present.value_counts(sort=True)
        if self.column.categories is not None:
            labels = list(self.column.categories)
        else:
            labels = [v.item() if isinstance(v, np.generic) else v for v in counts.index]
        self.numeric_ = bool(labels) and all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in labels
        )
        keys = label_keys(labels, self.numeric_)
        count_keys = label_keys(list(counts.index), self.numeric_)
        by_key = dict(zip(count_keys, counts.to_numpy().tolist()))
        freqs = np.array([by_key.get(k, 0) for k in keys], dtype=np.int64)
        if len(labels) > self.max_categories:
            order = np.argsort(-freqs, kind="stable")
            head, tail = order[: self.max_categories - 1], order[self.max_categories - 1 :]
            head = np.sort(head)
            self.categories_ = [labels[i] for i in head]
            self.frequencies_ = freqs[head].tolist()
            self.tail_ = [labels[i] for i in tail]
            self.tail_frequencies_ = freqs[tail].tolist()
        else:
            self.categories_, self.frequencies_ = labels, freqs.tolist()
            self.tail_, self.tail_frequencies_ = [], []
        return self

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        keys = label_keys(values, self.numeric_)
        codes = pd.Index(label_keys(self.categories_, self.numeric_)).get_indexer(keys)
        if self.has_other:
            in_tail = pd.Index(label_keys(self.tail_, self.numeric_)).get_indexer(keys) >= 0
            codes = np.where(in_tail, len(self.categories_), codes)
        is_null = values.isna().to_numpy()
        if self.column.nullable:
            codes = np.where(is_null, self.null_code, codes)
        unknown = (codes < 0) & ~is_null
        if unknown.any():
            from tabgan.errors import SchemaError, preview

            value = values.iloc[int(np.flatnonzero(unknown)[0])]
            raise SchemaError(f"column {self.column.name!r}: value {preview(value)} was not seen when fitting")
        return np.zeros((len(values), 0), dtype=np.float32), codes.astype(np.int64).reshape(-1, 1)

    def decode(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        codes = codes[:, 0]
        table = np.empty(len(self.categories_) + 2, dtype=object)
        table[: len(self.categories_)] = self.categories_
        table[len(self.categories_) :] = np.nan
        mapped = table[np.minimum(codes, len(self.categories_) + 1)]
        if self.has_other:
            is_other = codes == len(self.categories_)
            tail_p = np.asarray(self.tail_frequencies_, dtype=np.float64) + 1e-12
            draws = rng.choice(len(self.tail_), size=int(is_other.sum()), p=tail_p / tail_p.sum())
            tail = np.empty(len(self.tail_), dtype=object)
            tail[:] = self.tail_
            mapped[is_other] = tail[draws]
        return restore_dtype(pd.Series(mapped, dtype=object), self.column.dtype, self.column.nullable)

    def state(self) -> dict[str, Any]:
        return {
            "max_categories": self.max_categories,
            "categories": self.categories_,
            "frequencies": self.frequencies_,
            "tail": self.tail_,
            "tail_frequencies": self.tail_frequencies_,
            "numeric": self.numeric_,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.max_categories = int(state["max_categories"])
        self.categories_ = list(state["categories"])
        self.frequencies_ = [int(v) for v in state["frequencies"]]
        self.tail_ = list(state["tail"])
        self.tail_frequencies_ = [int(v) for v in state["tail_frequencies"]]
        self.numeric_ = bool(state["numeric"])
