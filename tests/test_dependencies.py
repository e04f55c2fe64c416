"""Columns determined by a categorical column: inferred, looked up, conditioned through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan import SchemaError, TabGAN, infer_schema
from tabgan.conditions import ConditionError
from tabgan.transforms.categorical import RARE_LABEL

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64), "device": "cpu"}
STATE = {"Paris": "IDF", "Lyon": "ARA", "Grenoble": "ARA", "Nice": "PACA", "Marseille": "PACA"}
LEVEL = {"basic": 1, "silver": 2, "gold": 3, "platinum": 4}


@pytest.fixture(scope="module")
def shops() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 1000
    city = rng.choice(list(STATE), n)
    tier = rng.choice(list(LEVEL), n)
    return pd.DataFrame(
        {
            "city": city,
            "state": [STATE[c] for c in city],  # many cities to one state
            "tier": tier,
            "tier_level": [LEVEL[t] for t in tier],  # one-to-one with tier
            "spend": rng.gamma(2.0, 30.0, n).round(2),
            "visits": rng.integers(0, 30, n),  # independent of everything
        }
    )


def test_inference_finds_the_rules_and_nothing_else(shops: pd.DataFrame) -> None:
    found = infer_schema(shops).constraints
    assert found == [
        {"type": "determined", "column": "state", "by": "city"},
        {"type": "determined", "column": "tier_level", "by": "tier"},  # one-to-one: the earlier column stays
    ]
    assert infer_schema(shops, dependencies=False).constraints == []


def test_small_groups_are_not_taken_for_a_rule() -> None:
    rng = np.random.default_rng(1)
    n = 300
    # 150 labels of 2 rows each: below the rare threshold, never generated, so no evidence counts
    frame = pd.DataFrame({"shop": np.repeat([f"s{i}" for i in range(150)], 2), "flag": rng.choice(["a", "b"], n)})
    frame.loc[frame.index % 2 == 1, "flag"] = frame["flag"].to_numpy()[::2]  # each shop's two rows agree
    assert infer_schema(frame).constraints == []


def test_a_many_labelled_determinant_is_taken() -> None:
    rng = np.random.default_rng(2)
    films = 1500  # more labels than a one-hot condition would hold
    film = np.repeat(np.arange(films), rng.integers(5, 12, films))
    genre_of = rng.choice(["drama", "comedy", "horror", "animation"], films)
    year_of = rng.integers(1930, 2020, films)
    frame = pd.DataFrame({"film": np.char.add("m", film.astype(str)), "genre": genre_of[film], "year": year_of[film],
                          "rating": rng.integers(1, 6, len(film))})
    schema = infer_schema(frame)
    assert schema.constraints == [
        {"type": "determined", "column": "genre", "by": "film"},
        {"type": "determined", "column": "year", "by": "film"},
    ]
    rows = TabGAN(random_state=0, **FAST).fit(frame, schema).sample(2000)  # one determinant, two lookups
    films = rows["film"].str[1:].astype(int)
    assert (rows["genre"] == genre_of[films]).all() and (rows["year"] == year_of[films]).all()


def test_a_mostly_constant_column_needs_more_repeats_to_be_taken() -> None:
    # 400 labels of 5 rows: 1,600 repeats; "rare" in 4 whole labels (1%). Were "rare" independent
    # of the label, all repeats would agree with chance 0.99 ** 1600 = 1e-7: not evidence enough
    label = np.repeat(np.arange(400), 5)
    frame = pd.DataFrame({"shop": label.astype(str), "flag": np.where(label < 4, "rare", "usual")})
    assert infer_schema(frame).constraints == []
    many = np.repeat(np.arange(1000), 5)  # 4,000 repeats: 0.99 ** 4000 = 4e-18, a rule
    frame = pd.DataFrame({"shop": many.astype(str), "flag": np.where(many < 10, "rare", "usual")})
    assert infer_schema(frame).constraints == [{"type": "determined", "column": "flag", "by": "shop"}]


def test_real_tables(adult: pd.DataFrame, credit: pd.DataFrame, nafld: pd.DataFrame, movielens: pd.DataFrame) -> None:
    assert infer_schema(adult).constraints == [{"type": "determined", "column": "education_num", "by": "education"}]
    assert infer_schema(credit).constraints == [] and infer_schema(nafld).constraints == []
    assert infer_schema(movielens).constraints == [
        {"type": "determined", "column": name, "by": "movieId"} for name in ("title", "year", "genres")
    ]


def test_the_shipped_reviews_sample(reviews: pd.DataFrame) -> None:
    # scripts/make_customer_reviews.py fixes each product's category
    assert infer_schema(reviews).constraints == [{"type": "determined", "column": "category", "by": "product_id"}]


def test_generated_rows_follow_the_lookup_and_survive_save_and_load(shops: pd.DataFrame, tmp_path) -> None:
    model = TabGAN(random_state=0, **FAST).fit(shops, infer_schema(shops))
    rows = model.sample(2000)
    assert rows.dtypes.to_dict() == shops.dtypes.to_dict()
    assert (rows["state"] == rows["city"].map(STATE)).all()
    assert (rows["tier_level"] == rows["tier"].map(LEVEL)).all()
    loaded = TabGAN.load(model.save(tmp_path / "m"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(300), model.sample(300))
    assert "determined" in (tmp_path / "m" / "schema.yaml").read_text()


def test_conditions_on_a_looked_up_column(shops: pd.DataFrame) -> None:
    model = TabGAN(random_state=0, **FAST).fit(shops, infer_schema(shops))
    one_to_one = model.sample(200, conditions=["tier_level=3"])  # asked of tier = gold
    assert (one_to_one["tier"] == "gold").all() and (one_to_one["tier_level"] == 3).all()
    single_city = model.sample(200, conditions={"state": "IDF"})
    assert (single_city["city"] == "Paris").all() and (single_city["state"] == "IDF").all()
    with pytest.raises(ConditionError, match="looked up from 'city'.*2 of its labels.*condition on 'city'"):
        model.sample(10, conditions={"state": "ARA"})
    with pytest.raises(ConditionError, match="not a value of column 'tier_level'"):
        model.sample(10, conditions={"tier_level": 9})
    per_row = model.sample(conditions=pd.DataFrame({"tier_level": [1, 4, None], "visits": [3, None, 5]}))
    assert per_row["tier"].iloc[:2].tolist() == ["basic", "platinum"]
    assert (per_row["tier_level"] == per_row["tier"].map(LEVEL)).all()
    with pytest.raises(ConditionError, match="row 1 gives tier_level = 1 and a tier"):
        model.sample(conditions=pd.DataFrame({"tier_level": [1], "tier": ["gold"]}))


def test_declared_rule_broken_by_real_rows_is_named(shops: pd.DataFrame) -> None:
    broken = shops.copy()
    broken.loc[6, "state"] = "IDF" if broken.loc[6, "city"] != "Paris" else "ARA"
    schema = infer_schema(shops)
    with pytest.raises(SchemaError, match=r"state determined by city is broken in 1 rows of the data \(rows 7\)"):
        TabGAN(**FAST).fit(broken, schema)


def test_rows_of_a_rare_determinant_label_do_not_show_its_value(shops: pd.DataFrame) -> None:
    rare = shops.copy()
    rare.loc[:2, "city"] = "Annecy"  # 3 rows: below the rare threshold, never emitted
    rare.loc[:2, "state"] = "SAVOIE"
    schema = infer_schema(rare)
    assert {"type": "determined", "column": "state", "by": "city"} in schema.constraints
    rows = TabGAN(random_state=0, **FAST).fit(rare, schema).sample(3000)
    assert "SAVOIE" not in set(rows["state"])
    marked = rows["city"] == RARE_LABEL
    assert (rows.loc[marked, "state"] == RARE_LABEL).all()
    assert (rows.loc[~marked, "state"] == rows.loc[~marked, "city"].map(STATE)).all()


def test_labels_giving_each_value_are_looked_up_at_once() -> None:
    from tabgan.constraints import Determined

    rule = Determined("state", "city")
    rule.labels_, rule.values_ = ["Paris", "Lyon", "Grenoble"], ["IDF", "ARA", "ARA"]
    counts, labels = rule.labels_giving(pd.Series(["IDF", "ARA", "PACA", "IDF"], dtype=object))
    assert counts.tolist() == [1, 2, 0, 1]
    assert labels.tolist() == ["Paris", None, None, "Paris"]
    assert rule.preimage("ARA") == ["Lyon", "Grenoble"]
