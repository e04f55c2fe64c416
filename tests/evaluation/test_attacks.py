"""Membership-inference attacks on small generated tables whose answers are known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tabgan.evaluation.attacks import MAX_PART_ROWS, MIN_PART_ROWS, _split, membership_inference
from tabgan.evaluation.metadata import prepare_frame
from tabgan.evaluation.privacy import DistanceSpace, privacy
from tabgan.evaluation.verdicts import judge
from tabgan.schema import Column, TableSchema

SCHEMA = TableSchema([
    Column("row_id", "id"), Column("x", "continuous"), Column("n", "integer"),
    Column("c", "categorical"), Column("b", "boolean"),
])
ATTACKS = ("distance", "density_ratio")


def _sample(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Rows of one fixed distribution: a number that depends on a label, a count, a flag."""
    c = rng.choice(list("abcde"), n, p=[0.4, 0.2, 0.2, 0.1, 0.1])
    frame = pd.DataFrame({
        "row_id": np.arange(n), "x": rng.normal(size=n) + (c == "a"), "n": rng.poisson(5, n),
        "c": c, "b": rng.random(n) < 0.3,
    })
    return prepare_frame(frame, SCHEMA, "t", strict=True).frame


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    return {"train": _sample(2000, rng), "holdout": _sample(1500, rng), "fresh": _sample(2000, rng)}


def _attack(train, synthetic, holdout, seed=0) -> dict:
    return privacy(train, synthetic, SCHEMA, seed=seed, holdout=holdout)["membership_inference"]


def test_a_copy_of_the_training_rows_is_caught(tables):
    result = _attack(tables["train"], tables["train"], tables["holdout"])
    assert result["attacks"]["distance"]["auc"] > 0.9  # every member sits on a synthetic row
    assert result["max_auc"] == result["attacks"]["distance"]["auc"] and result["strongest"] == "distance"
    assert result["rows"] == {"members": 500, "non_members": 500, "reference": 500, "baseline_release": 500}
    for name in ATTACKS:  # the real rows nobody trained on give nothing away
        assert abs(result["attacks"][name]["baseline_auc"] - 0.5) < 0.1


def test_fresh_rows_of_the_same_distribution_give_nothing_away(tables):
    result = _attack(tables["train"], tables["fresh"], tables["holdout"])
    for name in ATTACKS:
        assert abs(result["attacks"][name]["auc"] - 0.5) < 0.1
        assert abs(result["attacks"][name]["baseline_auc"] - 0.5) < 0.1
    assert result["max_auc"] == max(result["attacks"][name]["auc"] for name in ATTACKS)
    json.dumps(result, allow_nan=False)


def test_rows_near_the_training_rows_score_between_fresh_rows_and_copies(tables):
    train = tables["train"]
    near = train.assign(x=train["x"] + np.random.default_rng(1).normal(scale=0.1, size=len(train)))
    result = _attack(train, near, tables["holdout"])
    copy = _attack(train, train, tables["holdout"])
    for name in ATTACKS:  # no row is copied, yet both attacks see the overfitting
        assert 0.55 < result["attacks"][name]["auc"]
    assert result["attacks"]["distance"]["auc"] < copy["attacks"]["distance"]["auc"]


def test_no_holdout_no_attacks(tables):
    result = privacy(tables["train"], tables["fresh"], SCHEMA, seed=0)
    assert result["membership_inference"] is None
    assert "no holdout" in result["membership_inference_skipped"]
    assert not any(v["topic"] == "privacy_membership" for v in _verdicts(result))


def test_a_small_holdout_is_skipped_with_a_reason(tables):
    small = tables["holdout"].iloc[: 3 * MIN_PART_ROWS - 1]
    result = privacy(tables["train"], tables["fresh"], SCHEMA, seed=0, holdout=small)
    assert result["membership_inference"] is None
    assert f"has {len(small)} rows" in result["membership_inference_skipped"]
    assert f"fewer than {MIN_PART_ROWS} rows per part" in result["membership_inference_skipped"]
    verdict = next(v for v in _verdicts(result) if v["topic"] == "privacy_membership")
    assert verdict["rating"] == "info" and "not run" in verdict["text"]
    # just enough rows: the attacks run on the smallest parts
    enough = privacy(tables["train"], tables["fresh"], SCHEMA, seed=0, holdout=tables["holdout"].iloc[: 3 * MIN_PART_ROWS])
    assert enough["membership_inference"]["rows"]["members"] == MIN_PART_ROWS
    verdict = next(v for v in _verdicts(enough) if v["topic"] == "privacy_membership")
    assert f"Only {MIN_PART_ROWS} rows per part" in verdict["text"]  # small parts: the AUC is rough


def test_too_few_training_rows_are_skipped_with_a_reason(tables):
    space = DistanceSpace.fit(tables["train"], SCHEMA, seed=0)
    result, reason = membership_inference(space, tables["train"].iloc[:10], tables["fresh"], tables["holdout"], 0)
    assert result is None and "only 10 training rows" in reason


def test_parts_are_capped_disjoint_and_seeded(tables):
    rng = np.random.default_rng(5)
    train, holdout = _sample(3 * MAX_PART_ROWS + 300, rng), _sample(3 * MAX_PART_ROWS + 300, rng)
    parts = _split(train, holdout, MAX_PART_ROWS, np.random.default_rng(0))
    taken = [set(parts[name].index) for name in ("non_members", "reference", "baseline_release")]
    assert all(len(rows) == MAX_PART_ROWS for rows in taken) and len(set.union(*taken)) == 3 * MAX_PART_ROWS
    space = DistanceSpace.fit(train, SCHEMA, seed=0)
    first, _ = membership_inference(space, train, tables["fresh"], holdout, seed=3)
    assert set(first["rows"].values()) == {MAX_PART_ROWS}
    again, _ = membership_inference(space, train, tables["fresh"], holdout, seed=3)
    assert again == first  # same seed, the same numbers
    other, _ = membership_inference(space, train, tables["fresh"], holdout, seed=4)
    assert other["attacks"] != first["attacks"]


def test_same_seed_same_numbers_through_privacy(tables):
    runs = [_attack(tables["train"], tables["fresh"], tables["holdout"], seed=7) for _ in range(2)]
    assert runs[0] == runs[1]
    assert _attack(tables["train"], tables["fresh"], tables["holdout"], seed=8) != runs[0]


def _verdicts(privacy_result: dict) -> list[dict[str, str]]:
    fidelity = {"quality": {"score": None}, "detection": {}, "diagnostic": {}}
    return judge({"fidelity": fidelity, "privacy": privacy_result, "utility": None})[0]


def test_verdict_and_warning_follow_the_strongest_attack(tables):
    copied = privacy(tables["train"], tables["train"], SCHEMA, seed=0, holdout=tables["holdout"])
    fidelity = {"quality": {"score": None}, "detection": {}, "diagnostic": {}}
    verdicts, warnings = judge({"fidelity": fidelity, "privacy": copied, "utility": None})
    verdict = next(v for v in verdicts if v["topic"] == "privacy_membership")
    assert verdict["rating"] == "poor" and "distance" in verdict["text"]
    assert any(w["code"] == "membership_inference" and w["severity"] == "high" for w in warnings)
    fresh = privacy(tables["train"], tables["fresh"], SCHEMA, seed=0, holdout=tables["holdout"])
    verdict = next(v for v in _verdicts(fresh) if v["topic"] == "privacy_membership")
    assert verdict["rating"] == "good" and "hardly" in verdict["text"]
