"""``evaluate``: score a synthetic table against the real one it imitates.

Subsampling: every table (real, synthetic, holdout) larger than ``max_rows`` (default
``DEFAULT_MAX_ROWS`` = 20,000) is cut to ``max_rows`` rows drawn without replacement by
``numpy.random.default_rng(seed)``; all scores are computed on these samples, except the
exact-copy rates, which use every row. The detection classifier then uses equally many real and
synthetic rows, and the distance measures equally many training and holdout rows. The
``subsample`` entry of the report records what was used.

Threads: the gradient-boosting models and the nearest-neighbour search run with one OpenMP
thread (see :func:`tabgan.evaluation.features.openmp_threads`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tabgan.errors import ConfigError, SchemaError
from tabgan.evaluation import charts
from tabgan.evaluation.features import openmp_threads
from tabgan.evaluation.fidelity import associations, detection, diagnostic, quality
from tabgan.evaluation.metadata import prepare_frame
from tabgan.evaluation.privacy import privacy
from tabgan.evaluation.report import EvaluationReport
from tabgan.evaluation.utility import utility
from tabgan.evaluation.verdicts import judge
from tabgan.io import read_table
from tabgan.schema import TableSchema, infer_schema

DEFAULT_MAX_ROWS = 20_000

TableLike = pd.DataFrame | str | Path


def _load(table: TableLike) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    return read_table(table)


def _subsample(frame: pd.DataFrame, max_rows: int | None, rng: np.random.Generator) -> pd.DataFrame:
    if max_rows is None or len(frame) <= max_rows:
        return frame
    rows = np.sort(rng.choice(len(frame), max_rows, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def _rounded(matrix: np.ndarray) -> list[list[float]]:
    return np.round(matrix, 4).tolist()


def evaluate(
    real: TableLike,
    synthetic: TableLike,
    schema: TableSchema | str | Path | None = None,
    holdout: TableLike | None = None,
    target: str | None = None,
    seed: int = 0,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    protection: dict[str, Any] | None = None,
) -> EvaluationReport:
    """Score ``synthetic`` against ``real`` (the table the generator was fitted on).

    Args:
        real: the real training table (a DataFrame or a CSV/Parquet path).
        synthetic: the synthetic table, with the schema's columns.
        schema: the table's schema (a TableSchema or a YAML path); inferred from ``real`` if None.
        holdout: real rows the generator never saw; needed for utility and the DCR share.
        target: the column to predict for utility; defaults to the schema's target.
        seed: seed of every subsample, split and model.
        max_rows: cap on the rows of each table (None: no cap); see the module docstring.
        protection: the generating model's privacy record (``TabGAN.privacy_``, model.json's
            ``privacy``: copy filter, rare labels, differential privacy), shown in the report.

    Raises:
        DataError, SchemaError: a table or the schema is unusable (missing columns, no rows, ...).
        ConfigError: ``max_rows`` is below 10.
    """
    with openmp_threads():
        report = _evaluate(real, synthetic, schema, holdout, target, seed, max_rows)
    report.privacy["protection"] = dict(protection) if protection is not None else None
    return report


def _evaluate(
    real: TableLike,
    synthetic: TableLike,
    schema: TableSchema | str | Path | None,
    holdout: TableLike | None,
    target: str | None,
    seed: int,
    max_rows: int | None,
) -> EvaluationReport:
    started = time.perf_counter()
    if max_rows is not None and max_rows < 10:
        raise ConfigError(f"max_rows must be at least 10, not {max_rows}")
    real_df = _load(real)
    synth_df = _load(synthetic)
    holdout_df = _load(holdout) if holdout is not None else None
    if schema is None:
        schema = infer_schema(real_df)
    elif not isinstance(schema, TableSchema):
        schema = TableSchema.from_yaml(Path(schema))
    target = target if target is not None else schema.target
    if target is not None and target not in schema.names:
        raise SchemaError(f"target column {target!r} is not in the schema")

    prep_real = prepare_frame(real_df, schema, "real", strict=True)
    prep_synth = prepare_frame(synth_df, schema, "synthetic", strict=False)
    prep_holdout = prepare_frame(holdout_df, schema, "holdout", strict=True) if holdout_df is not None else None
    real_full, synth_full = prep_real.frame, prep_synth.frame
    holdout_full = prep_holdout.frame if prep_holdout is not None else None

    rng = np.random.default_rng(seed)
    real_s = _subsample(real_full, max_rows, rng)
    synth_s = _subsample(synth_full, max_rows, rng)
    holdout_s = _subsample(holdout_full, max_rows, rng) if holdout_full is not None else None
    subsample = {
        "max_rows": max_rows,
        "seed": seed,
        "method": "rows drawn without replacement with numpy.random.default_rng(seed); "
        "exact-copy rates use all rows",
        "real": {"rows": int(len(real_full)), "used": int(len(real_s))},
        "synthetic": {"rows": int(len(synth_full)), "used": int(len(synth_s))},
        "holdout": None if holdout_s is None else {"rows": int(len(holdout_full)), "used": int(len(holdout_s))},
    }

    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    fidelity: dict[str, Any] = {"quality": quality(real_s, synth_s, schema)}
    lap("quality")
    fidelity["diagnostic"] = diagnostic(real_s, synth_s, schema)
    lap("diagnostic")
    fidelity["detection"] = detection(real_s, synth_s, schema, seed)
    lap("detection")
    assoc = associations(real_s, synth_s, schema)
    fidelity["associations"] = {
        "measure": "Cramér's V on binned values (numbers: 10 quantile bins of the real values)",
        "columns": assoc["columns"],
        "mean_abs_difference": assoc["mean_abs_difference"],
        "real": _rounded(assoc["real"]),
        "synthetic": _rounded(assoc["synthetic"]),
    }
    lap("associations")

    utility_result = None
    notes: list[dict[str, str]] = []
    if target is not None and holdout_s is not None:
        utility_result = utility(real_s, synth_s, holdout_s, schema, target, seed)
        lap("utility")
    elif target is not None:
        notes.append({"severity": "info", "code": "no_holdout",
                      "message": "Utility needs real holdout rows: pass a holdout table to score the target."})
    elif holdout_s is not None:
        notes.append({"severity": "info", "code": "no_target",
                      "message": "Utility needs a target column: pass one (or set it in the schema)."})

    privacy_result = privacy(
        real_s, synth_s, schema, seed, holdout=holdout_s,
        full_train=real_full, full_synthetic=synth_full, full_holdout=holdout_full,
    )
    distances = privacy_result.pop("_distances")
    lap("privacy")

    for name, count in prep_synth.coerced.items():
        notes.append({"severity": "medium", "code": "unparsed_values",
                      "message": f"{count} values of column {name!r} in the synthetic table are not valid "
                      "numbers or dates and were treated as nulls."})
    extra = [str(c) for c in synth_df.columns if str(c) not in schema.names]
    if extra:
        notes.append({"severity": "info", "code": "extra_columns",
                      "message": f"The synthetic table has columns that are not in the schema (ignored): {', '.join(extra[:10])}."})
    cut = [k for k in ("real", "synthetic", "holdout") if subsample[k] and subsample[k]["used"] < subsample[k]["rows"]]
    if cut:
        notes.append({"severity": "info", "code": "subsampled",
                      "message": f"Scores use a seeded sample of at most {max_rows:,} rows per table ({', '.join(cut)} cut)."})

    numbers = {"fidelity": fidelity, "privacy": privacy_result, "utility": utility_result}
    verdicts, warnings = judge(numbers)
    order = {"high": 0, "medium": 1, "info": 2}
    warnings = sorted(warnings + notes, key=lambda w: order[w["severity"]])

    distributions = charts.column_distributions(real_s, synth_s, schema)
    lap("distributions")
    from importlib.metadata import version

    info = {
        "tabgan_version": _tabgan_version(),
        "sdmetrics_version": version("sdmetrics"),
        "seed": seed,
        "target": target,
        "columns": {c.name: c.kind for c in schema.columns},
        "seconds": {**seconds, "total": round(time.perf_counter() - started, 3)},
    }
    figures = {
        "distributions": distributions,
        "associations": assoc,
        "distances": distances,
    }
    return EvaluationReport(
        fidelity=fidelity, utility=utility_result, privacy=privacy_result, warnings=warnings,
        verdicts=verdicts, subsample=subsample, info=info, figures=figures,
    )


def _tabgan_version() -> str:
    try:
        from tabgan import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover - the package is always importable in practice
        return "unknown"
