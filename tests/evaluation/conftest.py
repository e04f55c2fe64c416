"""Shared fixtures: real tables from ../shared/datasets and reports computed once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabgan.evaluation import EvaluationReport, evaluate

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
# every sanity report scores a seeded sample of this many rows per table (keeps the suite fast)
SANITY_ROWS = 6000


def _read(name: str) -> pd.DataFrame:
    path = DATASETS / name
    if not path.is_file():
        pytest.skip(f"real data set {path} is not available")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    return _read("adult_train.csv")


@pytest.fixture(scope="session")
def adult_test() -> pd.DataFrame:
    return _read("adult_test.csv")


@pytest.fixture(scope="session")
def nafld() -> pd.DataFrame:
    return _read("nafld1_patients.csv")


@pytest.fixture(scope="session")
def adult_halves(adult: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """adult_train cut at random into two disjoint halves."""
    order = np.random.default_rng(42).permutation(len(adult))
    half = len(adult) // 2
    return (adult.iloc[order[:half]].reset_index(drop=True), adult.iloc[order[half:]].reset_index(drop=True))


def shuffle_columns(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each column permuted on its own: the same marginals, no relations between columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns})


@pytest.fixture(scope="session")
def half_report(adult_halves, adult_test) -> EvaluationReport:
    """One half of adult_train as the real table, the other as 'synthetic', adult_test as holdout."""
    real, other = adult_halves
    return evaluate(real, other, holdout=adult_test, target="income", max_rows=SANITY_ROWS)


@pytest.fixture(scope="session")
def copy_report(adult_halves, adult_test) -> EvaluationReport:
    real, _ = adult_halves
    return evaluate(real, real.copy(), holdout=adult_test, target="income", max_rows=SANITY_ROWS)


@pytest.fixture(scope="session")
def shuffled_report(adult_halves, adult_test) -> EvaluationReport:
    real, _ = adult_halves
    return evaluate(real, shuffle_columns(real, 7), holdout=adult_test, target="income", max_rows=SANITY_ROWS)
