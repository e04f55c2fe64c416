"""Utility: train-on-synthetic against train-on-real, on tables with a known signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan.errors import SchemaError
from tabgan.evaluation.metadata import prepare_frame
from tabgan.evaluation.utility import utility
from tabgan.schema import Column, TableSchema

SCHEMA = TableSchema([
    Column("row_id", "id"), Column("x", "continuous"), Column("g", "categorical"),
    Column("label", "categorical"), Column("amount", "continuous"),
])


def _table(n: int, seed: int, signal: bool = True, classes: str = "ab") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.choice(list("pqr"), n)
    score = x + (g == "p") if signal else rng.normal(size=n)
    cuts = np.quantile(score, np.linspace(0, 1, len(classes) + 1)[1:-1])
    label = np.array(list(classes))[np.searchsorted(cuts, score)]
    if classes == "ab":  # unbalanced two-class target: b is the rarer class
        label = np.where(score > np.quantile(score, 0.7), "b", "a")
    amount = 3 * x + rng.normal(scale=0.3, size=n) if signal else rng.normal(size=n)
    frame = pd.DataFrame({"row_id": np.arange(n), "x": x, "g": g, "label": label, "amount": amount})
    return prepare_frame(frame, SCHEMA, "t", strict=True).frame


def test_classification_good_and_useless_synthetic():
    real, holdout = _table(2000, 1), _table(1000, 2)
    good = utility(real, _table(2000, 3), holdout, SCHEMA, "label", seed=0)
    assert good["task"] == "classification" and good["positive_class"] == "b" and good["classes"] == 2
    assert good["real"]["roc_auc"] > 0.9
    assert abs(good["synthetic"]["roc_auc"] - good["real"]["roc_auc"]) < 0.03
    assert 0 < good["synthetic"]["f1"] <= 1 and "roc_auc" in good["augmented"]
    useless = utility(real, _table(2000, 4, signal=False), holdout, SCHEMA, "label", seed=0)
    # labels of pure noise: only chance correlations are left to learn
    assert useless["synthetic"]["roc_auc"] < useless["real"]["roc_auc"] - 0.2
    assert useless["real"] == good["real"]  # the same seed and rows: the same real model


def test_multiclass_uses_macro_scores():
    real, holdout = _table(2000, 1, classes="abc"), _table(1000, 2, classes="abc")
    result = utility(real, _table(2000, 3, classes="abc"), holdout, SCHEMA, "label", seed=0)
    assert result["classes"] == 3 and "positive_class" not in result
    assert result["synthetic"]["roc_auc"] > 0.8 and result["synthetic"]["f1"] > 0.5


def test_synthetic_with_one_class_is_reported_not_crashed():
    real, holdout = _table(1000, 1), _table(500, 2)
    synth = _table(1000, 3)
    synth["label"] = "a"
    result = utility(real, synth, holdout, SCHEMA, "label", seed=0)
    assert result["synthetic"]["roc_auc"] is None and "one class" in result["synthetic"]["note"]
    assert result["real"]["roc_auc"] > 0.9


def test_regression_uses_r2():
    real, holdout = _table(2000, 1), _table(1000, 2)
    result = utility(real, _table(2000, 3), holdout, SCHEMA, "amount", seed=0)
    assert result["task"] == "regression"
    assert result["real"]["r2"] > 0.9 and result["synthetic"]["r2"] > 0.9
    noise = utility(real, _table(2000, 4, signal=False), holdout, SCHEMA, "amount", seed=0)
    assert noise["synthetic"]["r2"] < 0.1


def test_an_id_target_is_refused():
    real = _table(100, 1)
    with pytest.raises(SchemaError, match="id column"):
        utility(real, real, real, SCHEMA, "row_id", seed=0)


def test_smote_baseline_and_uplift_for_classification():
    real, holdout = _table(1500, 4), _table(800, 5)
    real = real.assign(x=real["x"].where(real.index % 50 != 0))  # SMOTE needs nulls handled
    result = utility(real, _table(1500, 6), holdout, SCHEMA, "label", seed=0)
    smote = result["smote"]
    counts = real["label"].value_counts()
    assert smote["rows"] == 2 * counts.max()  # minority oversampled to balance
    assert 0.5 < smote["roc_auc"] <= 1 and 0 <= smote["f1"] <= 1
    uplift = result["uplift"]
    assert uplift["roc_auc_vs_real"] == round(result["augmented"]["roc_auc"] - result["real"]["roc_auc"], 4)
    assert uplift["f1_vs_smote"] == round(result["augmented"]["f1"] - smote["f1"], 4)
    regression = utility(real, _table(1500, 6), holdout, SCHEMA, "amount", seed=0)
    assert "smote" not in regression


def test_smote_baseline_with_a_full_vocabulary_and_nulls() -> None:
    """A categorical feature with more labels than the model's 255 categories, and nulls: the
    nulls' code must stay within the limit (this failed on nafld1's case.id)."""
    from tabgan.evaluation import evaluate

    rng = np.random.default_rng(0)
    n = 3000
    labels = [f"c{i}" for i in range(300)] + [None]
    frame = pd.DataFrame({"code": rng.choice(labels, n), "x": rng.normal(size=n),
                          "y": rng.choice(["a", "b"], n, p=[0.8, 0.2])})
    report = evaluate(frame.iloc[:2000], frame.iloc[:2000].sample(frac=1, random_state=1), holdout=frame.iloc[2000:],
                      target="y")
    assert report.utility["smote"]["rows"] > 2000
