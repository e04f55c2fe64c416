"""Fidelity: how closely the synthetic table resembles the real one.

- :func:`quality` runs SDMetrics' ``QualityReport`` (column shapes, column pair trends) and
  keeps its overall, per-column and per-pair scores.
- :func:`diagnostic` runs SDMetrics' ``DiagnosticReport`` (data validity, data structure).
- :func:`detection` trains a gradient-boosting classifier to tell real rows from synthetic ones
  and reports its cross-validated ROC AUC: 0.5 means it cannot tell them apart, 1.0 that it
  always can.
- :func:`associations` measures how strongly each pair of columns is associated in one table
  (Cramér's V on binned values), for the heat maps of the HTML report.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from tabgan.evaluation.features import FeatureEncoder, as_float, openmp_threads
from tabgan.evaluation.metadata import TABLE_NAME, model_columns, to_sdmetrics_metadata
from tabgan.schema import DISCRETE_KINDS, TableSchema

DETECTION_FOLDS = 5


def clean_number(value: Any) -> float | None:
    """A float for JSON, or None for NaN/missing."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _run_report(report: Any, real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> Any:
    metadata = to_sdmetrics_metadata(schema)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({TABLE_NAME: real}, {TABLE_NAME: synthetic}, metadata, verbose=False)
    return report


def _property_scores(report: Any) -> dict[str, float | None]:
    props = report.get_properties()
    return {str(name): clean_number(score) for name, score in zip(props["Property"], props["Score"])}


def _column_details(details: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in details.to_dict("records"):
        entry: dict[str, Any] = {"metric": row.get("Metric"), "score": clean_number(row.get("Score"))}
        if isinstance(row.get("Error"), str):
            entry["error"] = row["Error"]
        out[str(row["Column"])] = entry
    return out


def quality(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> dict[str, Any]:
    """SDMetrics QualityReport: overall score, the two property scores, per column and per pair.

    Pairs whose real association is below SDMetrics' threshold (correlation 0.5, Cramér's V
    0.3) carry no score (SDMetrics leaves them out of the average) and appear with ``score`` None.
    """
    from sdmetrics.reports import QualityReport

    report = _run_report(QualityReport(), real, synthetic, schema)
    props = _property_scores(report)
    pairs = []
    for row in report.get_details("Column Pair Trends").to_dict("records"):
        pair = {
            "column_1": str(row["Column 1"]),
            "column_2": str(row["Column 2"]),
            "metric": row.get("Metric"),
            "score": clean_number(row.get("Score")),
            "real_correlation": clean_number(row.get("Real Correlation")),
            "synthetic_correlation": clean_number(row.get("Synthetic Correlation")),
            "real_association": clean_number(row.get("Real Association")),
            "meets_threshold": bool(row.get("Meets Threshold?", False)),
        }
        if isinstance(row.get("Error"), str):
            pair["error"] = row["Error"]
        pairs.append(pair)
    return {
        "score": clean_number(report.get_score()),
        "column_shapes": props.get("Column Shapes"),
        "column_pair_trends": props.get("Column Pair Trends"),
        "columns": _column_details(report.get_details("Column Shapes")),
        "pairs": pairs,
    }


def diagnostic(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> dict[str, Any]:
    """SDMetrics DiagnosticReport: data validity (per column) and data structure."""
    from sdmetrics.reports import DiagnosticReport

    report = _run_report(DiagnosticReport(), real, synthetic, schema)
    props = _property_scores(report)
    return {
        "score": clean_number(report.get_score()),
        "data_validity": props.get("Data Validity"),
        "data_structure": props.get("Data Structure"),
        "columns": _column_details(report.get_details("Data Validity")),
    }


def detection(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, seed: int, folds: int = DETECTION_FOLDS
) -> dict[str, Any]:
    """Cross-validated ROC AUC of a classifier telling real rows (0) from synthetic rows (1).

    The two tables are cut to the same number of rows (seeded), so a classifier that guesses
    scores 0.5. Folds are drawn at random per distinct row: rows identical on every non-id
    column, real or synthetic, fall in the same fold, so a synthetic copy of a real row cannot be
    recognised by its twin on the other side of a split (which would push the AUC below 0.5).
    ``roc_auc`` is computed on the out-of-fold predictions of all rows together; ``fold_roc_auc``
    lists the folds. Each fold's model stops adding trees when 10% of its training rows, held
    out, stop improving (scikit-learn's early stopping).
    """
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic))
    real_s = real.iloc[np.sort(rng.choice(len(real), n, replace=False))] if len(real) > n else real
    synth_s = synthetic.iloc[np.sort(rng.choice(len(synthetic), n, replace=False))] if len(synthetic) > n else synthetic
    encoder = FeatureEncoder.fit(schema, [real_s, synth_s])
    result: dict[str, Any] = {
        "roc_auc": None, "fold_roc_auc": [], "folds": folds, "rows_per_table": int(n),
        "model": "HistGradientBoostingClassifier",
    }
    if not encoder.columns or n < folds:
        result["skipped"] = "too few rows or no columns to compare"
        return result
    x = np.vstack([encoder.transform(real_s), encoder.transform(synth_s)])
    y = np.r_[np.zeros(n), np.ones(n)]
    columns = model_columns(schema)
    hashes = pd.util.hash_pandas_object(pd.concat([real_s[columns], synth_s[columns]], ignore_index=True), index=False)
    _, group = np.unique(hashes.to_numpy(), return_inverse=True)
    if group.max() + 1 < 2 * folds:
        result["skipped"] = "too few distinct rows to compare"
        return result
    fold_of_group = rng.permutation(group.max() + 1) % folds
    fold = fold_of_group[group]
    oof = np.empty(len(y))
    fold_scores = []
    with openmp_threads():
        _cross_predict(x, y, fold, folds, encoder.categorical_mask, seed, oof, fold_scores)
    result["roc_auc"] = float(roc_auc_score(y, oof))
    result["fold_roc_auc"] = fold_scores
    return result


def _cross_predict(
    x: np.ndarray, y: np.ndarray, fold: np.ndarray, folds: int, categorical: np.ndarray, seed: int,
    oof: np.ndarray, fold_scores: list[float],
) -> None:
    for k in range(folds):
        test_idx = np.flatnonzero(fold == k)
        train_idx = np.flatnonzero(fold != k)
        model = HistGradientBoostingClassifier(categorical_features=categorical, early_stopping=True, random_state=seed)
        model.fit(x[train_idx], y[train_idx])
        oof[test_idx] = model.predict_proba(x[test_idx])[:, 1]
        if 0 < y[test_idx].sum() < len(test_idx):
            fold_scores.append(float(roc_auc_score(y[test_idx], oof[test_idx])))


# ---------------------------------------------------------------------------------------------
# associations for the heat maps

ASSOCIATION_BINS = 10
ASSOCIATION_TOP_LABELS = 20


def binned_codes(real: pd.DataFrame, others: list[pd.DataFrame], schema: TableSchema) -> list[dict[str, np.ndarray]]:
    """Small integer codes per column, the same bins for every table (edges from ``real``).

    Numbers and datetimes: up to ``ASSOCIATION_BINS`` quantile bins of the real values.
    Labels: the ``ASSOCIATION_TOP_LABELS`` most frequent real labels, the rest in one bin.
    Nulls get a bin of their own. Id columns are left out.
    """
    tables = [real, *others]
    out: list[dict[str, np.ndarray]] = [{} for _ in tables]
    for col in schema.columns:
        if col.kind == "id":
            continue
        if col.kind in DISCRETE_KINDS:
            top = real[col.name].value_counts().index[:ASSOCIATION_TOP_LABELS]
            vocab = pd.Index(top)
            for i, t in enumerate(tables):
                codes = vocab.get_indexer(t[col.name].astype(object))
                codes[codes < 0] = len(vocab)
                codes[t[col.name].isna().to_numpy()] = len(vocab) + 1
                out[i][col.name] = codes
        else:
            numbers = [as_float(t[col.name]) for t in tables]
            finite = numbers[0][np.isfinite(numbers[0])]
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, ASSOCIATION_BINS + 1)[1:-1])) if finite.size else np.array([])
            for i, values in enumerate(numbers):
                codes = np.searchsorted(edges, values, side="right")
                codes[~np.isfinite(values)] = len(edges) + 1
                out[i][col.name] = codes
    return out


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two code arrays (0: independent, 1: one determines the other)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    r, c = int(a.max()) + 1, int(b.max()) + 1
    if r < 2 or c < 2:
        return 0.0
    n = len(a)
    table = np.bincount(a * c + b, minlength=r * c).reshape(r, c).astype(float)
    expected = np.outer(table.sum(1), table.sum(0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(1.0, chi2 / n / (min(r, c) - 1))))


def association_matrix(codes: dict[str, np.ndarray]) -> np.ndarray:
    """Symmetric matrix of Cramér's V between every pair of columns (1 on the diagonal)."""
    names = list(codes)
    k = len(names)
    matrix = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            matrix[i, j] = matrix[j, i] = cramers_v(codes[names[i]], codes[names[j]])
    return matrix


def associations(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> dict[str, Any]:
    """Association matrices of both tables and their mean absolute difference (off-diagonal)."""
    real_codes, synth_codes = binned_codes(real, [synthetic], schema)
    names = list(real_codes)
    a_real = association_matrix(real_codes)
    a_synth = association_matrix(synth_codes)
    upper = np.triu_indices(len(names), 1)
    diff = float(np.abs(a_real - a_synth)[upper].mean()) if len(names) > 1 else None
    return {"columns": names, "real": a_real, "synthetic": a_synth, "mean_abs_difference": diff}
