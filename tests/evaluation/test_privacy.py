"""Privacy measures on small tables whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan.evaluation.metadata import prepare_frame
from tabgan.evaluation.privacy import DistanceSpace, exact_copy_rate, privacy
from tabgan.schema import Column, TableSchema

SCHEMA = TableSchema([Column("row_id", "id"), Column("x", "continuous"), Column("c", "categorical")])


def _table(x, c, ids=None) -> pd.DataFrame:
    ids = ids if ids is not None else [f"r{i}" for i in range(len(x))]
    return prepare_frame(pd.DataFrame({"row_id": ids, "x": x, "c": c}), SCHEMA, "t", strict=True).frame


def test_exact_copies_ignore_ids_and_match_nulls():
    train = _table([1.0, 2.0, np.nan], ["a", "b", None])
    synth = _table([1.0, 2.0, np.nan, 2.0], ["a", "a", None, "b"], ids=["s1", "s2", "s3", "s4"])
    # rows 1, 3 and 4 equal a training row on every non-id column
    assert exact_copy_rate(train, synth, SCHEMA) == 0.75


def test_distance_space_label_mismatch_costs_one_and_numbers_are_quantiles():
    train = _table(np.arange(101, dtype=float), ["a"] * 50 + ["b"] * 51)
    space = DistanceSpace.fit(train, SCHEMA, seed=0)
    rows = space.transform(_table([0.0, 0.0, 100.0, 50.0], ["a", "b", "a", "a"]))
    assert np.linalg.norm(rows[0] - rows[1]) == pytest.approx(1.0)  # only the label differs
    assert np.linalg.norm(rows[0] - rows[2]) == pytest.approx(1.0)  # minimum to maximum: quantile 0 -> 1
    assert np.linalg.norm(rows[0] - rows[3]) == pytest.approx(0.5)
    nulls = space.transform(_table([np.nan], [None]))
    assert np.linalg.norm(nulls[0] - rows[3]) >= np.sqrt(2)  # a null number and a null label cost 1 each


def test_dcr_share_is_half_for_fresh_rows_and_one_for_copies():
    rng = np.random.default_rng(0)

    def sample(n: int) -> pd.DataFrame:
        return _table(rng.normal(size=n), rng.choice(list("abcd"), n))

    train, holdout, fresh = sample(2000), sample(2000), sample(2000)
    result = privacy(train, fresh, SCHEMA, seed=0, holdout=holdout)
    assert 0.45 <= result["dcr_share"] <= 0.55
    assert result["exact_copy_rate"] == 0.0
    assert result["dcr"]["synthetic"]["p50"] == pytest.approx(result["dcr"]["holdout"]["p50"], rel=0.2)
    assert 0.0 < result["nndr"]["synthetic"]["p50"] < 1.0
    assert set(result["_distances"]) == {"synthetic", "holdout"}

    copied = privacy(train, train.iloc[:500], SCHEMA, seed=0, holdout=holdout)
    assert copied["dcr_share"] == 1.0
    assert copied["exact_copy_rate"] == 1.0
    assert copied["dcr"]["synthetic"]["zero_rate"] == 1.0
    assert copied["nndr"]["synthetic"]["p50"] == 0.0


def test_without_holdout_there_is_no_dcr_share():
    train = _table([1.0, 2.0, 3.0], ["a", "b", "a"])
    result = privacy(train, _table([1.5], ["a"]), SCHEMA, seed=0)
    assert result["dcr_share"] is None and result["dcr"]["holdout"] is None
    # quantiles: x=1 -> 0, 2 -> 0.5, 3 -> 1, so 1.5 -> 0.25. Nearest: (1, a) at 0.25, then (3, a) at
    # 0.75; (2, b) is further (its label differs: sqrt(0.25² + 1))
    assert result["dcr"]["synthetic"]["p50"] == pytest.approx(0.25)
    assert result["nndr"]["synthetic"]["p50"] == pytest.approx(1 / 3)
