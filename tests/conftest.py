"""Shared fixtures: small real tables from ../shared/datasets and a tiny mixed-type frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
SAMPLE_DATA = REPO / "sample_data"


def dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    return pd.read_csv(dataset("adult_train.csv"))


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    return pd.read_csv(dataset("credit_data.csv"))


@pytest.fixture(scope="session")
def nafld() -> pd.DataFrame:
    return pd.read_csv(dataset("nafld1_patients.csv"))


@pytest.fixture(scope="session")
def movielens() -> pd.DataFrame:
    return pd.read_csv(dataset("movielens_ratings.csv.gz"))


@pytest.fixture(scope="session")
def reviews() -> pd.DataFrame:
    """The shipped (generated) customer reviews sample."""
    return pd.read_csv(SAMPLE_DATA / "customer_reviews.csv")


@pytest.fixture()
def mixed() -> pd.DataFrame:
    """Every column kind, with nulls, 400 rows."""
    rng = np.random.default_rng(7)
    n = 400
    income = rng.lognormal(10, 1, n)
    income[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "city": rng.choice(["Paris", "Lyon", "Nice", None], n, p=[0.5, 0.3, 0.15, 0.05]),
            "age": rng.integers(18, 90, n),
            "income": income,
            "member": rng.choice(["yes", "no"], n),
            "rating": rng.integers(1, 6, n),
            "signup": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
        }
    ).assign(signup=lambda d: d["signup"].dt.strftime("%Y-%m-%d"))
