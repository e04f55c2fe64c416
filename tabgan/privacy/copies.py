"""No copied records: a keyed fingerprint per training row, checked against every generated row.

A generated row is a copy when it equals a training row on every non-id column, in the
canonical form of :mod:`tabgan.evaluation.metadata` (``13`` and ``13.0`` alike, nulls equal
nulls) -- the same test as the report's exact-copy rate, so a filtered sample scores 0 there.

Each row is reduced to a 64-bit hash (``pandas.util.hash_pandas_object``, vectorised) keyed
with a 16-character salt drawn at fit. The model keeps the sorted fingerprints of the distinct
training rows (8 bytes a row: 8 MB for a million rows) and looks generated rows up with a
binary search. Two different rows share a fingerprint with probability about n / 2**64, so a
false alarm (a new row dropped) is negligible and a true copy is never missed.

The fingerprints are derived from the training rows: they stay in the model directory, which
should be treated as confidential (see docs/PRIVACY.md); the synthetic tables carry none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tabgan.errors import ModelFileError
from tabgan.evaluation.metadata import canonical_row_hashes, model_columns
from tabgan.schema import TableSchema

FINGERPRINT_FILE = "fingerprints.npy"


def salt_from_seed(seed: int) -> str:
    """The 16-character hash key for a model with seed ``seed`` (reproducible fits)."""
    return f"{np.random.default_rng([seed, 97]).integers(0, 2**62):016x}"[-16:]


def fingerprints(frame: pd.DataFrame, schema: TableSchema, salt: str) -> np.ndarray:
    """One keyed 64-bit hash per row of ``frame`` over its non-id columns (canonical form)."""
    columns = model_columns(schema)
    if not columns:
        return np.zeros(len(frame), dtype=np.uint64)
    compared = TableSchema(columns=[c for c in schema.columns if c.name in columns])
    return canonical_row_hashes(frame, compared, hash_key=salt)


class CopyFilter:
    """Tells which rows of a frame equal some training row (on every non-id column)."""

    def __init__(self, schema: TableSchema, salt: str, known: np.ndarray) -> None:
        self.schema = schema
        self.salt = salt
        self.known = np.unique(np.asarray(known, dtype=np.uint64))  # sorted, distinct

    @classmethod
    def fit(cls, training: pd.DataFrame, schema: TableSchema, salt: str) -> CopyFilter:
        return cls(schema, salt, fingerprints(training, schema, salt))

    @property
    def active(self) -> bool:
        """False for a table with no non-id columns (nothing can be copied)."""
        return bool(model_columns(self.schema))

    def matches(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask: True where the row copies a training row."""
        if not self.active or len(frame) == 0 or len(self.known) == 0:
            return np.zeros(len(frame), dtype=bool)
        hashes = fingerprints(frame, self.schema, self.salt)
        where = np.searchsorted(self.known, hashes)
        where[where == len(self.known)] = 0
        return self.known[where] == hashes

    def save(self, directory: Path) -> None:
        np.save(directory / FINGERPRINT_FILE, self.known, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, schema: TableSchema, salt: str) -> CopyFilter:
        """Read saved fingerprints; never unpickles (``allow_pickle=False``)."""
        try:
            known = np.load(directory / FINGERPRINT_FILE, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"{FINGERPRINT_FILE} is not a valid fingerprint file ({exc})") from None
        if known.dtype != np.uint64 or known.ndim != 1:
            raise ModelFileError(f"{FINGERPRINT_FILE} does not hold a list of 64-bit fingerprints")
        return cls(schema, salt, known)
