from __future__ import annotations

import time

import pandas as pd
import pytest

from tabgan import TabGAN
from tabgan.conditions import ConditionError, parse_condition

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}


@pytest.fixture(scope="module")
def model(credit: pd.DataFrame) -> TabGAN:
    return TabGAN(random_state=3, device="cpu", **FAST).fit(credit.sample(1500, random_state=0))


def test_parse_condition() -> None:
    assert (lambda c: (c.column, c.op, c.value))(parse_condition("age >= 60")) == ("age", ">=", "60")
    assert parse_condition("native.country==United-States").op == "="
    with pytest.raises(ConditionError, match="cannot read the condition"):
        parse_condition("age")


def test_categorical_equalities_hold_for_every_row(model: TabGAN) -> None:
    rows = model.sample(2500, conditions={"Home": "rent", "Status": "bad"})
    assert len(rows) == 2500
    assert (rows["Home"] == "rent").all() and (rows["Status"] == "bad").all()
    assert list(rows.columns) == model.schema_.names


def test_ranges_and_integer_equality(model: TabGAN) -> None:
    rows = model.sample(1200, conditions=["Age>=40", "Age<50", "Job=fixed", "Time=36"])
    assert len(rows) == 1200 and rows.index.is_unique
    assert rows["Age"].between(40, 49).all()
    assert (rows["Job"] == "fixed").all() and (rows["Time"] == 36).all()
    assert rows["Age"].dtype == "int64"


def test_conditions_are_reproducible(model: TabGAN) -> None:
    a = model.sample(300, conditions=["Age>=30"], seed=5)
    b = model.sample(300, conditions=["Age>=30"], seed=5)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "conditions, message",
    [
        ({"Home": "castle"}, "'castle' is not a value of column 'Home' seen in training"),
        (["Age>=200"], "outside the column's range"),
        (["Age>=60", "Age<50"], "the range is empty"),
        (["Income=3.5"], "exact value of continuous column|outside the column's range"),
        (["Colour=red"], "there is no column 'Colour'"),
        (["Home>=rent"], "takes only '='"),
        (["Age>=old"], "'old' is not a number"),
    ],
)
def test_impossible_conditions_fail_at_once(model: TabGAN, conditions, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ConditionError, match=message):
        model.sample(100, conditions=conditions)
    assert time.perf_counter() - started < 1.0


def test_too_rare_ranges_fail_fast_within_the_trial_budget(model: TabGAN) -> None:
    top = float(model.encoder_.codecs[model.schema_.names.index("Price")].high_)
    started = time.perf_counter()
    with pytest.raises(ConditionError, match="too rare|would need more than"):
        model.sample(50_000, conditions=[f"Price>={top - 1}"])
    assert time.perf_counter() - started < 30


def test_per_row_conditions_keep_given_cells_and_generate_the_rest(model: TabGAN) -> None:
    given = pd.DataFrame(
        {"Home": ["rent", None, "owner", "rent"] * 50, "Age": [25, 60, None, 41] * 50, "Job": [None, "fixed", None, None] * 50}
    )
    rows = model.sample(conditions=given)
    assert len(rows) == 200 and list(rows.columns) == model.schema_.names
    for name in given.columns:
        mask = given[name].notna()
        assert (rows.loc[mask, name].astype(str) == given.loc[mask, name].astype(str).str.replace(r"\.0$", "", regex=True)).all()
    assert rows["Age"].dtype == "int64"
    generated = rows.loc[given["Home"].isna(), "Home"]
    assert set(generated.dropna()) <= set(model.encoder_.codecs[model.schema_.names.index("Home")].categories_)
    assert generated.nunique() > 1  # the rest is generated, not copied from a condition
    with pytest.raises(ConditionError, match="no column 'Colour'"):
        model.sample(conditions=pd.DataFrame({"Colour": ["red"]}))
    with pytest.raises(Exception, match="'castle' was not seen when fitting"):
        model.sample(conditions=pd.DataFrame({"Home": ["castle"]}))
