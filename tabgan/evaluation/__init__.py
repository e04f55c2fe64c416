"""Evaluation of a synthetic table against the real one: fidelity, utility and privacy.

>>> report = evaluate(real_df, synthetic_df, holdout=holdout_df, target="income")
>>> report.headline()
>>> report.save("report.html")   # or .json

See :mod:`tabgan.evaluation.core` for subsampling, :mod:`~tabgan.evaluation.fidelity`,
:mod:`~tabgan.evaluation.utility` and :mod:`~tabgan.evaluation.privacy` for what is measured.
"""

from __future__ import annotations

from tabgan.evaluation.core import DEFAULT_MAX_ROWS, evaluate
from tabgan.evaluation.metadata import to_sdmetrics_metadata
from tabgan.evaluation.report import EvaluationReport

__all__ = ["DEFAULT_MAX_ROWS", "EvaluationReport", "evaluate", "to_sdmetrics_metadata"]
