"""The batched variational mixture against known modes and against scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest

from tabgan.transforms.mixture import fit_mixtures, weighted_points


def _standardised(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std()


def test_weighted_points_keep_the_total_and_the_mean() -> None:
    z = np.random.default_rng(0).normal(size=5000)
    points, weights = weighted_points(z)
    assert weights.sum() == 5000 and np.all(np.diff(points) > 0)
    assert np.isclose((points * weights).sum() / 5000, z.mean())
    integers = np.random.default_rng(1).integers(0, 7, 5000).astype(float)
    assert len(weighted_points(integers)[0]) == 7  # an integer column collapses to its values


def _cdf(weights: np.ndarray, means: np.ndarray, variances: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    erf_v = np.vectorize(erf)
    std = np.sqrt(variances)
    return (weights[None, :] * 0.5 * (1 + erf_v((grid[:, None] - means[None, :]) / (std[None, :] * sqrt(2))))).sum(1)


def test_recovers_separated_modes() -> None:
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.normal(-3, 0.5, 6000), rng.normal(2, 1.0, 4000)])
    z = _standardised(values)
    (mixture,) = fit_mixtures([weighted_points(z)], [10])
    means = mixture.means * values.std() + values.mean()
    low = means < -0.5  # components of the first mode
    assert np.isclose(mixture.weights[low].sum(), 0.6, atol=0.02)
    assert np.isclose(np.average(means[low], weights=mixture.weights[low]), -3, atol=0.1)
    assert np.isclose(np.average(means[~low], weights=mixture.weights[~low]), 2, atol=0.1)


def test_columns_fitted_together_equal_columns_fitted_alone() -> None:
    rng = np.random.default_rng(3)
    a = weighted_points(_standardised(rng.gamma(2.0, size=3000)))
    b = weighted_points(_standardised(np.concatenate([rng.normal(0, 1, 2000), rng.normal(8, 1, 500)])))
    together = fit_mixtures([a, b], [10, 4], tol=0)
    alone = [fit_mixtures([a], [10], tol=0)[0], fit_mixtures([b], [4], tol=0)[0]]
    assert len(together[1].means) == 4
    for x, y in zip(together, alone):
        assert np.allclose(x.means, y.means, atol=1e-6) and np.allclose(x.weights, y.weights, atol=1e-6)


def test_fits_the_data_as_closely_as_scikit_learn() -> None:
    """Both mixtures' distribution functions stay within 0.02 of the data's and of each other."""
    mixture_module = pytest.importorskip("sklearn.mixture")
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(0, 1, 3000), rng.normal(10, 2, 2000), rng.exponential(3, 1000) + 20])
    z = _standardised(values)
    (ours,) = fit_mixtures([weighted_points(z)], [10])
    theirs = mixture_module.BayesianGaussianMixture(
        n_components=10, weight_concentration_prior_type="dirichlet_process", weight_concentration_prior=0.001,
        max_iter=100, random_state=0,
    ).fit(z.reshape(-1, 1))
    grid = np.linspace(z.min(), z.max(), 200)
    empirical = (z[None, :] <= grid[:, None]).mean(1)
    ours_cdf = _cdf(ours.weights, ours.means, ours.variances, grid)
    theirs_cdf = _cdf(theirs.weights_, theirs.means_[:, 0], theirs.covariances_.reshape(-1), grid)
    assert np.abs(ours_cdf - empirical).max() < 0.02
    assert np.abs(ours_cdf - theirs_cdf).max() < 0.02
