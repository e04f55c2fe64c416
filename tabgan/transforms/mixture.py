"""Variational Gaussian mixtures with a Dirichlet-process prior, for many 1-D columns at once.

This is the model of scikit-learn's ``BayesianGaussianMixture(weight_concentration_prior_type=
"dirichlet_process")`` (the one CTGAN's mode-specific normalisation uses), with its default
priors (mean prior: the data mean, mean precision 1, one degree of freedom, covariance
prior: the data variance), fitted differently for speed:

- **on weighted points**: standardised values are binned at ``resolution`` standard
  deviations and each bin becomes one point (its mean) weighted by its count. An integer
  column collapses to its distinct values; a smooth one to about a thousand points. The
  binning error is far below a component's width.
- **all columns together**: the coordinate-ascent updates run on [columns, points,
  components] tensors, so the cost is a few dozen small tensor operations per iteration
  whatever the number of columns.
- **deterministic**: responsibilities start from equal-weight quantile slices of each column
  (no k-means restarts), so the same data gives the same modes.

The stick-breaking prior with a small concentration (1e-3) drives unneeded components' weights
towards zero; they are dropped by the caller's weight threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

RESOLUTION = 0.01  # bin width, in standard deviations of the column
MAX_ITER = 100
TOL = 1e-3


@dataclass
class Mixture:
    """A fitted 1-D mixture: component weights (summing to 1), means and variances."""

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray


def weighted_points(z: np.ndarray, resolution: float = RESOLUTION) -> tuple[np.ndarray, np.ndarray]:
    """Values -> (mean of each occupied bin, its count), sorted by value."""
    keys = np.round(z / resolution).astype(np.int64)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse.reshape(-1), weights=z)
    return sums / counts, counts.astype(np.float64)


def _stick_breaking_log_weights(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """E[log pi_k] under stick-breaking with v_k ~ Beta(a_k, b_k)."""
    total = torch.digamma(a + b)
    log_v = torch.digamma(a) - total
    log_rest = torch.digamma(b) - total
    before = torch.cumsum(log_rest, dim=1) - log_rest  # sum over j < k
    return log_v + before


def fit_mixtures(
    columns: list[tuple[np.ndarray, np.ndarray]],
    n_components: list[int],
    concentration: float = 1e-3,
    max_iter: int = MAX_ITER,
    tol: float = TOL,
) -> list[Mixture]:
    """Fit one mixture per column. ``columns``: (sorted points, weights) per column, as from
    :func:`weighted_points`; ``n_components``: the most components each column may use."""
    if not columns:
        return []
    n_cols, n_points, k_max = len(columns), max(len(p) for p, _ in columns), max(n_components)
    x = torch.zeros(n_cols, n_points, dtype=torch.float64)
    w = torch.zeros(n_cols, n_points, dtype=torch.float64)
    for c, (points, weights) in enumerate(columns):
        x[c, : len(points)] = torch.from_numpy(points)
        w[c, : len(points)] = torch.from_numpy(weights)
    k_allowed = torch.tensor(n_components)[:, None]
    usable = torch.arange(k_max)[None, :] < k_allowed  # [C, K]

    total = w.sum(1)
    mu0 = (w * x).sum(1) / total
    var0 = ((w * (x - mu0[:, None]) ** 2).sum(1) / total).clamp_min(1e-6)
    beta0, nu0 = 1.0, 1.0

    # start: equal-weight quantile slices of each column (points are sorted)
    middle = (torch.cumsum(w, 1) - w / 2) / total[:, None]
    start = torch.minimum((middle * k_allowed).floor().long(), k_allowed - 1)
    resp = torch.nn.functional.one_hot(start, k_max).to(torch.float64)

    previous = None
    for _ in range(max_iter):
        # M-step: posterior parameters from weighted responsibilities
        wr = w[:, :, None] * resp
        nk = wr.sum(1) + 1e-10
        xbar = (wr * x[:, :, None]).sum(1) / nk
        spread = (wr * (x[:, :, None] - xbar[:, None, :]) ** 2).sum(1) / nk
        a = 1.0 + nk
        b = concentration + (torch.flip(torch.cumsum(torch.flip(nk, [1]), 1), [1]) - nk)
        beta = beta0 + nk
        mean = (beta0 * mu0[:, None] + nk * xbar) / beta
        nu = nu0 + nk
        scale = var0[:, None] + nk * spread + beta0 * nk / (beta0 + nk) * (xbar - mu0[:, None]) ** 2
        # E-step: log responsibilities (Bishop 10.46-10.50, Blei & Jordan's stick-breaking)
        log_precision = torch.digamma(nu / 2) + np.log(2.0) - torch.log(scale)
        quad = 1.0 / beta[:, None, :] + nu[:, None, :] * (x[:, :, None] - mean[:, None, :]) ** 2 / scale[:, None, :]
        log_rho = _stick_breaking_log_weights(a, b)[:, None, :] + 0.5 * log_precision[:, None, :] - 0.5 * quad
        log_rho = log_rho.masked_fill(~usable[:, None, :], float("-inf"))
        log_norm = torch.logsumexp(log_rho, dim=2, keepdim=True)
        resp = torch.exp(log_rho - log_norm)
        fit = (w * log_norm[:, :, 0]).sum(1) / total  # a monotone proxy of the lower bound
        if previous is not None and bool(torch.all((fit - previous).abs() < tol)):
            break
        previous = fit

    expected_v = a / (a + b)
    expected_rest = b / (a + b)
    weights = expected_v * torch.cat([torch.ones(n_cols, 1, dtype=torch.float64), torch.cumprod(expected_rest, 1)[:, :-1]], 1)
    weights = weights * usable
    weights = weights / weights.sum(1, keepdim=True)
    variances = scale / nu
    return [
        Mixture(weights[c, : n_components[c]].numpy(), mean[c, : n_components[c]].numpy(),
                variances[c, : n_components[c]].numpy())
        for c in range(n_cols)
    ]
