"""Plain-word verdicts and warnings from the numbers of an evaluation.

Each verdict is ``{"topic", "rating", "text"}`` with rating ``good``, ``fair`` or ``poor``
(``info`` where there is nothing to rate). Each warning is ``{"severity", "code", "message"}``
with severity ``high`` (something is wrong: e.g. the synthetic table copies real rows),
``medium`` or ``info``. The thresholds are the constants below.
"""

from __future__ import annotations

from math import sqrt
from typing import Any

QUALITY_GOOD, QUALITY_FAIR = 0.90, 0.75
DETECTION_GOOD, DETECTION_FAIR = 0.60, 0.80
DETECTION_WARN = 0.90
VALIDITY_GOOD = 0.99
UTILITY_GOOD_GAP, UTILITY_FAIR_GAP = 0.03, 0.10  # drop in ROC AUC or R², synthetic vs real
COPY_RATE_HIGH = 0.01  # exact copies above this (and above twice the holdout's rate) are loud
COPY_RATE_NOISE = 0.001  # up to this much above 1.5 times the holdout's rate counts as chance
DCR_SHARE_GOOD, DCR_SHARE_FAIR = 0.55, 0.60
MEMBERSHIP_GOOD, MEMBERSHIP_FAIR = 0.60, 0.70  # ROC AUC of the strongest membership attack
MEMBERSHIP_FEW_ROWS = 500  # below this many rows per part the verdict says the AUC is rough


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if x >= 0.001 or x == 0 else f"{100 * x:.2f}%"


def _rate(value: float, good: float, fair: float, higher_is_better: bool) -> str:
    if higher_is_better:
        return "good" if value >= good else "fair" if value >= fair else "poor"
    return "good" if value <= good else "fair" if value <= fair else "poor"


def _weakest(quality: dict[str, Any]) -> str:
    """A sentence naming the weakest column (or pair, when pairs are the weaker property)."""
    shapes, pairs = quality.get("column_shapes"), quality.get("column_pair_trends")
    scored_pairs = [p for p in quality.get("pairs", []) if p.get("score") is not None]
    if pairs is not None and scored_pairs and (shapes is None or pairs < shapes):
        worst = min(scored_pairs, key=lambda p: p["score"])
        return (f"Relations between columns suffer most (pair trends {pairs:.2f}); weakest pair: "
                f"{worst['column_1']} and {worst['column_2']} ({worst['score']:.2f}).")
    columns = {k: v["score"] for k, v in quality.get("columns", {}).items() if v.get("score") is not None}
    if not columns:
        return ""
    worst_column = min(columns, key=columns.get)
    return f"Least similar column: {worst_column} ({columns[worst_column]:.2f})."


def _membership(privacy: dict[str, Any], verdicts: list[dict[str, str]], warnings: list[dict[str, str]]) -> None:
    """Verdict (and a warning when poor) on the strongest membership-inference attack."""
    attack = privacy.get("membership_inference")
    if attack is None:
        skipped = privacy.get("membership_inference_skipped")
        if skipped and (privacy.get("rows") or {}).get("holdout") is not None:
            verdicts.append({"topic": "privacy_membership", "rating": "info",
                             "text": f"Membership attacks were not run: {skipped}."})
        return
    auc, name = attack["max_auc"], attack["strongest"].replace("_", "-")
    baseline = attack["attacks"][attack["strongest"]]["baseline_auc"]
    rating = _rate(auc, MEMBERSHIP_GOOD, MEMBERSHIP_FAIR, False)
    words = {"good": "can hardly tell", "fair": "can partly tell", "poor": "can tell"}[rating]
    text = (f"An attacker holding the synthetic table {words} training rows from unseen real rows "
            f"(strongest membership attack: {name}, ROC AUC {auc:.2f}; the same attack on a release of unseen "
            f"real rows: {baseline:.2f}; 0.5 means guessing).")
    rows = attack["rows"]["members"]
    if rows < MEMBERSHIP_FEW_ROWS:
        text += f" Only {rows} rows per part: the AUCs are rough (about ±{2 / sqrt(6 * rows):.2f})."
    verdicts.append({"topic": "privacy_membership", "rating": rating, "text": text})
    if auc > MEMBERSHIP_FAIR:
        warnings.append({"severity": "high", "code": "membership_inference",
                         "message": f"A membership attack picks out training rows using the synthetic table "
                         f"({name} attack ROC AUC {auc:.2f}, ideal 0.5): the table reveals who was in the "
                         "training data."})


def judge(report: dict[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(verdicts, warnings) for the fidelity/utility/privacy sections of a report dict."""
    verdicts: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []
    fidelity, privacy, utility = report["fidelity"], report["privacy"], report.get("utility")

    copy_rate = privacy["exact_copy_rate"]
    baseline = privacy.get("exact_copy_rate_holdout")
    base_text = f" (real holdout rows: {_pct(baseline)})" if baseline is not None else ""
    loud = copy_rate > max(COPY_RATE_HIGH, 2 * (baseline or 0.0))
    if loud:
        warnings.append({
            "severity": "high", "code": "exact_copies",
            "message": f"{_pct(copy_rate)} of the synthetic rows are exact copies of real training rows"
            f"{base_text}. The synthetic table leaks real records: do not share it."
            + ("" if baseline is not None else " (Without a holdout there is no baseline: a table with few "
               "distinct rows repeats rows by chance; pass a holdout to compare.)"),
        })
        verdicts.append({"topic": "privacy", "rating": "poor", "text":
            f"{_pct(copy_rate)} of the synthetic rows are exact copies of real rows{base_text}: "
            "the generator memorised its training data."})
    elif copy_rate > 1.5 * (baseline or 0.0) + COPY_RATE_NOISE:
        warnings.append({
            "severity": "medium", "code": "exact_copies",
            "message": f"{_pct(copy_rate)} of the synthetic rows are exact copies of real training rows{base_text}.",
        })

    quality = fidelity["quality"]["score"]
    if quality is not None:
        rating = _rate(quality, QUALITY_GOOD, QUALITY_FAIR, True)
        words = {"good": "closely match", "fair": "roughly match", "poor": "do not match"}[rating]
        text = f"The synthetic columns and pairs of columns {words} the real ones (quality {quality:.2f} of 1)."
        if rating != "good":
            text += " " + _weakest(fidelity["quality"])
        verdicts.append({"topic": "quality", "rating": rating, "text": text})

    auc = fidelity["detection"].get("roc_auc")
    if auc is not None:
        rating = _rate(auc, DETECTION_GOOD, DETECTION_FAIR, False)
        words = {"good": "can hardly tell", "fair": "can partly tell", "poor": "can easily tell"}[rating]
        verdicts.append({"topic": "detection", "rating": rating, "text":
            f"A classifier {words} synthetic rows from real ones (ROC AUC {auc:.2f}; 0.5 means indistinguishable)."})
        if auc >= DETECTION_WARN:
            warnings.append({"severity": "medium", "code": "detectable",
                             "message": f"Synthetic rows are easy to tell from real ones (detection ROC AUC {auc:.2f})."})

    validity = fidelity["diagnostic"].get("data_validity")
    if validity is not None and validity < VALIDITY_GOOD:
        verdicts.append({"topic": "validity", "rating": "fair" if validity >= 0.9 else "poor", "text":
            f"Some synthetic values lie outside the real ranges or categories (validity {validity:.2f} of 1)."})

    if utility and not utility.get("skipped"):
        key = "roc_auc" if utility["task"] == "classification" else "r2"
        real = (utility.get("real") or {}).get(key)
        synth = (utility.get("synthetic") or {}).get(key)
        aug = (utility.get("augmented") or {}).get(key)
        name = "ROC AUC" if key == "roc_auc" else "R²"
        if real is not None and synth is not None:
            gap = real - synth
            rating = _rate(gap, UTILITY_GOOD_GAP, UTILITY_FAIR_GAP, False)
            words = {"good": "about as well as", "fair": "somewhat worse than", "poor": "much worse than"}[rating]
            text = (f"A model trained on synthetic rows predicts {utility['target']} on unseen real rows {words} "
                    f"one trained on real rows ({name} {synth:.3f} against {real:.3f}).")
            if aug is not None:
                change = aug - real
                effect = "improves it" if change > 0.005 else "makes it worse" if change < -0.005 else "does not change it"
                text += f" Adding the synthetic rows to the real ones {effect} ({name} {aug:.3f})."
            verdicts.append({"topic": "utility", "rating": rating, "text": text})

    share = privacy.get("dcr_share")
    if share is not None:
        rating = _rate(share, DCR_SHARE_GOOD, DCR_SHARE_FAIR, False)
        text = (f"{_pct(share)} of the synthetic rows are closer to a training row than to an unseen real row "
                "(50% is ideal; much more means the generator memorised its training rows).")
        verdicts.append({"topic": "privacy_distance", "rating": rating, "text": text})
        if share > DCR_SHARE_FAIR:
            warnings.append({"severity": "high", "code": "dcr_share",
                             "message": f"Synthetic rows sit closer to the training rows than unseen real rows do "
                             f"(DCR share {share:.2f}, ideal 0.5): likely memorisation."})
    else:
        verdicts.append({"topic": "privacy_distance", "rating": "info", "text":
            "Without a holdout table the distance to training rows cannot be compared with unseen real rows "
            "(pass --holdout to get the DCR share and the membership attacks)."})
    _membership(privacy, verdicts, warnings)
    if not loud and copy_rate <= 1.5 * (baseline or 0.0) + COPY_RATE_NOISE:
        verdicts.append({"topic": "privacy", "rating": "good", "text":
            f"Hardly any synthetic rows copy a real row ({_pct(copy_rate)}{base_text})."})
    elif not loud:
        verdicts.append({"topic": "privacy", "rating": "fair", "text":
            f"A few synthetic rows ({_pct(copy_rate)}) are exact copies of real rows{base_text}."})

    order = {"high": 0, "medium": 1, "info": 2}
    warnings.sort(key=lambda w: order[w["severity"]])
    return verdicts, warnings
