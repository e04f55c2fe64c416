"""Per-condition fidelity of conditional sampling.

For every categorical (or boolean) column and every value with at least ``--min-rows`` real
rows, sample rows with ``column = value`` and check that all of them match; then score how
well the *other* columns follow the real conditional distribution: the mean, over those
columns, of SDMetrics' KSComplement (numbers) or TVComplement (categories) between the real
rows with that value and the synthetic ones. 1.0 is a perfect match.

With ``--holdout FILE`` (real rows the model never saw), each condition also gets a
real-against-real *baseline*: the same score between the holdout's rows with that value and
the training rows with it (when the holdout has at least 10 such rows). It is the score an
independent real sample gets, so it shows how much of the gap to 1.0 is the sampling noise of
small conditions rather than the generator.

Usage:
    python benchmarks/conditional_fidelity.py DATA [--holdout FILE] [--epochs N] [--rows N] [--out FILE]
Results go to benchmarks/results/conditional_<table>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sdmetrics.single_column import KSComplement, TVComplement

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tabgan import TabGAN, infer_schema  # noqa: E402
from tabgan.io import read_table  # noqa: E402


def column_score(real, fake, kind: str) -> float:
    real, fake = real.dropna(), fake.dropna()
    if len(real) == 0 or len(fake) == 0:
        return float(len(real) == len(fake))
    if kind in ("continuous", "integer"):
        return float(KSComplement.compute(real.astype(float), fake.astype(float)))
    return float(TVComplement.compute(real.astype(str), fake.astype(str)))


def condition_score(real, fake, columns) -> float:
    """Mean column score of ``fake`` against ``real`` over ``columns`` (schema columns)."""
    return float(np.mean([column_score(real[c.name], fake[c.name], c.kind) for c in columns]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data")
    parser.add_argument("--holdout", default=None, help="real rows not used for fitting, for the baseline")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--rows", type=int, default=500, help="synthetic rows per condition")
    parser.add_argument("--min-rows", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    real = read_table(args.data)
    holdout = None if args.holdout is None else read_table(args.holdout)
    schema = infer_schema(real)
    settings = {} if args.epochs is None else {"epochs": args.epochs}
    started = time.perf_counter()
    model = TabGAN(random_state=args.seed, device="cpu", **settings).fit(real, schema)
    fit_seconds = time.perf_counter() - started
    scored = [c for c in schema.columns if c.kind in ("categorical", "boolean", "continuous", "integer")]
    results = []
    started = time.perf_counter()
    for column in schema.columns:
        if column.kind not in ("categorical", "boolean"):
            continue
        counts = real[column.name].value_counts()
        for value, count in counts[counts >= args.min_rows].items():
            value = value.item() if isinstance(value, np.generic) else value
            fake = model.sample(args.rows, seed=args.seed + len(results), conditions={column.name: value})
            matching = float((fake[column.name] == value).mean())
            subset = real[real[column.name] == value]
            others = [c for c in scored if c.name != column.name]
            score = condition_score(subset, fake, others)
            result = {"column": column.name, "value": value, "real_rows": int(count),
                      "matching": matching, "fidelity": round(score, 4)}
            if holdout is not None:
                unseen = holdout[holdout[column.name] == value]
                result["holdout_rows"] = len(unseen)
                if len(unseen) >= 10:
                    result["baseline"] = round(condition_score(subset, unseen, others), 4)
            results.append(result)
    sample_seconds = time.perf_counter() - started
    table = Path(args.data).name.split(".")[0]
    payload = {
        "command": "python benchmarks/conditional_fidelity.py " + " ".join(sys.argv[1:]),
        "table": table, "fit_seconds": round(fit_seconds, 1), "sampling_seconds": round(sample_seconds, 1),
        "conditions": len(results),
        "all_rows_match": all(r["matching"] == 1.0 for r in results),
        "mean_fidelity": round(float(np.mean([r["fidelity"] for r in results])), 4),
        "min_fidelity": round(float(np.min([r["fidelity"] for r in results])), 4),
    }
    with_baseline = [r for r in results if "baseline" in r]
    if with_baseline:  # both means over the same conditions
        payload["baseline_conditions"] = len(with_baseline)
        payload["mean_baseline"] = round(float(np.mean([r["baseline"] for r in with_baseline])), 4)
        payload["mean_fidelity_where_baseline"] = round(float(np.mean([r["fidelity"] for r in with_baseline])), 4)
    payload["results"] = results
    out = Path(args.out) if args.out else REPO / "benchmarks" / "results" / f"conditional_{table}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1, default=str))
    print(json.dumps({k: v for k, v in payload.items() if k != "results"}))


if __name__ == "__main__":
    main()
