"""Defaults on tables tabgan was never tuned on: scikit-learn's bundled classification sets.

Usage: python benchmarks/unseen_tables.py [--tables breast_cancer wine] [--seed 0] [--no-ctgan]

Each table (shipped inside scikit-learn, read from disk, nothing downloaded) is shuffled with
the seed and split 80/20; the real CLI fits the 80% at default settings (``tabgan fit TRAIN
--target target --seed S``), samples as many rows, and ``tabgan evaluate`` scores the sample
against the 80% with the 20% as holdout (train-on-synthetic ROC AUC, DCR share). SDV's ctgan
(the benchmark's own environment, as in speed.py) fits and samples the same split at its
defaults, scored the same way. Results are merged into benchmarks/results/unseen_tables.json
and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sklearn import datasets

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import CTGAN_RUN, ensure_ctgan_env, headline  # noqa: E402  (beside this file)

RESULTS = REPO / "benchmarks" / "results" / "unseen_tables.json"
LOADERS = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine}


def labelled_frame(name: str) -> pd.DataFrame:
    """The table with its class as text labels in a ``target`` column."""
    bunch = LOADERS[name](as_frame=True)
    frame = bunch.frame
    frame["target"] = frame["target"].map(dict(enumerate(bunch.target_names))).astype(str)
    return frame


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tabgan", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tabgan {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def ctgan_sample(train: Path, rows: int, folder: Path) -> tuple[Path, float]:
    """ctgan at its defaults on ``train`` (``target`` its discrete column): a sample of ``rows``
    rows as CSV, and the fit's seconds."""
    python = str(ensure_ctgan_env())
    data, model, output = folder / "ctgan_train.parquet", folder / "ctgan.pt", folder / "ctgan_sample.parquet"
    pd.read_csv(train).to_parquet(data, index=False)
    started = time.perf_counter()
    subprocess.run([python, str(CTGAN_RUN), "fit", str(data), "--discrete", "target", "--model", str(model),
                    "--result", str(folder / "ctgan_fit.json")], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    subprocess.run([python, str(CTGAN_RUN), "sample", "--model", str(model), "-n", str(rows), "-o", str(output),
                    "--result", str(folder / "ctgan_sample.json")], check=True, capture_output=True)
    sample = folder / "ctgan_sample.csv"
    pd.read_parquet(output).to_csv(sample, index=False)
    return sample, seconds


def scored(report: Path) -> dict:
    """The headline scores of a ``tabgan evaluate`` report (as speed.py tabulates them)."""
    return headline(json.loads(report.read_text()))


def run(name: str, seed: int, with_ctgan: bool) -> dict:
    frame = labelled_frame(name).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    cut = int(len(frame) * 0.8)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train, test, model, synthetic, report = (folder / f for f in
                                                 ("train.csv", "test.csv", "model", "synthetic.csv", "report.json"))
        frame.iloc[:cut].to_csv(train, index=False)
        frame.iloc[cut:].to_csv(test, index=False)
        started = time.perf_counter()
        cli("fit", str(train), "-o", str(model), "--target", "target", "--seed", str(seed), "--quiet")
        fit_seconds = time.perf_counter() - started
        cli("sample", str(model), "-n", str(cut), "-o", str(synthetic), "--seed", str(seed))
        cli("evaluate", str(train), str(synthetic), "--holdout", str(test), "--target", "target", "-o", str(report))
        result = {"fit_seconds": round(fit_seconds, 1), **scored(report)}
        if with_ctgan:
            peer, peer_seconds = ctgan_sample(train, cut, folder)
            cli("evaluate", str(train), str(peer), "--holdout", str(test), "--target", "target", "-o", str(folder / "ctgan.json"))
            result["ctgan"] = {"fit_seconds": round(peer_seconds, 1), **scored(folder / "ctgan.json")}
    return {
        "table": name, "seed": seed, "rows": len(frame), "columns": frame.shape[1], "classes": int(frame["target"].nunique()),
        **result,
        "command": "python benchmarks/unseen_tables.py " + " ".join(sys.argv[1:]),
    }


def markdown(results: dict) -> str:
    lines = ["| table | rows × columns | seed | system | fit s | quality | shapes | trends | detection AUC "
             "| TSTR AUC (real rows) | DCR share |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results.values():
        for system, s in (("tabgan", r), ("ctgan", r.get("ctgan"))):
            if s is None:
                continue
            lines.append(f"| {r['table']} | {r['rows']} × {r['columns']} | {r['seed']} | {system} | {s['fit_seconds']:.0f} "
                         f"| {s['quality']:.3f} | {s['column_shapes']:.3f} | {s['column_pair_trends']:.3f} "
                         f"| {s['detection_auc']:.3f} | {s['tstr_roc_auc']:.3f} ({s['trtr_roc_auc']:.3f}) | {s['dcr_share']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(LOADERS), default=sorted(LOADERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ctgan", action="store_true", help="tabgan only")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.tables:
        result = run(name, args.seed, not args.no_ctgan)
        results[f"{name}/{args.seed}"] = result
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(result), flush=True)
    print(markdown(results))


if __name__ == "__main__":
    main()
