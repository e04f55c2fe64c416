"""The report object: stable keys, JSON, HTML, saving, headline, and evaluate's inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabgan.errors import DataError, SchemaError
from tabgan.evaluation import EvaluationReport, evaluate
from tabgan.schema import infer_schema


def test_dict_has_the_headline_numbers_at_stable_keys(half_report):
    d = json.loads(half_report.to_json())  # valid JSON, no NaN
    assert set(d) == {"fidelity", "utility", "privacy", "warnings", "verdicts", "subsample", "info"}
    quality = d["fidelity"]["quality"]
    assert {"score", "column_shapes", "column_pair_trends", "columns", "pairs"} <= set(quality)
    assert set(quality["columns"]) == set(half_report.info["columns"])  # adult has no id column
    assert len(quality["pairs"]) == 15 * 14 // 2
    assert {"data_validity", "data_structure", "columns"} <= set(d["fidelity"]["diagnostic"])
    assert 0.0 <= d["fidelity"]["detection"]["roc_auc"] <= 1.0
    assert {"exact_copy_rate", "exact_copy_rate_holdout", "dcr", "dcr_share", "nndr"} <= set(d["privacy"])
    assert {"p05", "p50", "mean", "zero_rate"} <= set(d["privacy"]["dcr"]["synthetic"])
    membership = d["privacy"]["membership_inference"]
    assert set(membership) == {"attacks", "max_auc", "strongest", "rows", "method"}
    assert set(membership["attacks"]) == {"distance", "density_ratio"}
    assert all(set(a) == {"auc", "baseline_auc"} for a in membership["attacks"].values())
    assert membership["rows"] == {"members": 2000, "non_members": 2000, "reference": 2000, "baseline_release": 2000}
    assert d["privacy"]["membership_inference_skipped"] is None
    assert {"real", "synthetic", "augmented"} <= set(d["utility"])
    assert d["subsample"]["max_rows"] == 6000 and d["subsample"]["real"] == {"rows": 16280, "used": 6000}
    assert any(w["code"] == "subsampled" for w in d["warnings"])
    for verdict in d["verdicts"]:
        assert verdict["rating"] in {"good", "fair", "poor", "info"} and verdict["text"]


def test_headline_names_every_headline_number(half_report):
    line = half_report.headline()
    for part in ("quality 0.9", "detection AUC 0.", "exact copies", "DCR share 0.", "membership attack AUC 0.5",
                 "(holdout baseline 0.", "TSTR AUC 0."):
        assert part in line
    assert "\n" not in line and "WARNING" not in line


def test_save_by_suffix(half_report, tmp_path):
    json_path = half_report.save(tmp_path / "r.json")
    assert json.loads(json_path.read_text())["privacy"]["dcr_share"] == half_report.privacy["dcr_share"]
    html_path = half_report.save(tmp_path / "r.HTML")
    text = html_path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("data:image/png;base64,") >= 15 + 2
    assert "http://" not in text and "https://" not in text and "<script" not in text
    # the verdicts come before the numbers and charts
    assert text.index("Verdicts") < text.index("Fidelity") < text.index("Utility") < text.index("Privacy")
    assert text.index("Privacy") < text.index("Membership inference") < text.index("Details")
    with pytest.raises(DataError, match=r"\.json or \.html"):
        half_report.save(tmp_path / "r.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.HTML", "r.json"]  # no temporary files left


def test_copy_report_html_shouts(copy_report):
    text = copy_report.to_html()
    first_warning = text.index('class="warning high"')
    assert first_warning < text.index("Verdicts")
    assert "WARNING: 100.0% of the synthetic rows are exact copies" in text


def _small(adult: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(3).permutation(len(adult))
    return tuple(adult.iloc[order[i * 1000:(i + 1) * 1000]].reset_index(drop=True) for i in range(3))


def test_evaluate_reads_paths_and_a_schema_file_and_is_seeded(adult, tmp_path):
    real, synth, holdout = _small(adult)
    for name, frame in (("real", real), ("synth", synth), ("holdout", holdout)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    schema = infer_schema(real, target="income")
    schema.to_yaml(tmp_path / "schema.yaml")
    from_files = evaluate(tmp_path / "real.csv", str(tmp_path / "synth.csv"), schema=tmp_path / "schema.yaml",
                          holdout=tmp_path / "holdout.csv", seed=1)
    from_frames = evaluate(real, synth, schema=schema, holdout=holdout, seed=1)
    assert from_files.utility["target"] == "income"  # taken from the schema
    a, b = from_files.to_dict(), from_frames.to_dict()
    a["info"].pop("seconds"), b["info"].pop("seconds")
    assert a == b
    other_seed = evaluate(real, synth, schema=schema, holdout=holdout, seed=2)
    assert other_seed.fidelity["detection"]["roc_auc"] != from_frames.fidelity["detection"]["roc_auc"]


def test_evaluate_without_holdout_says_what_is_missing(adult):
    real, synth, _ = _small(adult)
    report = evaluate(real, synth, target="income")
    assert report.utility is None and report.privacy["dcr_share"] is None
    assert any(w["code"] == "no_holdout" for w in report.warnings)
    assert any(v["topic"] == "privacy_distance" and v["rating"] == "info" for v in report.verdicts)
    assert "DCR share n/a" in report.headline() and "TSTR" not in report.headline()
    assert report.privacy["membership_inference"] is None and "membership" not in report.headline()
    assert "Not measured: no holdout" in report.to_html()
    assert isinstance(report, EvaluationReport) and "<img" in report.to_html()


def test_user_mistakes_are_tabgan_errors(adult):
    real, synth, holdout = _small(adult)
    with pytest.raises(SchemaError, match="target column 'salary'"):
        evaluate(real, synth, holdout=holdout, target="salary")
    with pytest.raises(DataError, match="column 'income' of the schema is missing from the synthetic table"):
        evaluate(real, synth.drop(columns="income"))
    with pytest.raises(DataError, match="no such file"):
        evaluate(real, "/nonexistent/synth.csv")
    broken = synth.copy()
    broken["age"] = broken["age"].astype(object)
    broken.loc[:9, "age"] = "old"
    report = evaluate(real, broken.assign(extra=1), max_rows=None)
    codes = {w["code"]: w for w in report.warnings}
    assert "10 values of column 'age'" in codes["unparsed_values"]["message"]
    assert "extra" in codes["extra_columns"]["message"]


def _orders(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "order_id": np.arange(seed * 10_000, seed * 10_000 + n),
        "when": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")).strftime("%d/%m/%Y"),
        "paid": rng.choice(["yes", "no"], n),
        "amount": rng.gamma(2, 10, n).round(2),
        "items": rng.integers(1, 60, n),
        "shop": rng.choice([f"s{i}" for i in range(300)], n),
    })


def test_every_column_kind_goes_through(tmp_path):
    real, synth, holdout = _orders(500, 1), _orders(500, 2), _orders(500, 3)
    report = evaluate(real, synth, holdout=holdout, target="paid")
    assert report.info["columns"] == {
        "order_id": "id", "when": "datetime", "paid": "boolean", "amount": "continuous", "items": "integer",
        "shop": "categorical",
    }
    assert "order_id" not in report.fidelity["quality"]["columns"]  # ids are not compared
    assert report.fidelity["quality"]["columns"]["when"]["metric"] == "KSComplement"
    assert report.fidelity["diagnostic"]["data_validity"] > 0.95
    assert report.utility["classes"] == 2 and report.utility["positive_class"] in ("True", "False")
    assert report.fidelity["associations"]["columns"] == ["when", "paid", "amount", "items", "shop"]
    json.loads(report.to_json())
    assert report.to_html().count("data:image/png") == 5 + 2


def test_a_single_column_and_a_low_cardinality_copy(tmp_path):
    real, synth = _orders(400, 1)[["amount"]], _orders(400, 2)[["amount"]]
    report = evaluate(real, synth)
    assert report.fidelity["associations"]["mean_abs_difference"] is None
    assert "no associations to show" in report.to_html()
    # two labels only: every synthetic row repeats some real row, as every unseen real row would
    labels = evaluate(_orders(400, 1)[["paid"]], _orders(400, 2)[["paid"]], holdout=_orders(400, 3)[["paid"]])
    assert labels.privacy["exact_copy_rate"] == 1.0 and labels.privacy["exact_copy_rate_holdout"] == 1.0
    assert not labels.has_high_warnings
