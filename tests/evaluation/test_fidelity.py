"""Fidelity: SDMetrics numbers pass through unchanged; detection and associations behave."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sdmetrics.reports import DiagnosticReport, QualityReport

from tabgan.evaluation import evaluate
from tabgan.evaluation.fidelity import cramers_v, detection
from tabgan.evaluation.metadata import prepare_frame
from tabgan.schema import Column, TableSchema

ADULT_SDTYPES = {
    "age": "numerical", "workclass": "categorical", "fnlwgt": "numerical", "education": "categorical",
    "education_num": "categorical", "marital_status": "categorical", "occupation": "categorical",
    "relationship": "categorical", "race": "categorical", "sex": "categorical", "capital_gain": "numerical",
    "capital_loss": "numerical", "hours_per_week": "numerical", "native_country": "categorical",
    "income": "categorical",
}
# case.id: a reference to matched cases whose labels are mostly too rare to learn, an id by inference
NAFLD_SDTYPES = {
    "id": "id", "age": "numerical", "male": "categorical", "weight": "numerical", "height": "numerical",
    "bmi": "numerical", "case.id": "id", "futime": "numerical", "status": "categorical",
}


def _direct(report_class, real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: dict[str, str], **table):
    metadata = {"tables": {"t": {"columns": {k: {"sdtype": v} for k, v in sdtypes.items()}, **table}}}
    report = report_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({"t": real}, {"t": synthetic}, metadata, verbose=False)
    return report


@pytest.mark.parametrize("dataset", ["adult", "nafld"])
def test_quality_equals_sdmetrics_called_directly(dataset, request):
    df = request.getfixturevalue(dataset)
    sdtypes, extra = (ADULT_SDTYPES, {}) if dataset == "adult" else (NAFLD_SDTYPES, {"primary_key": "id"})
    order = np.random.default_rng(5).permutation(len(df))
    real = df.iloc[order[:3000]].reset_index(drop=True)
    synthetic = df.iloc[order[3000:6000]].reset_index(drop=True)
    if dataset == "nafld":  # make the 'synthetic' table differ more, with fresh ids
        synthetic["weight"] = synthetic["weight"] * 1.1
        synthetic["id"] = np.arange(100_000, 103_000)
    report = evaluate(real, synthetic, max_rows=None)
    ids = {name for name, kind in report.info["columns"].items() if kind == "id"}
    assert ids == {name for name, sdtype in sdtypes.items() if sdtype == "id"}
    ours = report.fidelity["quality"]
    direct = _direct(QualityReport, real, synthetic, sdtypes, **extra)
    props = direct.get_properties().set_index("Property")["Score"]
    assert ours["score"] == pytest.approx(direct.get_score(), abs=1e-3)
    assert ours["column_shapes"] == pytest.approx(props["Column Shapes"], abs=1e-3)
    assert ours["column_pair_trends"] == pytest.approx(props["Column Pair Trends"], abs=1e-3)
    shapes = direct.get_details("Column Shapes").set_index("Column")["Score"]
    assert set(ours["columns"]) == set(shapes.index)
    for name, score in shapes.items():
        assert ours["columns"][name]["score"] == pytest.approx(score, abs=1e-3)
    pairs = direct.get_details("Column Pair Trends")
    assert len(ours["pairs"]) == len(pairs)
    ours_pairs = {(p["column_1"], p["column_2"]): p["score"] for p in ours["pairs"]}
    for row in pairs.itertuples(index=False):
        mine = ours_pairs[(row[1], row[2])]
        assert (mine is None and pd.isna(row.Score)) or mine == pytest.approx(row.Score, abs=1e-3)
    diag = _direct(DiagnosticReport, real, synthetic, sdtypes, **extra)
    diag_props = diag.get_properties().set_index("Property")["Score"]
    assert report.fidelity["diagnostic"]["data_validity"] == pytest.approx(diag_props["Data Validity"], abs=1e-3)
    assert report.fidelity["diagnostic"]["data_structure"] == pytest.approx(diag_props["Data Structure"], abs=1e-3)


def _toy_schema() -> TableSchema:
    return TableSchema([Column("x", "continuous"), Column("c", "categorical"), Column("y", "continuous")])


def test_detection_sees_a_broken_relation_and_not_a_fresh_sample():
    n = 3000

    def table(linked: bool, seed: int) -> pd.DataFrame:
        r = np.random.default_rng(seed)
        x = r.normal(size=n)
        y = x + r.normal(scale=0.1, size=n) if linked else r.permutation(x) + r.normal(scale=0.1, size=n)
        c = np.where(x > 0, "hi", "lo") if linked else r.choice(["hi", "lo"], n)
        return prepare_frame(pd.DataFrame({"x": x, "c": c, "y": y}), _toy_schema(), "t", strict=True).frame

    real = table(True, 1)
    same = detection(real, table(True, 2), _toy_schema(), seed=0)
    broken = detection(real, table(False, 3), _toy_schema(), seed=0)
    assert same["roc_auc"] < 0.56
    assert broken["roc_auc"] > 0.95
    assert len(broken["fold_roc_auc"]) == 5 and broken["rows_per_table"] == n
    # seeded: the same inputs give the same number
    assert detection(real, table(False, 3), _toy_schema(), seed=0)["roc_auc"] == broken["roc_auc"]


def test_cramers_v_bounds():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, 5000)
    assert cramers_v(a, a) == pytest.approx(1.0)
    assert cramers_v(a, (a + 1) % 4) == pytest.approx(1.0)
    assert cramers_v(a, rng.integers(0, 3, 5000)) < 0.05
    assert cramers_v(a, np.zeros(5000, dtype=int)) == 0.0
