"""Sanity checks on real data (adult_train): a disjoint half, an exact copy, shuffled columns."""

from __future__ import annotations


def test_disjoint_half_scores_like_real_data(half_report):
    fidelity = half_report.fidelity
    assert fidelity["quality"]["score"] >= 0.95
    assert fidelity["detection"]["roc_auc"] <= 0.55
    assert 0.45 <= half_report.privacy["dcr_share"] <= 0.55
    # unseen real rows reveal no membership: every attack is near chance, like its holdout baseline
    membership = half_report.privacy["membership_inference"]
    assert membership["max_auc"] <= 0.56
    assert all(abs(a["baseline_auc"] - 0.5) < 0.04 for a in membership["attacks"].values())
    # real data duplicates itself a little; a disjoint half copies about as often as the holdout
    assert half_report.privacy["exact_copy_rate"] < 0.005
    assert not half_report.has_high_warnings
    utility = half_report.utility
    assert utility["task"] == "classification" and utility["positive_class"] == ">50K"
    assert abs(utility["synthetic"]["roc_auc"] - utility["real"]["roc_auc"]) < 0.03
    assert utility["real"]["roc_auc"] > 0.85
    assert {v["rating"] for v in half_report.verdicts if v["topic"] in ("quality", "detection", "utility")} == {"good"}


def test_exact_copy_is_caught_loudly(copy_report):
    privacy = copy_report.privacy
    assert privacy["exact_copy_rate"] == 1.0  # counted on all rows, whatever the samples
    # distances use samples (6,000 of 16,280 training rows), so only part of the copies sit at 0
    assert privacy["dcr_share"] > 0.6
    assert any(w["code"] == "dcr_share" and w["severity"] == "high" for w in copy_report.warnings)
    high = [w for w in copy_report.warnings if w["severity"] == "high"]
    assert high and high[0]["code"] == "exact_copies" and "100.0%" in high[0]["message"]
    assert copy_report.warnings[0] is high[0]  # the loudest warning comes first
    assert "WARNING" in copy_report.headline()
    assert copy_report.verdicts[0]["topic"] == "privacy" and copy_report.verdicts[0]["rating"] == "poor"
    # the synthetic sample holds 6,000 of the 16,280 copied rows, so about a third of the members sit on one
    membership = privacy["membership_inference"]
    assert membership["strongest"] == "distance" and 0.62 < membership["max_auc"] < 0.76
    assert abs(membership["attacks"]["distance"]["baseline_auc"] - 0.5) < 0.04
    # identical rows share a fold, so the detector cannot exploit a twin and sits at chance
    assert abs(copy_report.fidelity["detection"]["roc_auc"] - 0.5) < 0.02


def test_shuffled_columns_break_pair_trends_and_are_detected(shuffled_report, half_report):
    shuffled, half = shuffled_report.fidelity, half_report.fidelity
    # every column keeps its distribution...
    assert shuffled["quality"]["column_shapes"] > 0.97
    assert abs(shuffled["quality"]["column_shapes"] - half["quality"]["column_shapes"]) < 0.01
    # ...but the relations between them are gone
    assert shuffled["quality"]["column_pair_trends"] < half["quality"]["column_pair_trends"] - 0.15
    assert shuffled["associations"]["mean_abs_difference"] > 5 * half["associations"]["mean_abs_difference"]
    assert shuffled["detection"]["roc_auc"] >= 0.9
    assert any(w["code"] == "detectable" for w in shuffled_report.warnings)
    utility = shuffled_report.utility
    assert utility["synthetic"]["roc_auc"] < 0.6 < utility["real"]["roc_auc"]
    quality_verdict = next(v for v in shuffled_report.verdicts if v["topic"] == "quality")
    assert "weakest pair" in quality_verdict["text"]


def test_exact_copy_without_subsampling_sits_on_the_training_rows(adult, adult_test):
    from tabgan.evaluation import evaluate

    real = adult.iloc[:3000].reset_index(drop=True)
    report = evaluate(real, real.sample(frac=1.0, random_state=3), holdout=adult_test.iloc[:3000], max_rows=None)
    privacy = report.privacy
    assert privacy["exact_copy_rate"] == 1.0
    assert privacy["dcr"]["synthetic"]["zero_rate"] == 1.0
    assert privacy["dcr_share"] == 1.0
    assert privacy["dcr"]["holdout"]["zero_rate"] < 0.01
    assert privacy["membership_inference"]["attacks"]["distance"]["auc"] > 0.99
    assert any(w["code"] == "membership_inference" for w in report.warnings)
    assert report.subsample["real"] == {"rows": 3000, "used": 3000}
