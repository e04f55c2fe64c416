"""Render an :class:`~tabgan.evaluation.report.EvaluationReport` as one self-contained HTML page.

Plain HTML with inline CSS; charts are inline base64 PNGs; no scripts and no external URLs.
Order: warnings and verdicts in plain words first, then the headline numbers, per-column
distributions, association heat maps, detection, utility, privacy distances, and the details.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tabgan.evaluation import charts

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1d2330;
       background: #f6f7f9; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid #e3e6ea; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.sub { color: #5b6472; margin: 0 0 18px; font-size: 14px; }
.warning { border-radius: 6px; padding: 12px 16px; margin: 10px 0; font-size: 15px; }
.warning.high { background: #fde2e1; border: 2px solid #c62828; color: #7f1414; font-weight: 600; font-size: 17px; }
.warning.medium { background: #fff4dc; border: 1px solid #e0a100; }
.warning.info { background: #eef3fa; border: 1px solid #b9c9e0; color: #34465e; font-size: 14px; }
ul.verdicts { list-style: none; padding: 0; margin: 8px 0; }
ul.verdicts li { margin: 8px 0; padding: 10px 14px; border-left: 6px solid #999; background: #f7f8fa; font-size: 15px; }
li.good { border-left-color: #2e7d32 !important; } li.fair { border-left-color: #e0a100 !important; }
li.poor { border-left-color: #c62828 !important; } li.info { border-left-color: #6b7a90 !important; }
.badge { display: inline-block; min-width: 44px; text-align: center; font-size: 12px; font-weight: 700; color: #fff;
         border-radius: 10px; padding: 1px 8px; margin-right: 8px; text-transform: uppercase; }
.badge.good { background: #2e7d32; } .badge.fair { background: #b58100; } .badge.poor { background: #c62828; }
.badge.info { background: #6b7a90; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 14px; }
th, td { border: 1px solid #dde1e6; padding: 4px 10px; text-align: left; }
th { background: #f0f2f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { flex: 1 1 160px; border: 1px solid #dde1e6; border-radius: 8px; padding: 10px 14px; background: #fbfcfd; }
.card .v { font-size: 24px; font-weight: 700; } .card .k { font-size: 13px; color: #5b6472; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
.grid img { width: 340px; height: auto; border: 1px solid #eceef1; }
img.wide { max-width: 100%; height: auto; }
p.note { color: #5b6472; font-size: 13px; }
"""


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _img(b64: str, alt: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<img{klass} alt="{escape(alt)}" src="data:image/png;base64,{b64}">'


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _card(value: str, key: str) -> str:
    return f'<div class="card"><div class="v">{escape(value)}</div><div class="k">{escape(key)}</div></div>'


_ATTACK_NAMES = {
    "distance": "distance (how close the nearest synthetic row is)",
    "density_ratio": "density ratio (are synthetic rows denser around the row than real rows? DOMIAS-style)",
}


def _membership_html(priv: dict[str, Any]) -> str:
    """The membership-inference part of the privacy section."""
    attack = priv.get("membership_inference")
    head = "<h3>Membership inference</h3>"
    if attack is None:
        reason = priv.get("membership_inference_skipped") or "it needs real holdout rows"
        return head + f'<p class="note">Not measured: {escape(reason)}.</p>'
    rows = [[_ATTACK_NAMES.get(name, name), _num(a["auc"]), _num(a["baseline_auc"])]
            for name, a in attack["attacks"].items()]
    n = attack["rows"]
    return (
        head
        + f"<p>An attacker holding the synthetic table scores {n['members']:,} training rows and "
        f"{n['non_members']:,} unseen real rows; the ROC AUC says how well the scores tell them apart "
        "(0.5: no better than guessing; 1.0: every training row picked out).</p>"
        + _table(["attack", "ROC AUC, synthetic table", "ROC AUC, unseen real rows (baseline)"], rows)
        + '<p class="note">Baseline: the same attack with the synthetic table replaced by '
        f"{n['baseline_release']:,} real rows nobody trained on, which carry no membership signal. The density-ratio "
        f"attack compares with {n['reference']:,} other unseen real rows. All parts are disjoint random "
        "samples.</p>"
    )


def _protection_html(protection: dict[str, Any] | None) -> str:
    """How the generating model protected its training rows (from its model directory)."""
    head = "<h3>Protection in the model</h3>"
    if protection is None:
        return head + '<p class="note">Not known: pass the model directory (--model) to show it.</p>'
    dp = protection.get("differential_privacy")
    rows = [
        ["copies of training rows filtered out", "yes" if protection.get("no_copies") else "no"],
        ["rare labels hidden (seen fewer times than)",
         f"{protection['rare_category_threshold']} + random 0–{protection['rare_category_margin']}"
         if protection.get("rare_category_threshold") else "no"],
        ["numbers clipped to training quantiles",
         f"{protection['clip_quantile']:g} – {1 - protection['clip_quantile']:g}" if protection.get("clip_quantile")
         else "no"],
        ["differential privacy (DP-SGD)",
         f"ε = {dp['epsilon']:.3g} spent of {dp['target_epsilon']:g}, δ = {dp['delta']:.2g}, noise multiplier "
         f"{dp['noise_multiplier']:.3g}, {dp['steps_done']:,} steps" if dp else "no"],
    ]
    note = ('<p class="note">Differential privacy covers the network weights; the schema and the encoders '
            "(labels, bounds, mixture modes) come from the data without noise (docs/PRIVACY.md).</p>" if dp else "")
    return head + _table(["protection", "setting"], rows) + note


def render_html(report: Any) -> str:
    """The HTML page of ``report``."""
    d = report.to_dict()
    fid, priv, util = d["fidelity"], d["privacy"], d["utility"]
    parts: list[str] = []
    add = parts.append
    add("<h1>Synthetic data evaluation</h1>")
    sub = d["subsample"]
    rows_text = f"{sub['real']['rows']:,} real rows, {sub['synthetic']['rows']:,} synthetic rows"
    if sub.get("holdout"):
        rows_text += f", {sub['holdout']['rows']:,} holdout rows"
    add(f'<p class="sub">{escape(rows_text)}; tabgan {escape(str(d["info"]["tabgan_version"]))}, '
        f'SDMetrics {escape(str(d["info"]["sdmetrics_version"]))}, seed {escape(str(d["info"]["seed"]))}.</p>')

    for w in d["warnings"]:
        prefix = "WARNING: " if w["severity"] == "high" else ""
        add(f'<div class="warning {escape(w["severity"])}">{escape(prefix + w["message"])}</div>')

    add("<h2>Verdicts</h2><ul class=\"verdicts\">")
    for v in d["verdicts"]:
        add(f'<li class="{escape(v["rating"])}"><span class="badge {escape(v["rating"])}">{escape(v["rating"])}</span>'
            f'{escape(v["text"])}</li>')
    add("</ul>")

    add('<div class="cards">')
    add(_card(_num(fid["quality"]["score"]), "quality (0–1, higher is better)"))
    add(_card(_num(fid["detection"].get("roc_auc")), "detection ROC AUC (0.5 is ideal)"))
    add(_card(_pct(priv["exact_copy_rate"]), "exact copies of real rows"))
    add(_card(_num(priv.get("dcr_share")), "DCR share (0.5 is ideal)"))
    if priv.get("membership_inference"):
        add(_card(_num(priv["membership_inference"]["max_auc"]), "membership attack ROC AUC (0.5 is ideal)"))
    if util and not util.get("skipped"):
        key = "roc_auc" if util["task"] == "classification" else "r2"
        add(_card(_num((util.get("synthetic") or {}).get(key)), f"train-synthetic {key.replace('_', ' ').upper()}"))
    add("</div>")

    # fidelity ---------------------------------------------------------------------------
    q = fid["quality"]
    add("<h2>Fidelity</h2>")
    add(_table(["SDMetrics quality", "score"], [
        ["overall quality", _num(q["score"])],
        ["column shapes", _num(q["column_shapes"])],
        ["column pair trends", _num(q["column_pair_trends"])],
        ["diagnostic: data validity", _num(fid["diagnostic"].get("data_validity"))],
        ["diagnostic: data structure", _num(fid["diagnostic"].get("data_structure"))],
    ]))
    add("<h3>Columns: real against synthetic</h3>")
    add('<p class="note">Blue bars: real rows; orange: synthetic rows. The score is SDMetrics\' column '
        'shape score (KS complement for numbers, TV complement for labels; 1 is identical).</p>')
    figures = report.figures
    add('<div class="grid">')
    for entry in figures.get("distributions", []):
        score = (q["columns"].get(entry["name"]) or {}).get("score")
        add(_img(charts.distribution_png(entry, score), f"distribution of {entry['name']}"))
    add("</div>")

    assoc = figures.get("associations")
    add("<h3>Associations between columns</h3>")
    if assoc and len(assoc["columns"]) > 1:
        add(_img(charts.association_png(assoc["columns"], assoc["real"], assoc["synthetic"]),
                 "association heat maps of the real and synthetic tables", "wide"))
        add(f'<p class="note">Cramér\'s V between every pair of columns (numbers in 10 quantile bins); mean '
            f'absolute difference real against synthetic: {escape(_num(assoc["mean_abs_difference"]))}.</p>')
    else:
        add('<p class="note">Fewer than two columns: no associations to show.</p>')
    scored = [p for p in q["pairs"] if p["score"] is not None]
    if scored:
        worst = sorted(scored, key=lambda p: p["score"])[:12]
        add("<p>Pairs that SDMetrics scores (real association strong enough), weakest first:</p>")
        add(_table(["column 1", "column 2", "metric", "score"],
                   [[p["column_1"], p["column_2"], str(p["metric"]), _num(p["score"])] for p in worst], numeric_from=3))

    det = fid["detection"]
    add("<h3>Detection</h3>")
    add(f'<p>A gradient-boosting classifier was trained to tell {det["rows_per_table"]:,} real rows from as many '
        f'synthetic rows ({det["folds"]}-fold cross-validation). ROC AUC: <b>{escape(_num(det.get("roc_auc")))}</b> '
        '(0.5: it cannot tell them apart; 1.0: it always can).</p>')

    # utility ----------------------------------------------------------------------------
    add("<h2>Utility</h2>")
    if util is None:
        add('<p class="note">Not measured: it needs a target column and real holdout rows.</p>')
    elif util.get("skipped"):
        add(f'<p class="note">Skipped: {escape(util["skipped"])}.</p>')
    else:
        metrics = ["roc_auc", "f1"] if util["task"] == "classification" else ["r2"]
        labels = {"roc_auc": "ROC AUC", "f1": "F1", "r2": "R²"}
        rows = []
        for name, label in (("real", "train on real"), ("synthetic", "train on synthetic"),
                            ("augmented", "train on real + synthetic"),
                            ("smote", "train on real oversampled by SMOTE (baseline)")):
            if name == "smote" and name not in util:
                continue
            scores = util.get(name) or {}
            rows.append([label] + [_num(scores.get(m)) for m in metrics])
        add(f"<p>Predicting <b>{escape(util['target'])}</b> ({escape(util['task'])}); every model is tested on "
            f"the same {util['rows']['holdout']:,} real holdout rows.</p>")
        add(_table(["model"] + [labels[m] for m in metrics], rows))
        if util.get("positive_class") is not None:
            add(f'<p class="note">Positive class: {escape(str(util["positive_class"]))}.</p>')

    # privacy ----------------------------------------------------------------------------
    add("<h2>Privacy</h2>")
    dcr, nndr = priv["dcr"], priv["nndr"]
    prows = [
        ["exact copies of training rows (synthetic)", _pct(priv["exact_copy_rate"])],
        ["exact copies of training rows (holdout, baseline)", _pct(priv.get("exact_copy_rate_holdout"))],
        ["DCR share (0.5 is ideal)", _num(priv.get("dcr_share"))],
        ["median DCR, synthetic rows", _num(dcr["synthetic"].get("p50"))],
        ["median DCR, holdout rows", _num((dcr.get("holdout") or {}).get("p50"))],
        ["5th percentile DCR, synthetic rows", _num(dcr["synthetic"].get("p05"))],
        ["5th percentile DCR, holdout rows", _num((dcr.get("holdout") or {}).get("p05"))],
        ["median NNDR, synthetic rows", _num(nndr["synthetic"].get("p50"))],
        ["median NNDR, holdout rows", _num((nndr.get("holdout") or {}).get("p50"))],
    ]
    add(_table(["measure", "value"], prows))
    distances = figures.get("distances")
    if distances:
        add(_img(charts.distance_png(distances), "distance to the closest training row", "wide"))
    add('<p class="note">DCR: distance to the closest training row. Numbers are replaced by their quantile '
        'among the training rows (0–1); a different label adds 1 to the squared distance; null against a value '
        'costs at least 1. Holdout rows are real rows the generator never saw: synthetic rows should be no '
        'closer to the training rows than they are.</p>')
    add(_membership_html(priv))
    add(_protection_html(priv.get("protection")))

    # details ----------------------------------------------------------------------------
    add("<h2>Details</h2>")
    add(_table(["column", "kind", "shape metric", "shape score", "validity"], [
        [name, kind, str((q["columns"].get(name) or {}).get("metric") or "–"),
         _num((q["columns"].get(name) or {}).get("score")),
         _num((fid["diagnostic"]["columns"].get(name) or {}).get("score"))]
        for name, kind in d["info"]["columns"].items()
    ], numeric_from=3))
    add(f'<p class="note">{escape(sub["method"])}; at most {escape(str(sub["max_rows"]))} rows per table. '
        f'Seconds: {escape(", ".join(f"{k} {v}" for k, v in d["info"]["seconds"].items()))}.</p>')

    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<link rel=\"icon\" href=\"data:,\"><title>tabgan evaluation report</title>"
        f"<style>{_CSS}</style></head><body><main>\n{body}\n</main></body></html>\n"
    )
