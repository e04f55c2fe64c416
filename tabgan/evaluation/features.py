"""Numeric features for the gradient-boosting models (detection and utility).

Tables in canonical form (see :mod:`tabgan.evaluation.metadata`) become float matrices:

- numbers stay as they are; datetimes become seconds since 1970; nulls stay ``NaN``
  (histogram gradient boosting learns where missing values go);
- categorical labels become integer codes for the model's native categorical splits. The
  ``MAX_CODES`` most frequent labels (in the frames the encoder is fitted on) get their own code,
  all other labels share one code; nulls stay ``NaN``;
- id columns are left out: they are unique by construction and say nothing about a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tabgan.schema import DISCRETE_KINDS, TableSchema

OPENMP_THREADS = 1


def openmp_threads() -> Any:
    """Context in which OpenMP code (gradient boosting, neighbour search) uses ``OPENMP_THREADS``.

    On a machine whose cores are busy with other work, OpenMP's spinning threads slowed the
    gradient-boosting fits down 15 to 180 times (measured on 2 shared cores); with one thread a
    fit on 20,000 rows takes about a second, whatever else runs.
    """
    return threadpool_limits(limits=OPENMP_THREADS, user_api="openmp")


def as_float(values: pd.Series) -> np.ndarray:
    """A column as floats: datetimes as nanoseconds since 1970, nulls as NaN."""
    if pd.api.types.is_datetime64_any_dtype(values):
        numbers = values.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
        numbers[values.isna().to_numpy()] = np.nan
        return numbers
    return values.to_numpy(dtype=float)


# HistGradientBoosting allows at most max_bins (255) categories per feature; one code is "other".
MAX_CODES = 254


@dataclass
class FeatureEncoder:
    """Turns canonical frames into the float matrix a gradient-boosting model is fitted on."""

    columns: list[str]
    categorical: list[bool]
    vocabularies: dict[str, pd.Index]

    @classmethod
    def fit(cls, schema: TableSchema, frames: list[pd.DataFrame], exclude: tuple[str, ...] = ()) -> FeatureEncoder:
        """Learn the label codes from ``frames`` (all columns but ids and ``exclude``)."""
        columns, categorical, vocabularies = [], [], {}
        for col in schema.columns:
            if col.kind == "id" or col.name in exclude:
                continue
            columns.append(col.name)
            is_cat = col.kind in DISCRETE_KINDS
            categorical.append(is_cat)
            if is_cat:
                counts = pd.concat([f[col.name] for f in frames], ignore_index=True).value_counts()
                # most frequent first; ties broken by label so the codes do not depend on row order
                order = sorted(zip(-counts.to_numpy(), counts.index.astype(str)))
                vocabularies[col.name] = pd.Index([label for _, label in order[:MAX_CODES]])
        return cls(columns, categorical, vocabularies)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The feature matrix of ``frame`` (rows in order)."""
        out = np.empty((len(frame), len(self.columns)), dtype=float)
        for j, name in enumerate(self.columns):
            values = frame[name]
            if self.categorical[j]:
                vocab = self.vocabularies[name]
                codes = vocab.get_indexer(values.astype(object)).astype(float)
                codes[codes < 0] = len(vocab)
                codes[values.isna().to_numpy()] = np.nan
                out[:, j] = codes
            elif pd.api.types.is_datetime64_any_dtype(values):
                seconds = values.to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
                seconds[values.isna().to_numpy()] = np.nan
                out[:, j] = seconds
            else:
                out[:, j] = values.to_numpy(dtype=float)
        return out

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array(self.categorical, dtype=bool)
