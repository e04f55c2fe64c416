from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan import SchemaError, TabGAN, TableSchema, infer_schema

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}
PLACES = {"Paris": "IDF", "Lyon": "ARA", "Grenoble": "ARA", "Nice": "PACA", "Marseille": "PACA"}


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 800
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    city = rng.choice(list(PLACES), n)
    goods = rng.gamma(2.0, 40.0, n).round(2)
    shipping = rng.choice([0.0, 4.99, 9.99], n)
    return pd.DataFrame(
        {
            "city": city,
            "state": [PLACES[c] for c in city],
            "ordered": start.strftime("%Y-%m-%d"),
            "delivered": end.strftime("%Y-%m-%d"),
            "goods": goods,
            "shipping": shipping,
            "total": goods + shipping,
            "items": rng.integers(1, 9, n),
        }
    )


@pytest.fixture(scope="module")
def schema(orders: pd.DataFrame) -> TableSchema:
    schema = infer_schema(orders)
    schema.constraints = [
        {"type": "inequality", "low": "ordered", "high": "delivered"},
        {"type": "sum", "total": "total", "parts": ["goods", "shipping"]},
        {"type": "fixed_combinations", "columns": ["city", "state"]},
        {"type": "non_negative", "column": "goods"},
    ]
    return schema


def assert_rules_hold(rows: pd.DataFrame) -> None:
    assert (pd.to_datetime(rows["ordered"]) <= pd.to_datetime(rows["delivered"])).all()
    assert np.allclose(rows["total"], rows["goods"] + rows["shipping"])
    assert all(PLACES[c] == s for c, s in zip(rows["city"], rows["state"]))
    assert (rows["goods"] >= 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_generated_row_keeps_the_rules(orders: pd.DataFrame, schema: TableSchema, seed: int) -> None:
    model = TabGAN(random_state=seed, device="cpu", **FAST).fit(orders, schema)
    rows = model.sample(3000)
    assert list(rows.columns) == list(orders.columns)
    assert rows.dtypes.to_dict() == orders.dtypes.to_dict()
    assert_rules_hold(rows)
    conditioned = model.sample(500, conditions=["goods>=50", "items=3"])
    assert_rules_hold(conditioned)
    assert (conditioned["goods"] >= 50).all() and (conditioned["items"] == 3).all()


def test_constraints_survive_save_and_load(orders: pd.DataFrame, schema: TableSchema, tmp_path) -> None:
    model = TabGAN(random_state=5, device="cpu", **FAST).fit(orders, schema)
    loaded = TabGAN.load(model.save(tmp_path / "m"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(400), model.sample(400))
    assert "constraints:" in (tmp_path / "m" / "schema.yaml").read_text()


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d.assign(delivered=d["delivered"].where(d.index != 4, "2022-01-01")), r"ordered <= delivered is broken in 1 rows of the data \(rows 5\)"),
        (lambda d: d.assign(total=d["total"].where(d.index % 100 != 0, 0.0)), r"total = goods \+ shipping is broken in 8 rows of the data \(rows 1, 101, 201, 301, 401 and 3 more\)"),
        (lambda d: d.assign(goods=d["goods"].where(d.index != 2, -1.0), total=d["total"].where(d.index != 2, d["shipping"] - 1.0)), "column 'goods': value -1.0 in row 3 is below the minimum 0"),
    ],
)
def test_real_rows_breaking_a_rule_are_named_at_fit(orders, schema, breakage, message) -> None:
    broken = breakage(orders)
    wide = TableSchema.from_dict(schema.to_dict())
    for column in wide.columns:  # widen bounds so only the constraint can object
        if column.kind in ("continuous", "integer") and column.name != "goods":
            column.min, column.max = -1e9, 1e9
        if column.kind == "datetime":
            column.min = column.max = None
    with pytest.raises(SchemaError, match=message):
        TabGAN(random_state=0, device="cpu", **FAST).fit(broken, wide)


def test_bad_constraint_declarations(orders: pd.DataFrame) -> None:
    schema = infer_schema(orders)
    for constraints, message in [
        ([{"type": "inequality", "low": "ordered", "high": "nope"}], "names column 'nope'"),
        ([{"type": "sum", "total": "city", "parts": ["goods"]}], "'city' is not a number or date"),
        ([{"type": "magic"}], "unknown type 'magic'"),
        ([{"type": "inequality", "low": "ordered"}], "needs 'high'"),
        ([{"type": "determined", "column": "state"}], "needs 'by'"),
        ([{"type": "determined", "column": "city", "by": "city"}], "'city' cannot determine itself"),
        ([{"type": "determined", "column": "items", "by": "goods"}], "'goods' \\(by\\) is not categorical"),
        (
            [{"type": "determined", "column": "state", "by": "city"}, {"type": "fixed_combinations", "columns": ["city", "state"]}],
            "'city' is in more than one constraint",
        ),
    ]:
        schema.constraints = constraints
        with pytest.raises(SchemaError, match=message):
            TabGAN(device="cpu", **FAST).fit(orders, schema)
