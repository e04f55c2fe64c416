"""Privacy: how close synthetic rows come to the real rows the generator was trained on.

**Exact copies.** A synthetic row is an exact copy when it equals some training row on every
non-id column (after the canonical form of :mod:`tabgan.evaluation.metadata`; nulls equal
nulls). Rows are compared by a 64-bit hash of their values (``pd.util.hash_pandas_object``).
With a holdout, the same rate for holdout rows (real rows the generator never saw) is the
baseline: real data has duplicates of its own.

**Distance space.** Distances are Euclidean in a space where every column counts about as much:

- a number or datetime is replaced by its quantile among the training rows (0 to 1), so a
  difference of 0.1 means ten percentiles apart; a null becomes 0.5 plus a 0/1 "is null"
  coordinate, so null against a value costs at least 1;
- a categorical column is one-hot encoded and scaled by 1/sqrt(2), so two different labels add
  exactly 1 to the squared distance. The ``MAX_ONE_HOT`` most frequent training labels get their
  own coordinate; rarer labels (and labels never seen in training) share one, and null is a label.

So the squared distance between two rows is about (number of differing labels) + (sum of
squared quantile differences). Ids are left out.

**DCR** (distance to closest record): for each synthetic row, the distance to its nearest
training row. **DCR share**: the fraction of synthetic rows closer to the training rows than to
an equally large set of holdout rows (ties count half); 0.5 means the synthetic rows are no
closer to the training data than unseen real data is, values near 1 mean memorisation.
**NNDR** (nearest-neighbour distance ratio): nearest over second-nearest training distance
(0/0 counts as 1); values near 0 mean a synthetic row sits right on one particular training row.

**Samples.** Distances are measured from the (subsampled) synthetic rows to a sample of the
training rows: with a holdout, as many training rows as holdout rows (both at most the cap of
:mod:`tabgan.evaluation.core`). A synthetic row that copies a training row left out of that sample
is then only as close as it is to unseen rows, so on big tables DCR and DCR share understate
memorisation (a full copy of a 32,000-row table scored on 6,000-row samples gives a DCR share of
about 0.69, not 1). Exact copies are counted on all rows and are not affected.

**Membership inference** (with a holdout): the ROC AUC of attacks that tell training rows from
unseen real rows using the synthetic table, next to the same attacks against held-out real rows;
see :mod:`tabgan.evaluation.attacks`. ``membership_inference`` is None without a holdout or with
too few holdout rows, and ``membership_inference_skipped`` then says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import QuantileTransformer

from tabgan.evaluation.features import openmp_threads
from tabgan.evaluation.metadata import model_columns, row_hashes
from tabgan.schema import DISCRETE_KINDS, TableSchema

MAX_ONE_HOT = 100
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
ZERO = 1e-6  # distances below this count as 0 (floating-point noise of the matrix products)


def exact_copy_rate(train: pd.DataFrame, other: pd.DataFrame, schema: TableSchema) -> float:
    """Fraction of rows of ``other`` equal to some row of ``train`` on every non-id column."""
    columns = model_columns(schema)
    if not columns:
        return 0.0
    return float(np.isin(row_hashes(other, columns), row_hashes(train, columns)).mean())


@dataclass
class DistanceSpace:
    """The scaled space of the module docstring, fitted on the training rows."""

    numeric: list[str]
    quantiles: QuantileTransformer | None
    categorical: list[str]
    vocabularies: list[pd.Index]

    @classmethod
    def fit(cls, train: pd.DataFrame, schema: TableSchema, seed: int) -> DistanceSpace:
        numeric = [c.name for c in schema.columns if c.kind not in DISCRETE_KINDS and c.kind != "id"]
        categorical = [c.name for c in schema.columns if c.kind in DISCRETE_KINDS]
        transformer = None
        if numeric:
            transformer = QuantileTransformer(
                n_quantiles=min(1000, len(train)), subsample=None, random_state=seed
            )
            transformer.fit(_numbers(train, numeric))
        vocabularies = []
        for name in categorical:
            counts = train[name].fillna("\0null").value_counts()
            vocabularies.append(pd.Index(counts.index[:MAX_ONE_HOT]))
        return cls(numeric, transformer, categorical, vocabularies)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        parts = []
        if self.numeric and self.quantiles is not None:
            raw = _numbers(frame, self.numeric)
            missing = np.isnan(raw)
            with np.errstate(invalid="ignore"):
                scaled = self.quantiles.transform(raw)
            scaled[missing] = 0.5
            parts.append(scaled)
            parts.append(missing.astype(float))
        for name, vocab in zip(self.categorical, self.vocabularies):
            codes = vocab.get_indexer(frame[name].fillna("\0null").astype(object))
            codes[codes < 0] = len(vocab)
            onehot = np.zeros((len(frame), len(vocab) + 1))
            onehot[np.arange(len(frame)), codes] = 1 / np.sqrt(2)
            parts.append(onehot)
        if not parts:
            return np.zeros((len(frame), 1))
        return np.hstack(parts)


def _numbers(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    columns = []
    for name in names:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            numbers = values.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
            numbers[values.isna().to_numpy()] = np.nan
        else:
            numbers = values.to_numpy(dtype=float)
        columns.append(numbers)
    return np.column_stack(columns)


def _summary(values: np.ndarray) -> dict[str, Any]:
    if values.size == 0:
        return {}
    out: dict[str, Any] = {f"p{int(round(q * 100)):02d}": float(np.quantile(values, q)) for q in QUANTILES}
    out["mean"] = float(values.mean())
    out["zero_rate"] = float((values <= ZERO).mean())
    return out


def _nearest(train: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(train))
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean")
    with openmp_threads():
        nn.fit(train)
        distances, _ = nn.kneighbors(query)
    distances[distances <= ZERO] = 0.0
    return distances


def _nndr(distances: np.ndarray) -> np.ndarray:
    if distances.shape[1] < 2:
        return np.ones(len(distances))
    d1, d2 = distances[:, 0], distances[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(d2 > 0, d1 / np.where(d2 > 0, d2, 1.0), 1.0)
    return ratio


def privacy(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: TableSchema,
    seed: int,
    holdout: pd.DataFrame | None = None,
    full_train: pd.DataFrame | None = None,
    full_synthetic: pd.DataFrame | None = None,
    full_holdout: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Exact copies, DCR, DCR share, NNDR and membership-inference attacks.

    ``train``, ``synthetic`` and ``holdout`` are the (subsampled) tables for the distances; the
    ``full_*`` tables, when given, are used for the exact-copy rates, which are cheap.
    """
    full_train = train if full_train is None else full_train
    full_synthetic = synthetic if full_synthetic is None else full_synthetic
    result: dict[str, Any] = {
        "exact_copy_rate": exact_copy_rate(full_train, full_synthetic, schema),
        "exact_copy_rate_holdout": None,
        "distance_space": "quantile-scaled numbers, one-hot labels (a different label adds 1 to the squared distance)",
    }
    if holdout is not None:
        full_holdout = holdout if full_holdout is None else full_holdout
        result["exact_copy_rate_holdout"] = exact_copy_rate(full_train, full_holdout, schema)

    rng = np.random.default_rng(seed)
    attack_holdout = holdout
    train_rows = train
    if holdout is not None:
        # DCR share compares against equally many training and holdout rows
        n = min(len(train), len(holdout))
        train_rows = train.iloc[np.sort(rng.choice(len(train), n, replace=False))] if len(train) > n else train
        holdout = holdout.iloc[np.sort(rng.choice(len(holdout), n, replace=False))] if len(holdout) > n else holdout
    space = DistanceSpace.fit(train_rows, schema, seed)
    x_train = space.transform(train_rows)
    x_synth = space.transform(synthetic)
    to_train = _nearest(x_train, x_synth, 2)
    dcr = to_train[:, 0]
    nndr = _nndr(to_train)
    result["dcr"] = {"synthetic": _summary(dcr), "holdout": None}
    result["nndr"] = {"synthetic": _summary(nndr), "holdout": None}
    result["dcr_share"] = None
    result["rows"] = {"train": int(len(train_rows)), "synthetic": int(len(synthetic)), "holdout": None}
    distances: dict[str, np.ndarray] = {"synthetic": dcr}
    if holdout is not None:
        x_holdout = space.transform(holdout)
        to_holdout = _nearest(x_holdout, x_synth, 1)[:, 0]
        closer = (dcr < to_holdout).mean() + 0.5 * (dcr == to_holdout).mean()
        result["dcr_share"] = float(closer)
        holdout_to_train = _nearest(x_train, x_holdout, 2)
        result["dcr"]["holdout"] = _summary(holdout_to_train[:, 0])
        result["nndr"]["holdout"] = _summary(_nndr(holdout_to_train))
        result["rows"]["holdout"] = int(len(holdout))
        distances["holdout"] = holdout_to_train[:, 0]
    # attacks builds on this module's distance space, hence the import here (no import cycle)
    from tabgan.evaluation.attacks import membership_inference

    attacks, skipped = membership_inference(space, train, synthetic, attack_holdout, seed)
    result["membership_inference"] = attacks
    result["membership_inference_skipped"] = skipped
    result["_distances"] = distances
    return result
