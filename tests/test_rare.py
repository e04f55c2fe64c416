"""Rare categorical labels are never emitted; optional clipping of numeric extremes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabgan import TabGAN
from tabgan.conditions import ConditionError
from tabgan.schema import Column
from tabgan.transforms.categorical import RARE_LABEL, CategoricalCodec

FAST = {"epochs": 3, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64), "device": "cpu"}


def _labels(counts: dict[str, int]) -> pd.Series:
    return pd.Series([label for label, k in counts.items() for _ in range(k)])


def test_labels_below_the_threshold_share_one_rare_option() -> None:
    counts = {"a": 50, "b": 20, "c": 4, "d": 1, "e": 5}
    codec = CategoricalCodec(Column("c", "categorical"), rare_threshold=5, rare_margin=0)
    codec.fit(_labels(counts), np.random.default_rng(0))
    assert codec.categories_ == ["a", "b", "e"] and codec.rare_count_ == 5
    assert codec.option_labels() == ["a", "b", "e", "<rare>"]
    _, codes = codec.encode(pd.Series(["c", "d", "a"]), np.random.default_rng(0))
    assert codes[:, 0].tolist() == [codec.rare_code, codec.rare_code, 0]
    decoded = codec.decode(np.zeros((2, 0)), np.array([[codec.rare_code], [1]]), np.random.default_rng(0))
    assert decoded.tolist() == [RARE_LABEL, "b"]
    state = json.dumps(codec.state())
    assert '"c"' not in state and '"d"' not in state  # the rare labels are not saved


def test_the_threshold_has_a_random_margin() -> None:
    counts = {"a": 100, **{f"x{k}": k for k in range(1, 12)}}
    cuts = set()
    for seed in range(40):
        codec = CategoricalCodec(Column("c", "categorical"), rare_threshold=5, rare_margin=3)
        codec.fit(_labels(counts), np.random.default_rng(seed))
        kept = [int(label[1:]) for label in codec.categories_ if label != "a"]
        cuts.add(min(kept))
    assert cuts == {5, 6, 7, 8}


def test_numeric_labels_become_common_labels_and_booleans_are_left_alone() -> None:
    codec = CategoricalCodec(Column("n", "categorical"), rare_threshold=5)
    codec.fit(pd.Series([1] * 30 + [2] * 20 + [99] * 2), np.random.default_rng(0))
    decoded = codec.decode(np.zeros((200, 0)), np.full((200, 1), codec.rare_code), np.random.default_rng(0))
    assert set(decoded.tolist()) <= {1, 2}
    flag = CategoricalCodec(Column("f", "boolean"), rare_threshold=5)
    flag.fit(pd.Series([True] * 2 + [False] * 50), np.random.default_rng(0))
    assert not flag.has_rare and set(flag.categories_) == {True, False}


@pytest.fixture()
def with_rare() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 1200
    town = rng.choice(["Paris", "Lyon", "Nice"], n).astype(object)
    town[:30] = [f"Hamlet{i}" for i in range(30)]  # thirty towns with one person each
    return pd.DataFrame({"town": town, "age": rng.integers(18, 90, n), "income": rng.lognormal(10, 1, n)})


def test_a_fitted_model_never_emits_a_rare_label(with_rare: pd.DataFrame) -> None:
    model = TabGAN(random_state=0, **FAST).fit(with_rare)
    towns = set(model.sample(3000)["town"])
    assert not any(t.startswith("Hamlet") for t in towns)
    assert RARE_LABEL in towns  # the group is kept at its real share (30 of 1,200 rows)
    with pytest.raises(ConditionError, match="rare label"):
        model.sample(10, conditions={"town": "Hamlet3"})
    unprotected = TabGAN(random_state=0, rare_category_threshold=0, **FAST).fit(with_rare)
    assert "Hamlet" not in json.dumps(model.encoder_.state()) and not unprotected.encoder_.codecs[0].has_rare


def test_clipping_hides_the_numeric_extremes(with_rare: pd.DataFrame) -> None:
    plain = TabGAN(random_state=0, **FAST).fit(with_rare).sample(3000)
    assert plain["income"].max() <= with_rare["income"].max()
    clipped = TabGAN(random_state=0, clip_quantile=0.05, **FAST).fit(with_rare).sample(3000)
    low, high = with_rare["income"].quantile([0.05, 0.95])
    assert clipped["income"].between(low - 1e-6, high + 1e-6).all()
    age_low, age_high = np.ceil(with_rare["age"].quantile(0.05)), np.floor(with_rare["age"].quantile(0.95))
    assert clipped["age"].between(age_low, age_high).all()


def test_numeric_labels_that_are_all_rare_become_random_numbers_in_their_range() -> None:
    codec = CategoricalCodec(Column("case", "categorical"), rare_threshold=5)
    values = pd.Series([10, 10, 20, 35, 35, 40])
    codec.fit(values, np.random.default_rng(0))
    assert codec.categories_ == [] and codec.rare_range_ == [10.0, 40.0]
    decoded = codec.decode(np.zeros((300, 0)), np.full((300, 1), codec.rare_code), np.random.default_rng(0))
    decoded = pd.to_numeric(decoded)
    assert decoded.between(10, 40).all() and (decoded == decoded.round()).all()
    assert not decoded.isin([20, 40]).all()
