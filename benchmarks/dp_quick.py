"""Quick DP check on Adult: fit with dp_epsilon for a few epochs, print quality and TSTR AUC.

Usage: python benchmarks/dp_quick.py EPSILON EPOCHS ["{\"setting\": value}"]
(run with OMP_NUM_THREADS=1 beside other jobs). Figures from it are quoted in docs/PRIVACY.md.
"""
import json
import sys
import time
from pathlib import Path

import pandas as pd

from tabgan import TabGAN
from tabgan.evaluation import evaluate
from tabgan.schema import infer_schema

eps = float(sys.argv[1])
epochs = int(sys.argv[2])
extra = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
df = pd.read_csv(DATASETS / "adult_train.csv")
test = pd.read_csv(DATASETS / "adult_test.csv")
schema = infer_schema(df, target="income")
t = time.time()
m = TabGAN(epochs=epochs, random_state=0, dp_epsilon=eps, **extra).fit(df, schema)
fit = time.time() - t
s = m.sample(len(df))
r = evaluate(df, s, schema=schema, holdout=test, target="income", seed=0, max_rows=6000).to_dict()
q = r["fidelity"]["quality"]
print(eps, epochs, extra, "fit", round(fit), "q", round(q["score"], 3), round(q["column_shapes"], 3), round(q["column_pair_trends"], 3), "tstr", round(r["utility"]["synthetic"]["roc_auc"], 3), "sigma", round(m.privacy_["differential_privacy"]["noise_multiplier"], 2), flush=True)
