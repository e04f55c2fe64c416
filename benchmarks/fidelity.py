"""Fidelity ablations: one change at a time against the defaults, scored the same way.

Each run fits tabgan (Python API, seed 0 unless ``--seed``) on one table of ../shared/datasets
with the defaults plus the run's settings, samples as many rows as the training table and
scores them with ``tabgan.evaluation.evaluate`` against the training rows and the holdout
(Adult: adult_test.csv; the others: the 80/20 split of ``benchmarks/privacy.py``): SDMetrics
quality, shapes, trends, detection AUC, train-on-synthetic ROC AUC, exact-copy rate, DCR
share, and the fit's wall seconds.

Usage: python benchmarks/fidelity.py --table adult --variant defaults no_spikes [--seed 0] [--save-dir DIR]
       python benchmarks/fidelity.py --markdown
Results are merged into benchmarks/results/fidelity.json, keyed "variant/table/seed/commit",
so a re-run at a later commit adds a row rather than replacing the earlier one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
RESULTS = REPO / "benchmarks" / "results" / "fidelity.json"

from privacy import TABLES, tables  # noqa: E402
from result_tables import markdown_table, number  # noqa: E402

from tabgan import TabGAN  # noqa: E402
from tabgan.evaluation import evaluate  # noqa: E402
from tabgan.schema import infer_schema  # noqa: E402

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {  # name: (what changes, settings)
    "defaults": ("the defaults of the commit (see the commit column)", {}),
    "no_spikes": ("no exact modes for common numbers (spike_share=0)", {"spike_share": 0.0}),
    "spikes_5pct": ("spikes for values of at least 5% (spike_share=0.05, the default before this table)", {"spike_share": 0.05}),
    "no_lookup": ("determined columns generated, not looked up (infer_schema(dependencies=False); Adult: education_num)", {"_dependencies": False}),
    "no_select_best": ("last epoch kept instead of the best validation probe", {"select_best": False}),
    "pac1": ("no PacGAN packing (pac=1)", {"pac": 1}),
    "pac2": ("critic judges pairs of rows (pac=2)", {"pac": 2}),
    "pac2_steps5000": ("pac=2 and 5,000 training steps (auto_steps=5000)", {"pac": 2, "auto_steps": 5000}),
    "no_snap": ("numbers not moved to common observed values (snap_to_common=False)", {"snap_to_common": False}),
    "pac1_critic128": ("pac=1 and a narrower critic (critic_dims=(128, 128))", {"pac": 1, "critic_dims": (128, 128)}),
    "pac1_steps4000": ("pac=1 and 4,000 training steps (auto_steps=4000)", {"pac": 1, "auto_steps": 4000}),
    "no_classifier": ("no auxiliary target classifier (classifier_weight=0)", {"classifier_weight": 0.0}),
    "classifier": ("auxiliary target classifier loss (classifier_weight=1)", {"classifier_weight": 1.0}),
    "ema999": ("sample from an average of the generator's weights (ema_decay=0.999)", {"ema_decay": 0.999}),
    "real_conditions": ("training conditions by real frequency (condition_frequency='real')", {"condition_frequency": "real"}),
    "uniform_conditions": ("training conditions uniform over options (condition_frequency='uniform')", {"condition_frequency": "uniform"}),
    "ttur": ("two time-scale updates: critic lr 4e-4, generator lr 1e-4", {"critic_lr": 4e-4, "generator_lr": 1e-4}),
    "generator3": ("a third residual block in the generator (generator_dims=(256, 256, 256))", {"generator_dims": (256, 256, 256)}),
    "heaps": ("sparse common values as modes of their own (heap_modes=100)", {"heap_modes": 100}),
    "categories500": ("500 options per categorical column before folding (max_categories=500)", {"max_categories": 500}),
    "no_target_head": ("the target drawn by the generator, not by the target head (target_head=False)", {"target_head": False}),
    "ema9995": ("sample from an average of the generator's weights (ema_decay=0.9995)", {"ema_decay": 0.9995}),
}


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "tabgan"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def run(variant: str, table: str, seed: int, code: str, save_dir: Path | None = None) -> dict[str, Any]:
    settings = dict(VARIANTS[variant][1])
    dependencies = settings.pop("_dependencies", True)  # a schema-inference switch, not a model setting
    train, holdout, target = tables(table)
    schema = infer_schema(train, target=target, dependencies=dependencies)
    started = time.perf_counter()
    model = TabGAN(random_state=seed, **settings).fit(train, schema)
    fit_seconds = time.perf_counter() - started
    synthetic = model.sample(len(train))
    if save_dir is not None:  # the model and its sample, for diagnosis (benchmarks/work/ is not committed)
        where = save_dir / f"{variant}-{table}-{seed}"
        model.save(where / "model")
        synthetic.to_parquet(where / "synthetic.parquet")
    report = evaluate(train, synthetic, schema=schema, holdout=holdout, target=target, seed=0).to_dict()
    quality = report["fidelity"]["quality"]
    utility = report["utility"]
    return {
        "variant": variant,
        "change": VARIANTS[variant][0],
        "settings": VARIANTS[variant][1],
        "table": table,
        "seed": seed,
        "quality": quality["score"],
        "column_shapes": quality["column_shapes"],
        "column_pair_trends": quality["column_pair_trends"],
        "detection_auc": report["fidelity"]["detection"]["roc_auc"],
        "tstr_auc": None if utility is None else utility["synthetic"]["roc_auc"],
        # the same classifier trained on the real training rows: the ceiling TSTR is read against
        "trtr_auc": None if utility is None else utility["real"]["roc_auc"],
        "exact_copy_rate": report["privacy"]["exact_copy_rate"],
        "dcr_share": report["privacy"]["dcr_share"],
        "fit_seconds": round(fit_seconds, 1),
        "epochs": len(model.history_.epochs),
        "probes": sum("fidelity" in e for e in model.history_.epochs),
        # training time outside the epochs themselves: the validation probes (and the hooks' bookkeeping)
        "probe_seconds": round(model.history_.timings["training"] - sum(e["seconds"] for e in model.history_.epochs), 1),
        "commit": code,
        "command": f"python benchmarks/fidelity.py --table {table} --variant {variant} --seed {seed}",
    }


def markdown(results: dict[str, Any]) -> str:
    header = ["table", "change", "seed", "quality", "shapes", "trends", "TSTR AUC (TRTR)", "detection AUC", "fit s", "commit"]
    order = list(VARIANTS)
    # a stable sort: runs of one variant, table and seed stay in the order they ran
    runs = sorted(results["runs"].values(), key=lambda r: (r["table"], order.index(r["variant"]), r["seed"]))
    rows = [
        [
            r["table"], r["change"] + (f" ({r['note']})" if r.get("note") else ""), str(r["seed"]),
            number(r["quality"]), number(r["column_shapes"]), number(r["column_pair_trends"]),
            number(r["tstr_auc"]) + (f" ({number(r['trtr_auc'])})" if r.get("trtr_auc") is not None else ""),
            number(r["detection_auc"]), f"{r['fit_seconds']:.0f}", r["commit"],
        ]
        for r in runs
    ]
    return markdown_table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", nargs="+", choices=list(TABLES), default=["adult"])
    parser.add_argument("--variant", nargs="+", choices=list(VARIANTS), default=["defaults"])
    parser.add_argument("--seed", type=int, nargs="+", default=[0])
    parser.add_argument("--save-dir", type=Path, help="also save each run's model and sample under this folder")
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table from the results")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}
    if args.markdown:
        print(markdown(results))
        return
    code = commit()  # before any run: the code this process imported
    for table in args.table:
        for variant in args.variant:
            for seed in args.seed:
                result = run(variant, table, seed, code, args.save_dir)
                results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}
                results["runs"][f"{variant}/{table}/{seed}/{code}"] = result
                RESULTS.write_text(json.dumps(results, indent=1, default=float) + "\n")
                print(json.dumps({k: result[k] for k in ("variant", "table", "quality", "column_shapes",
                                                         "column_pair_trends", "tstr_auc", "fit_seconds")}), flush=True)


if __name__ == "__main__":
    main()
