"""Augmentation uplift on credit_data: real rows plus synthetic rows of the rare class
(Status = bad) against real rows alone and against SMOTE.

For each seed: a stratified 70/30 split of credit_data (train / holdout); tabgan fitted on
the train part at default settings; ``augment(..., balance=True)`` adds synthetic 'bad'
rows until the classes are equal; ``tabgan.evaluate`` then trains gradient boosting on
(a) the real train rows, (b) real + synthetic, (c) real oversampled by SMOTENC, and scores
each on the same holdout (ROC AUC, F1 of 'bad').

Usage: python benchmarks/augmentation.py [--seeds 0 1 2] [--epochs N]
Writes benchmarks/results/augmentation_credit.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO))

from tabgan import TabGAN, evaluate, infer_schema  # noqa: E402
from tabgan.augment import augment  # noqa: E402
from tabgan.io import read_table  # noqa: E402

TARGET = "Status"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    data = read_table(DATASETS / "credit_data.csv")
    schema = infer_schema(data, target=TARGET)
    runs = []
    for seed in args.seeds:
        train, holdout = train_test_split(data, test_size=0.3, stratify=data[TARGET], random_state=seed)
        train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
        settings = {} if args.epochs is None else {"epochs": args.epochs}
        started = time.perf_counter()
        model = TabGAN(random_state=seed, device="cpu", **settings).fit(train, schema)
        fit_seconds = time.perf_counter() - started
        augmented = augment(train, model, TARGET, balance=True, seed=seed)
        synthetic = augmented.iloc[len(train):].reset_index(drop=True)
        utility = evaluate(train, synthetic, schema=schema, holdout=holdout, target=TARGET, seed=seed).to_dict()["utility"]
        run = {
            "seed": seed, "fit_seconds": round(fit_seconds, 1), "train_rows": len(train),
            "synthetic_rows": len(synthetic), "holdout_rows": len(holdout),
            "real": utility["real"], "augmented": utility["augmented"], "smote": utility["smote"],
            "uplift": utility["uplift"],
        }
        print(json.dumps(run), flush=True)
        runs.append(run)

    def mean(name: str, metric: str) -> float:
        return round(float(np.mean([r[name][metric] for r in runs])), 4)

    summary = {m: {v: mean(v, m) for v in ("real", "augmented", "smote")} for m in ("roc_auc", "f1")}
    payload = {"command": "python benchmarks/augmentation.py " + " ".join(sys.argv[1:]),
               "table": "credit_data", "target": f"{TARGET} (positive class: bad)", "runs": runs, "mean": summary}
    out = REPO / "benchmarks" / "results" / "augmentation_credit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1))
    print("\n| training rows | ROC AUC | F1 (bad) |\n| --- | --- | --- |")
    for name, label in (("real", "real only"), ("smote", "real + SMOTENC to balance"),
                        ("augmented", "real + tabgan rows to balance")):
        print(f"| {label} | {summary['roc_auc'][name]} | {summary['f1'][name]} |")


if __name__ == "__main__":
    main()
