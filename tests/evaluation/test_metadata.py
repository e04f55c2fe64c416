"""Schema -> SDMetrics metadata, and the canonical form of tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan.errors import DataError
from tabgan.evaluation.metadata import canonical_labels, prepare_frame, to_sdmetrics_metadata
from tabgan.schema import Column, TableSchema


def _schema() -> TableSchema:
    return TableSchema([
        Column("key", "id"),
        Column("color", "categorical"),
        Column("flag", "boolean"),
        Column("price", "continuous"),
        Column("count", "integer"),
        Column("day", "datetime", datetime_format="%d/%m/%Y"),
        Column("stamp", "datetime"),
    ])


def test_metadata_maps_every_kind():
    meta = to_sdmetrics_metadata(_schema())
    table = meta["tables"]["table"]
    assert table["columns"] == {
        "key": {"sdtype": "id"},
        "color": {"sdtype": "categorical"},
        "flag": {"sdtype": "categorical"},
        "price": {"sdtype": "numerical"},
        "count": {"sdtype": "numerical"},
        "day": {"sdtype": "datetime", "datetime_format": "%d/%m/%Y"},
        "stamp": {"sdtype": "datetime"},
    }
    assert table["primary_key"] == "key"


def test_canonical_labels_make_equal_labels_equal():
    ints = canonical_labels(pd.Series([13, 7, 13]))
    floats = canonical_labels(pd.Series([13.0, 7.0, np.nan]))
    text = canonical_labels(pd.Series(["13", "7", None]))
    assert ints.tolist() == ["13", "7", "13"]
    assert floats.tolist()[:2] == ["13", "7"] and pd.isna(floats.iloc[2])
    assert text.tolist()[:2] == ["13", "7"] and pd.isna(text.iloc[2])
    assert canonical_labels(pd.Series([1.5, 2.0])).tolist() == ["1.5", "2"]
    assert canonical_labels(pd.Series(["b", "a"])).tolist() == ["b", "a"]


@pytest.mark.parametrize("values", [[True, False], ["yes", "no"], ["TRUE", "false"], [1, 0], ["t", "f"]])
def test_boolean_labels_become_true_false(values):
    assert canonical_labels(pd.Series(values), boolean=True).tolist() == ["True", "False"]


def _frame(**overrides) -> pd.DataFrame:
    data = {
        "key": ["a1", "a2", "a3"],
        "color": ["red", "blue", None],
        "flag": ["yes", "no", "yes"],
        "price": [1.5, 2.0, np.nan],
        "count": [1, 2, 3],
        "day": ["01/02/2020", "31/12/2021", None],
        "stamp": pd.to_datetime(["2020-01-01 10:00", "2020-01-02 00:00", "2020-01-03 00:00"]),
        "unused": [0, 0, 0],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_prepare_frame_canonical_dtypes_and_order():
    prepared = prepare_frame(_frame(), _schema(), "real", strict=True)
    frame = prepared.frame
    assert list(frame.columns) == _schema().names  # schema order, extra columns dropped
    assert frame["price"].dtype == np.float64 and frame["count"].dtype == np.float64
    assert frame["day"].dtype == "datetime64[ns]"
    assert frame["day"].iloc[1] == pd.Timestamp("2021-12-31") and pd.isna(frame["day"].iloc[2])
    assert frame["flag"].tolist() == ["True", "False", "True"]
    assert frame["color"].iloc[0] == "red" and pd.isna(frame["color"].iloc[2])
    assert prepared.coerced == {}


def test_prepare_frame_refuses_bad_real_values_and_counts_bad_synthetic_ones():
    bad = _frame(price=[1.0, "lots", 3.0], day=["01/02/2020", "not a day", None])
    with pytest.raises(DataError, match="'price' of the real table: 'lots' is not a number"):
        prepare_frame(bad, _schema(), "real", strict=True)
    prepared = prepare_frame(bad, _schema(), "synthetic", strict=False)
    assert prepared.coerced == {"price": 1, "day": 1}
    assert pd.isna(prepared.frame["price"].iloc[1])


def test_prepare_frame_names_a_missing_column_and_an_empty_table():
    with pytest.raises(DataError, match="column 'count' of the schema is missing from the synthetic table"):
        prepare_frame(_frame().drop(columns="count"), _schema(), "synthetic", strict=False)
    with pytest.raises(DataError, match="the holdout table has no rows"):
        prepare_frame(_frame().iloc[:0], _schema(), "holdout", strict=True)
