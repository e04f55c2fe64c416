"""Membership inference: can an attacker holding the synthetic table tell training rows from unseen ones?

**Setup.** Needs a holdout (real rows the generator never saw). The (subsampled) holdout rows are
split at random into three disjoint, equally large parts: *non-members*, *reference* and
*baseline release*; *members* are an equally large random sample of the training rows. Each part
holds at most ``MAX_PART_ROWS`` rows; with fewer than ``MIN_PART_ROWS`` rows per part the attacks
are skipped (``None`` and a reason). Rows are points of the distance space of
:mod:`tabgan.evaluation.privacy` (quantile-scaled numbers, one-hot labels), fitted on training rows.

**Attacks.** Each gives every member and non-member a score (higher: "more likely a member"):

- *distance*: minus the distance to the nearest synthetic row; a generator that copies or
  hugs its training rows puts members closer to the synthetic rows than non-members.
- *density ratio* (after DOMIAS, van Breugel et al. 2023): ``log r_ref(x) - log r_syn(x)``,
  where ``r_S(x)`` is the distance from x to its ``K``-th nearest row of S (clamped below at
  ``DENSITY_EPS``) and S is the synthetic table or the reference part. As ``1 / r_S^d`` is a
  k-nearest-neighbour density estimate, this ranks rows by how much denser the synthetic data is
  around them than real data is: overfitting shows up as local bumps on the training rows, even
  when no row is copied.

**How to read it.** The ROC AUC of the scores, members against non-members: 0.5 means the
attacker does no better than guessing, 1.0 that it picks out every training row. ``max_auc`` is
the strongest attack. The target (tabgan issue) is ``max_auc`` at most 0.6 at default settings on
Adult. Next to each AUC, ``baseline_auc`` is the same attack run against the *baseline release*
part (real rows nobody trained on) in place of the synthetic table: what the attack scores on a
release that carries no membership signal, about 0.5 give or take the sampling noise (with
``n`` rows per part the AUC of a useless attack has a standard deviation of about
``sqrt(1 / (6 n))``: 0.01 at 2,000 rows, 0.04 at 100).

**Samples.** Members are drawn from the evaluation's (subsampled) training rows and attacked
with its (subsampled) synthetic table, so, as for DCR (see :mod:`tabgan.evaluation.privacy`), a
synthetic copy of a member may have been cut from the sample and big tables understate
memorisation: a full copy of a 16,280-row half of Adult scored on 6,000-row samples gives a
distance-attack AUC of about 0.69, not 1 (1.00 without subsampling). The density-ratio attack is
made for generators that overfit without copying (denser around training rows); against exact
copies it is weak (about 0.55 to 0.6), the distance attack is the one to read there.

Result (``privacy["membership_inference"]``): ``attacks`` (``distance`` and ``density_ratio``,
each ``{"auc", "baseline_auc"}``), ``max_auc``, ``strongest`` (the attack with ``max_auc``),
``rows`` (``members``, ``non_members``, ``reference``, ``baseline_release``) and ``method``; None
without a holdout or with too few rows, ``privacy["membership_inference_skipped"]`` then says why.
The verdict (:mod:`tabgan.evaluation.verdicts`) rates ``max_auc`` at most 0.6 good, at most 0.7
fair, above that poor, with a loud warning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from tabgan.evaluation.privacy import DistanceSpace, _nearest

MAX_PART_ROWS = 2000
MIN_PART_ROWS = 20
K = 5  # the k of the k-th nearest neighbour in the density-ratio attack
DENSITY_EPS = 1e-3  # distances clamped at this before the log (about the resolution of the quantile scale)

METHOD = (
    "ROC AUC of members (training rows) against non-members (holdout rows); scores: minus the distance "
    f"to the nearest synthetic row, and log r_ref - log r_syn with r the distance to the {K}th nearest row "
    "(DOMIAS-style density ratio, reference: other holdout rows); baseline: the same attack against "
    "held-out real rows instead of the synthetic table"
)


def _part_size(train_rows: int, holdout_rows: int) -> tuple[int, str | None]:
    """Rows per part, and why the attacks are skipped (None when they run)."""
    size = min(holdout_rows // 3, train_rows, MAX_PART_ROWS)
    if holdout_rows // 3 < MIN_PART_ROWS:
        return size, (f"the holdout has {holdout_rows} rows: split in three parts (non-members, reference, "
                      f"baseline release) that is fewer than {MIN_PART_ROWS} rows per part")
    if train_rows < MIN_PART_ROWS:
        return size, f"only {train_rows} training rows: fewer than {MIN_PART_ROWS} members to attack"
    return size, None


def _split(
    train: pd.DataFrame, holdout: pd.DataFrame, size: int, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Members from ``train``; non-members, reference and baseline release: disjoint holdout parts."""
    order = rng.permutation(len(holdout))[: 3 * size]
    parts = {name: holdout.iloc[np.sort(order[i * size:(i + 1) * size])]
             for i, name in enumerate(("non_members", "reference", "baseline_release"))}
    parts["members"] = train.iloc[np.sort(rng.choice(len(train), size, replace=False))]
    return parts


def distance_scores(to_release: np.ndarray) -> np.ndarray:
    """Minus the distance to the nearest release row (``to_release``: sorted neighbour distances)."""
    return -to_release[:, 0]


def density_ratio_scores(to_release: np.ndarray, to_reference: np.ndarray) -> np.ndarray:
    """``log r_reference - log r_release``, r the distance to the last (k-th) neighbour of each row."""
    r_reference = np.maximum(to_reference[:, -1], DENSITY_EPS)
    r_release = np.maximum(to_release[:, -1], DENSITY_EPS)
    return np.log(r_reference) - np.log(r_release)


def _auc(scores: np.ndarray, members: int) -> float:
    """ROC AUC of ``scores``, whose first ``members`` entries are members (label 1), the rest not."""
    labels = np.zeros(len(scores))
    labels[:members] = 1
    return float(roc_auc_score(labels, scores))


def _attacks(to_release: np.ndarray, to_reference: np.ndarray, members: int) -> dict[str, float]:
    """AUC of each attack against one release."""
    return {
        "distance": _auc(distance_scores(to_release), members),
        "density_ratio": _auc(density_ratio_scores(to_release, to_reference), members),
    }


def membership_inference(
    space: DistanceSpace,
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None,
    seed: int,
) -> tuple[dict[str, Any] | None, str | None]:
    """(result, None), or (None, why the attacks were skipped); see the module docstring."""
    if holdout is None:
        return None, "no holdout: membership attacks need real rows the generator never saw"
    size, skipped = _part_size(len(train), len(holdout))
    if skipped:
        return None, skipped
    parts = _split(train, holdout, size, np.random.default_rng(seed))
    # members first, then non-members: one neighbour search per release serves both attacks
    query = np.vstack([space.transform(parts["members"]), space.transform(parts["non_members"])])
    to_reference = _nearest(space.transform(parts["reference"]), query, K)
    synthetic_auc = _attacks(_nearest(space.transform(synthetic), query, K), to_reference, size)
    baseline_auc = _attacks(_nearest(space.transform(parts["baseline_release"]), query, K), to_reference, size)
    attacks = {name: {"auc": synthetic_auc[name], "baseline_auc": baseline_auc[name]} for name in synthetic_auc}
    strongest = max(attacks, key=lambda name: attacks[name]["auc"])
    return {
        "attacks": attacks,
        "max_auc": attacks[strongest]["auc"],
        "strongest": strongest,
        "rows": {name: int(len(parts[name])) for name in ("members", "non_members", "reference", "baseline_release")},
        "method": METHOD,
    }, None
