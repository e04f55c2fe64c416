"""Utility: is the synthetic table as useful as the real one for learning the target?

Three gradient-boosting models are fitted and all scored on the same real holdout:

- **real** (train on real, test on real, "TRTR"): fitted on the real training table;
- **synthetic** (train on synthetic, test on real, "TSTR"): fitted on the synthetic table;
- **augmented**: fitted on the real training table plus the synthetic table;
- **smote** (classification only): fitted on the real training table with its minority
  classes oversampled to balance by SMOTE/SMOTENC (imbalanced-learn), the baseline that
  augmentation with synthetic rows has to beat. ``uplift`` gives augmented minus real and
  augmented minus SMOTE, for ROC AUC and F1.

A categorical or boolean target is a classification task, scored by ROC AUC and F1; a numeric
or datetime target is a regression task, scored by R². With two classes, the positive class
(for F1 and AUC) is the rarer class of the real training table. With more classes, ROC AUC is
the mean of the one-against-rest AUCs of the classes present in the holdout, and F1 the macro
average. Rows whose target is null are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import f1_score, r2_score, roc_auc_score

from tabgan.errors import SchemaError
from tabgan.evaluation.features import MAX_CODES, FeatureEncoder, as_float, openmp_threads
from tabgan.schema import DISCRETE_KINDS, TableSchema


def _classification_scores(
    model: HistGradientBoostingClassifier, x: np.ndarray, y: np.ndarray, classes: list[str], positive: str | None
) -> dict[str, float | None]:
    predicted = model.predict(x)
    proba = np.zeros((len(x), len(classes)))
    fitted = list(model.classes_)
    proba[:, [classes.index(c) for c in fitted]] = model.predict_proba(x)
    if positive is not None:
        column = proba[:, classes.index(positive)]
        truth = y == positive
        auc = float(roc_auc_score(truth, column)) if 0 < truth.sum() < len(truth) else None
        f1 = float(f1_score(truth, predicted == positive, zero_division=0))
        return {"roc_auc": auc, "f1": f1}
    aucs = []
    for i, label in enumerate(classes):
        truth = y == label
        if 0 < truth.sum() < len(truth):
            aucs.append(roc_auc_score(truth, proba[:, i]))
    present = sorted(set(y))
    f1 = float(f1_score(y, predicted, labels=present, average="macro", zero_division=0))
    return {"roc_auc": float(np.mean(aucs)) if aucs else None, "f1": f1}


def utility(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: TableSchema,
    target: str,
    seed: int,
) -> dict[str, Any]:
    """Scores of the real, synthetic and augmented models on the holdout (see module docstring)."""
    with openmp_threads():
        return _utility(train, synthetic, holdout, schema, target, seed)


def _utility(
    train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema: TableSchema, target: str, seed: int
) -> dict[str, Any]:
    column = schema.column(target)
    if column.kind == "id":
        raise SchemaError(f"target column {target!r} is an id column; choose a column to predict")
    train = train[train[target].notna()]
    synthetic = synthetic[synthetic[target].notna()]
    holdout = holdout[holdout[target].notna()]
    task = "classification" if column.kind in DISCRETE_KINDS else "regression"
    result: dict[str, Any] = {
        "target": target,
        "task": task,
        "model": "HistGradientBoostingClassifier" if task == "classification" else "HistGradientBoostingRegressor",
        "rows": {"real": int(len(train)), "synthetic": int(len(synthetic)), "holdout": int(len(holdout))},
    }
    if len(holdout) == 0 or len(train) == 0:
        result["skipped"] = "the real table or the holdout has no rows with a target value"
        return result
    encoder = FeatureEncoder.fit(schema, [train, synthetic], exclude=(target,))
    augmented = pd.concat([train, synthetic], ignore_index=True)
    sets = {"real": train, "synthetic": synthetic, "augmented": augmented}
    x_test = encoder.transform(holdout)
    if task == "classification":
        y_test = holdout[target].to_numpy(dtype=object)
        counts = train[target].value_counts()
        classes = sorted(set(counts.index) | set(synthetic[target]) | set(y_test), key=str)
        positive = None
        if len(classes) == 2:
            positive = str(min(counts.index, key=lambda c: (counts[c], str(c)))) if len(counts) else classes[1]
            result["positive_class"] = positive
        result["classes"] = len(classes)
    for name, frame in sets.items():
        if len(frame) == 0:
            result[name] = None
            continue
        x = encoder.transform(frame)
        if task == "classification":
            y = frame[target].to_numpy(dtype=object)
            if len(set(y)) < 2:
                result[name] = {"roc_auc": None, "f1": None, "note": "only one class in the training rows"}
                continue
            model = HistGradientBoostingClassifier(categorical_features=encoder.categorical_mask, random_state=seed)
            model.fit(x, y.astype(str))
            result[name] = _classification_scores(model, x_test, y_test.astype(str), [str(c) for c in classes], positive)
        else:
            y = as_float(frame[target])
            model = HistGradientBoostingRegressor(categorical_features=encoder.categorical_mask, random_state=seed)
            model.fit(x, y)
            result[name] = {"r2": float(r2_score(as_float(holdout[target]), model.predict(x_test)))}
    if task == "classification":
        result["smote"] = _smote_baseline(encoder, train, target, x_test, y_test, classes, positive, seed)
        result["uplift"] = _uplift(result)
    return result


def _smote_baseline(
    encoder: FeatureEncoder,
    train: pd.DataFrame,
    target: str,
    x_test: np.ndarray,
    y_test: np.ndarray,
    classes: list[Any],
    positive: str | None,
    seed: int,
) -> dict[str, Any] | None:
    """The classic alternative to synthetic rows: the real rows with their minority classes
    oversampled to balance by SMOTE (SMOTENC when there are categorical features). SMOTE
    cannot take missing values, so numeric nulls get the column median and categorical nulls
    a code of their own for it."""
    from imblearn.over_sampling import SMOTE, SMOTENC

    x = encoder.transform(train)
    y = train[target].to_numpy(dtype=object).astype(str)
    counts = pd.Series(y).value_counts()
    if len(counts) < 2 or counts.min() < 2:
        return None
    mask = np.asarray(encoder.categorical_mask, dtype=bool)
    filled = x.copy()
    for j in range(filled.shape[1]):
        column = filled[:, j]
        missing = np.isnan(column)
        if missing.any():
            # a null label gets the next free code, within HistGradientBoosting's 255 categories
            free = min(np.nanmax(column) + 1, MAX_CODES) if np.isfinite(column).any() else 0
            column[missing] = free if mask[j] else np.nanmedian(column)
    neighbours = int(min(5, counts.min() - 1))
    sampler = (
        SMOTENC(categorical_features=np.flatnonzero(mask).tolist(), k_neighbors=neighbours, random_state=seed)
        if mask.any() and not mask.all()
        else SMOTE(k_neighbors=neighbours, random_state=seed)
    )
    x_res, y_res = sampler.fit_resample(filled, y)
    model = HistGradientBoostingClassifier(categorical_features=encoder.categorical_mask, random_state=seed)
    model.fit(x_res, y_res)
    scores = _classification_scores(model, x_test, y_test.astype(str), [str(c) for c in classes], positive)
    return {**scores, "rows": int(len(y_res))}


def _uplift(result: dict[str, Any]) -> dict[str, Any]:
    """Augmented minus real, and augmented minus SMOTE, for ROC AUC and F1."""
    out: dict[str, Any] = {}
    augmented, real, smote = result.get("augmented"), result.get("real"), result.get("smote")
    for metric in ("roc_auc", "f1"):
        for name, base in (("vs_real", real), ("vs_smote", smote)):
            if augmented and base and augmented.get(metric) is not None and base.get(metric) is not None:
                out[f"{metric}_{name}"] = round(float(augmented[metric]) - float(base[metric]), 4)
    return out
