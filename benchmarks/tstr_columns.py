"""Where a saved sample loses train-on-synthetic accuracy, column by column (Adult).

For a run saved by ``benchmarks/fidelity.py --save-dir DIR`` (its ``synthetic.parquet``):

- **single columns**: ROC AUC on the holdout (adult_test.csv) of a gradient-boosted model
  trained on one column alone, once on the real training rows and once on the synthetic
  rows, for every column, all columns and all but the capital columns; the gap shows which
  column's relation to the target the generator lost;
- **listed amounts**: for the 8 most common non-zero capital gains, their rows and the share
  with the positive class, real and synthetic (a value-by-value relation a smooth encoding
  blurs).

Usage: python benchmarks/tstr_columns.py benchmarks/work/fid_fixed/pac2_steps5000-adult-0
Results are merged into benchmarks/results/tstr_columns.json, keyed by the run folder's name.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "tstr_columns.json"

from privacy import tables  # noqa: E402
from saved_runs import load_saved_run, merge_result  # noqa: E402

POSITIVE = ">50K"
AMOUNT = "capital_gain"


def _features(frame: pd.DataFrame, columns: list[str], categories: dict[str, list[Any]]) -> np.ndarray:
    """The columns as numbers: categorical labels as their code among the real labels."""
    parts = [
        pd.Categorical(frame[c], categories=categories[c]).codes.astype(float) if c in categories
        else frame[c].to_numpy(dtype=float)
        for c in columns
    ]
    return np.column_stack(parts)


def _auc(train: pd.DataFrame, holdout: pd.DataFrame, target: str, columns: list[str],
         categories: dict[str, list[Any]]) -> float:
    model = HistGradientBoostingClassifier(categorical_features=[c in categories for c in columns], random_state=0)
    model.fit(_features(train, columns, categories), (train[target] == POSITIVE).astype(int))
    scores = model.predict_proba(_features(holdout, columns, categories))[:, 1]
    return float(roc_auc_score((holdout[target] == POSITIVE).astype(int), scores))


def main() -> None:
    args, real, target, synthetic = load_saved_run(__doc__.splitlines()[0])
    _, holdout, _ = tables(args.table)
    features = [c for c in real.columns if c != target]
    categories = {c: sorted(real[c].dropna().unique()) for c in features if real[c].dtype == object}
    sets = {"all": features, **{c: [c] for c in features},
            "all but the capital columns": [c for c in features if not c.startswith("capital")]}
    single = {}
    for name, columns in sets.items():
        on_real = _auc(real, holdout, target, columns, categories)
        on_synthetic = _auc(synthetic, holdout, target, columns, categories)
        single[name] = {"real": round(on_real, 3), "synthetic": round(on_synthetic, 3), "gap": round(on_real - on_synthetic, 3)}
        print(f"{name:30s} real {on_real:.3f} synthetic {on_synthetic:.3f} gap {on_real - on_synthetic:+.3f}")
    listed = {}
    for amount in real.loc[real[AMOUNT] > 0, AMOUNT].value_counts().head(8).index:
        real_rows, synthetic_rows = real[real[AMOUNT] == amount], synthetic[synthetic[AMOUNT] == amount]
        listed[str(int(amount))] = {
            "real_rows": len(real_rows), "real_positive": round(float((real_rows[target] == POSITIVE).mean()), 2),
            "synthetic_rows": len(synthetic_rows),
            "synthetic_positive": round(float((synthetic_rows[target] == POSITIVE).mean()), 2) if len(synthetic_rows) else None,
        }
        print(amount, listed[str(int(amount))])
    result = {
        "positive_share": {"real": round(float((real[target] == POSITIVE).mean()), 3),
                           "synthetic": round(float((synthetic[target] == POSITIVE).mean()), 3)},
        "single_columns": single, "capital_gain_listed": listed,
    }
    merge_result(RESULTS, args, "tstr_columns.py", result)


if __name__ == "__main__":
    main()
