"""Evaluation of a synthetic table against the real one: fidelity, utility and privacy.

>>> report = evaluate(real_df, synthetic_df, holdout=holdout_df, target="income")
>>> report.headline()
>>> report.save("report.html")   # or .json

See :mod:`tabgan.evaluation.core` for subsampling, :mod:`~tabgan.evaluation.fidelity`,
:mod:`~tabgan.evaluation.utility` and :mod:`~tabgan.evaluation.privacy` for what is measured.
The names below are imported on first use, so that light modules of this package (such as
:mod:`~tabgan.evaluation.metadata`, which the sampler uses) do not pull in SDMetrics.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_MAX_ROWS", "EvaluationReport", "evaluate", "to_sdmetrics_metadata"]

_HOMES = {
    "DEFAULT_MAX_ROWS": "tabgan.evaluation.core",
    "evaluate": "tabgan.evaluation.core",
    "EvaluationReport": "tabgan.evaluation.report",
    "to_sdmetrics_metadata": "tabgan.evaluation.metadata",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'tabgan.evaluation' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_HOMES[name]), name)
