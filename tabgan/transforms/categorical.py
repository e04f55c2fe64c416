"""One-hot codec for categorical and boolean columns.

Categories are the schema's list when it has one (in that order), otherwise the labels seen
in the data. A column with more than ``max_categories`` labels keeps the most frequent
``max_categories - 1`` as their own options and folds the rest into one ``other`` option; a
generated ``other`` is decoded to one of the folded labels drawn by their frequency in the
training data, so the network stays small while the tail's distribution is kept. Nulls are
one more option when the column is nullable.

**Rare labels** (privacy). A label seen at least once but fewer than ``rare_threshold`` times,
plus a margin drawn per column from 0..``rare_margin`` (so a reader cannot tell the exact
cut), is never emitted: all such labels share one ``rare`` option, which decodes to
:data:`RARE_LABEL` for text labels, or for numeric labels (a text marker would break their
type) to a common label drawn by frequency, or when every label is rare to a random number
between the smallest and the largest rare label. The rare labels themselves are not kept in
the codec's saved state, only their total count. Boolean columns are not affected.
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


RARE_LABEL = "_RARE_"


class CategoricalCodec(Codec):
    """Categorical and boolean columns."""

    codec_name = "categorical"

    def __init__(self, column: Column, max_categories: int = 100, rare_threshold: int = 0, rare_margin: int = 0) -> None:
        super().__init__(column)
        self.max_categories = max_categories
        self.rare_threshold = rare_threshold if column.kind == "categorical" else 0
        self.rare_margin = rare_margin
        self.rare_count_ = 0  # training rows whose label is protected as rare
        self.rare_labels_: list[Any] = []  # only while fitting and encoding the training data; never saved
        self.rare_range_: list[float] = [0.0, 0.0]  # numeric labels: smallest and largest rare label
        self.categories_: list[Any] = []  # labels with their own option, in option order
        self.frequencies_: list[int] = []  # training counts of those labels
        self.tail_: list[Any] = []  # labels folded into "other"
        self.tail_frequencies_: list[int] = []
        self.numeric_ = False

    @property
    def has_other(self) -> bool:
        return bool(self.tail_)

    @property
    def has_rare(self) -> bool:
        return self.rare_count_ > 0

    @property
    def rare_code(self) -> int:
        return len(self.categories_) + int(self.has_other)

    @property
    def n_options(self) -> int:
        return len(self.categories_) + int(self.has_other) + int(self.has_rare) + int(self.column.nullable)

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
        if self.has_rare:
            labels.append("<rare>")
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
        labels, freqs = self._set_rare_apart(labels, freqs, rng)
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

    def _set_rare_apart(
        self, labels: list[Any], freqs: np.ndarray, rng: np.random.Generator
    ) -> tuple[list[Any], np.ndarray]:
        """Drop labels seen 1..threshold-1 times (threshold = rare_threshold + a random margin)
        from ``labels``; remember them for encoding the training rows and count their rows."""
        self.rare_labels_, self.rare_count_ = [], 0
        if self.rare_threshold <= 0:
            return labels, freqs
        threshold = self.rare_threshold + int(rng.integers(0, self.rare_margin + 1))
        rare = (freqs > 0) & (freqs < threshold)
        self.rare_labels_ = [label for label, r in zip(labels, rare) if r]
        self.rare_count_ = int(freqs[rare].sum())
        if self.numeric_ and self.rare_labels_:
            numbers = np.asarray(label_keys(self.rare_labels_, True), dtype=np.float64)
            self.rare_range_ = [float(numbers.min()), float(numbers.max())]
        return [label for label, r in zip(labels, rare) if not r], freqs[~rare]

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        # work on the distinct labels, then spread their codes to the rows
        position, distinct = pd.factorize(values, use_na_sentinel=True)
        keys = label_keys(pd.Series(np.asarray(distinct, dtype=object)), self.numeric_)
        label_codes = pd.Index(label_keys(self.categories_, self.numeric_)).get_indexer(keys)
        if self.has_other:
            in_tail = pd.Index(label_keys(self.tail_, self.numeric_)).get_indexer(keys) >= 0
            label_codes = np.where(in_tail, len(self.categories_), label_codes)
        if self.rare_labels_:
            in_rare = pd.Index(label_keys(self.rare_labels_, self.numeric_)).get_indexer(keys) >= 0
            label_codes = np.where(in_rare, self.rare_code, label_codes)
        codes = np.append(label_codes, -1)[position]  # position -1 (null) picks the appended -1
        is_null = position < 0
        if self.column.nullable:
            codes = np.where(is_null, self.null_code, codes)
        unknown = (codes < 0) & ~is_null
        if unknown.any():
            from tabgan.errors import SchemaError, preview

            value = values.iloc[int(np.flatnonzero(unknown)[0])]
            raise SchemaError(
                f"column {self.column.name!r}: value {preview(value)} was not seen when fitting, or is protected "
                "as a rare label"
            )
        return np.zeros((len(values), 0), dtype=np.float32), codes.astype(np.int64).reshape(-1, 1)

    def decode(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        codes = codes[:, 0]
        table = np.empty(len(self.categories_) + 3, dtype=object)
        table[: len(self.categories_)] = self.categories_
        table[len(self.categories_) :] = np.nan
        mapped = table[np.minimum(codes, len(self.categories_) + 2)]
        if self.has_rare:
            is_rare = codes == self.rare_code
            if self.numeric_ and not self.categories_:  # no common label: a random number in the rare range
                low, high = self.rare_range_
                numbers = rng.uniform(low, high, size=int(is_rare.sum()))
                mapped[is_rare] = np.round(numbers) if float(low).is_integer() and float(high).is_integer() else numbers
            elif self.numeric_:  # a common label in its place, drawn by frequency
                common = np.asarray(self.frequencies_, dtype=np.float64) + 1e-12
                draws = rng.choice(len(self.categories_), size=int(is_rare.sum()), p=common / common.sum())
                labels = np.empty(len(self.categories_), dtype=object)
                labels[:] = self.categories_
                mapped[is_rare] = labels[draws]
            else:
                mapped[is_rare] = RARE_LABEL
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
            "rare_threshold": self.rare_threshold,
            "rare_margin": self.rare_margin,
            "rare_count": self.rare_count_,
            "rare_range": self.rare_range_,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.max_categories = int(state["max_categories"])
        self.categories_ = list(state["categories"])
        self.frequencies_ = [int(v) for v in state["frequencies"]]
        self.tail_ = list(state["tail"])
        self.tail_frequencies_ = [int(v) for v in state["tail_frequencies"]]
        self.numeric_ = bool(state["numeric"])
        self.rare_threshold = int(state.get("rare_threshold", 0))
        self.rare_margin = int(state.get("rare_margin", 0))
        self.rare_count_ = int(state.get("rare_count", 0))
        self.rare_range_ = [float(v) for v in state.get("rare_range", [0.0, 0.0])]
