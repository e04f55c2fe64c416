"""Mode-specific normalisation for continuous, integer and datetime columns.

Each column is standardised, then a Bayesian Gaussian mixture (at most ``max_modes``
components) is fitted on a random subsample of at most ``fit_rows`` values, so fitting time
does not grow with the table. A value is encoded as two spans:

- ``mode``: which mixture component it was drawn from (a one-hot; an extra last option marks
  nulls when the column is nullable), sampled from the component posterior, vectorised with
  one uniform draw per row (inverse CDF) rather than a Python loop;
- ``value``: its offset within that component, ``(z - mean) / (4 * std)``, clipped to ±0.99.

Spikes: a single value that holds at least SPIKE_SHARE of the column's values (the zeros of
a zero-inflated amount, a standard 40-hour week) gets a mode of its own after the mixture's
components. Its rows encode with offset 0 and decode to exactly that value, whatever the
offset; the mixture is fitted on the other values. Without this a spike is a component of
tiny but non-zero width, and a generator would have to hit its offset to a few parts in a
thousand to give the value back (on Adult, 36% exact zeros generated against 92% real).

Observed values (``support_min_count`` > 0): when the values seen at least that many times
cover SUPPORT_COVERAGE of a continuous or integer column (ages, hours, amounts that are round
numbers, capital gains from a fixed list), a generated number is moved to the nearest of
them. Real columns like these hold a few hundred distinct values; without it, 11% of
generated Adult rows had a capital gain that no 5 real rows share. A
value seen fewer times (a unique amount) is never generated exactly.

Heaped columns (``heap_modes`` > 0): when the common values are few (at most ``heap_modes``)
and sparse (they fill less than HEAP_DENSITY of the grid spanned at their smallest gap:
capital gains from a fixed list, not ages), each common value becomes a spike. Such values
relate to other columns one by one, not smoothly: on Adult every real capital gain of 7,688
has an income over 50K and every one of 5,013 an income under, which a mixture component
spanning both blurs (56% and 34% generated). As modes they are options of the condition
vector, learned like a categorical's labels. Their marginal is learned as such too, so a
heaped column is not calibrated (calibration would move rows between neighbouring values).

Marginal calibration (``quantile_levels`` > 0): the column's quantiles at that many levels are
kept from the training data; after training, :meth:`MixtureCodec.fit_calibration` records the
same quantiles of the generator's own output. Decoding then maps each generated number
through the generator's CDF onto the real quantile function (a monotone map; ties, such as a
spike, spread at random over their band), so the column's distribution matches the real one
while the generator's ordering of rows, and with it every rank relation between columns,
stays as trained. Heaped values (Adult's 50- and 60-hour weeks, which a mixture smooths
away) come back at their real frequencies.

Decoding inverts this, clips to the column's bounds and rounds integers. Datetimes are
modelled as seconds since the epoch and written back at the resolution seen in the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tabgan.schema import Column, column_numbers, datetimes_from_seconds
from tabgan.transforms.base import Codec, Span, restore_dtype
from tabgan.transforms.mixture import Mixture, fit_mixtures, weighted_points

_CHUNK_ROWS = 1_000_000
_STD_FLOOR = 1e-3
SPIKE_SHARE = 0.1  # default share of the non-null values that makes a value a spike
MAX_SPIKES = 5
SUPPORT_COVERAGE = 0.9  # share of the values that the common ones must hold to be the only ones generated
MAX_SUPPORT = 5_000  # more common values than this: the column is treated as truly continuous
HEAP_DENSITY = 0.1  # common values filling less of their grid than this are heaps, not a range


class MixtureCodec(Codec):
    """Continuous and integer columns."""

    codec_name = "mixture"

    def __init__(
        self,
        column: Column,
        max_modes: int = 10,
        fit_rows: int = 10_000,
        weight_threshold: float = 0.005,
        clip_quantile: float = 0.0,
        spike_share: float = SPIKE_SHARE,
        support_min_count: int = 0,
        quantile_levels: int = 0,
        heap_modes: int = 0,
    ) -> None:
        super().__init__(column)
        self.heap_modes = heap_modes  # 0: common values are not modes of their own
        self.quantile_levels = quantile_levels  # 0: no marginal calibration
        self.support_min_count = support_min_count  # 0: numbers are not moved to observed values
        self.spike_share = spike_share  # 0: no spikes
        self.clip_quantile = clip_quantile  # > 0: bounds at the q and 1-q quantiles (hides extremes)
        self.max_modes = max_modes
        self.fit_rows = fit_rows
        self.weight_threshold = weight_threshold
        self.center_ = 0.0
        self.scale_ = 1.0
        self.means_: np.ndarray = np.zeros(1)
        self.stds_: np.ndarray = np.ones(1)
        self.weights_: np.ndarray = np.ones(1)
        self.low_: float | None = None
        self.high_: float | None = None
        self.spikes_: np.ndarray = np.zeros(0)  # values with a mode of their own, decoded exactly
        self.heaped_ = False  # whether the spikes are all the common values (heap_modes)
        self.support_: np.ndarray = np.zeros(0)  # sorted common values generated numbers move to; empty: off
        self.real_quantiles_: np.ndarray = np.zeros(0)  # the column's quantiles (quantile_levels + 1 of them)
        self.generated_quantiles_: np.ndarray = np.zeros(0)  # the trained generator's; both set: calibrated

    @property
    def n_modes(self) -> int:
        """Mixture components plus spikes (the null option, when any, comes after them)."""
        return len(self.means_) + len(self.spikes_)

    # -- number conversion (overridden for datetimes) ----------------------------------------
    def to_numbers(self, values: pd.Series) -> np.ndarray:
        return column_numbers(self.column, values)

    def from_numbers(self, numbers: np.ndarray) -> pd.Series:
        if self.column.kind == "integer":
            numbers = np.round(numbers)
        return restore_dtype(pd.Series(numbers), self.column.dtype, self.column.nullable)

    # -- contract ----------------------------------------------------------------------------
    @property
    def spans(self) -> list[Span]:
        width = self.n_modes + (1 if self.column.nullable else 0)
        return [
            Span(self.column.name, "scalar", 1, "value"),
            Span(self.column.name, "onehot", width, "mode"),
        ]

    def fit(self, values: pd.Series, rng: np.random.Generator) -> MixtureCodec:
        """Fit this column alone (the table encoder fits all mixture columns in one batch)."""
        problem = self.prepare(values, rng)
        if problem is not None:
            self.adopt(fit_mixtures([problem[0]], [problem[1]])[0])
        return self

    def prepare(
        self, values: pd.Series, rng: np.random.Generator
    ) -> tuple[tuple[np.ndarray, np.ndarray], int] | None:
        """Learn the bounds and standardisation; return the mixture problem to solve
        (weighted points of at most ``fit_rows`` sampled values, and the most components),
        or None when the column needs no mixture (no values, or a single value)."""
        numbers = self.to_numbers(values)
        present = numbers[~np.isnan(numbers)]
        if present.size == 0:
            self.low_ = self.high_ = None
            return None
        self.low_, self.high_ = float(present.min()), float(present.max())
        if self.clip_quantile > 0:  # the data's extremes are never generated
            low, high = np.quantile(present, [self.clip_quantile, 1 - self.clip_quantile])
            self.low_, self.high_ = float(low), float(high)
            if self.column.kind == "integer":
                self.low_, self.high_ = float(np.ceil(low)), float(np.floor(high))
        elif self.column.kind in ("continuous", "integer"):
            if self.column.min is not None:
                self.low_ = min(self.low_, float(self.column.min))
            if self.column.max is not None:
                self.high_ = max(self.high_, float(self.column.max))
        self.support_ = self._common_values(present)
        if self.quantile_levels > 0:  # within the bounds: with clip_quantile the extremes are not kept
            levels = np.linspace(0.0, 1.0, self.quantile_levels + 1)
            self.real_quantiles_ = np.quantile(np.clip(present, self.low_, self.high_), levels)
        if present.size > self.fit_rows:
            present = rng.choice(present, size=self.fit_rows, replace=False)
        self.heaped_ = self._is_heaped()
        if self.heaped_:
            self.spikes_ = self.support_.copy()
            rest = present[~np.isin(present, self.spikes_)]
            present = rest if np.unique(rest).size >= 2 else present  # else the mixture spans every value
        else:
            self.spikes_, present = self._split_spikes(present)
        self.center_ = float(np.mean(present))
        self.scale_ = float(np.std(present)) or 1.0
        z = (present - self.center_) / self.scale_
        points = weighted_points(z)
        if len(points[0]) < 2:
            self.means_, self.stds_, self.weights_ = np.array([z[0]]), np.array([1.0]), np.array([1.0])
            return None
        return points, min(self.max_modes, int(np.unique(z).size))

    def _common_values(self, present: np.ndarray) -> np.ndarray:
        """The values seen at least ``support_min_count`` times within the bounds, when they
        hold SUPPORT_COVERAGE of ``present`` (else none: the column is generated freely)."""
        if self.support_min_count <= 0 or self.column.kind not in ("continuous", "integer"):
            return np.zeros(0)
        distinct, counts = np.unique(present, return_counts=True)
        common = counts >= self.support_min_count
        if not 2 <= common.sum() <= MAX_SUPPORT or counts[common].sum() < SUPPORT_COVERAGE * present.size:
            return np.zeros(0)
        values = distinct[common]
        values = values[(values >= self.low_) & (values <= self.high_)]
        return values if values.size >= 2 else np.zeros(0)

    def _is_heaped(self) -> bool:
        """Whether the common values are few and sparse enough to be modes of their own."""
        support = self.support_
        if self.heap_modes <= 0 or not 2 <= len(support) <= self.heap_modes:
            return False
        grid = (support[-1] - support[0]) / np.diff(support).min() + 1
        return bool(len(support) < HEAP_DENSITY * grid)

    def _split_spikes(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The spikes among ``values`` (sorted), and the values that are not spikes. No
        spikes when fewer than two distinct values would be left for the mixture."""
        if self.spike_share <= 0:
            return np.zeros(0), values
        distinct, counts = np.unique(values, return_counts=True)
        common = np.argsort(-counts, kind="stable")[:MAX_SPIKES]
        common = common[counts[common] >= self.spike_share * values.size]
        if distinct.size - common.size < 2:
            return np.zeros(0), values
        spikes = np.sort(distinct[common])
        return spikes, values[~np.isin(values, spikes)]

    def adopt(self, mixture: Mixture) -> None:
        """Keep the components above the weight threshold, ordered by mean."""
        keep = mixture.weights > self.weight_threshold
        order = np.argsort(mixture.means[keep])
        self.means_ = mixture.means[keep][order]
        self.stds_ = np.maximum(np.sqrt(mixture.variances[keep])[order], _STD_FLOOR)
        weights = mixture.weights[keep][order]
        self.weights_ = weights / weights.sum()
        self._cover_extremes()

    def _cover_extremes(self) -> None:
        """Widen the lowest and highest components so the column's full range (not just the
        subsample's) stays within their ±4 std, keeping round trips exact in the tails."""
        if self.low_ is None:
            return
        low_z = (self.low_ - self.center_) / self.scale_
        high_z = (self.high_ - self.center_) / self.scale_
        self.stds_[0] = max(self.stds_[0], (self.means_[0] - low_z) / 3.96)
        self.stds_[-1] = max(self.stds_[-1], (high_z - self.means_[-1]) / 3.96)

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return self.encode_numbers(self.to_numbers(values), rng)

    def encode_numbers(self, numbers: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`encode` of the column's values already as numbers (NaN: null)."""
        n = numbers.size
        alpha = np.zeros(n, dtype=np.float32)
        modes = np.full(n, self.n_modes, dtype=np.int64)  # the null mode unless set below
        uniforms = rng.random(n)
        for start in range(0, n, _CHUNK_ROWS):  # chunks bound memory; not a loop over rows
            stop = min(start + _CHUNK_ROWS, n)
            alpha[start:stop], modes[start:stop] = self._encode_chunk(numbers[start:stop], uniforms[start:stop])
        return alpha.reshape(-1, 1), modes.reshape(-1, 1)

    def _encode_chunk(self, numbers: np.ndarray, uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        present = ~np.isnan(numbers)
        z = (np.where(present, numbers, self.center_) - self.center_) / self.scale_
        # each row's mode is drawn from the components' posterior, computed in float32 over the
        # [rows, modes] matrix (in place, few passes); the offset in the drawn mode in float64
        means, stds = self.means_.astype(np.float32), self.stds_.astype(np.float32)
        log_p = z.astype(np.float32)[:, None] - means
        log_p /= stds
        np.square(log_p, out=log_p)
        log_p *= np.float32(-0.5)
        log_p += (np.log(self.weights_) - np.log(self.stds_)).astype(np.float32)
        log_p -= log_p.max(axis=1, keepdims=True)
        cdf = np.cumsum(np.exp(log_p, out=log_p), axis=1, out=log_p)
        n_modes = len(self.means_)
        modes = np.minimum((uniforms[:, None] * cdf[:, -1:] > cdf).sum(axis=1), n_modes - 1)
        alpha = (z - self.means_[modes]) / (4 * self.stds_[modes])
        # a sampled mode that cannot represent the value (|offset| > 0.99) gives way to the
        # mode nearest in standard deviations, so round trips stay exact for tail values
        unfit = np.flatnonzero(np.abs(alpha) > 0.99)
        if unfit.size:
            offsets = (z[unfit, None] - self.means_[None, :]) / (4 * self.stds_[None, :])
            nearest = np.abs(offsets).argmin(axis=1)
            modes[unfit] = nearest
            alpha[unfit] = offsets[np.arange(unfit.size), nearest]
        alpha = np.clip(alpha, -0.99, 0.99)
        if len(self.spikes_):  # a spike's rows take its mode, at offset 0
            spike = np.searchsorted(self.spikes_, numbers)
            at_spike = present & (self.spikes_[np.minimum(spike, len(self.spikes_) - 1)] == numbers)
            modes = np.where(at_spike, len(self.means_) + spike, modes)
            alpha = np.where(at_spike, 0.0, alpha)
        alpha = np.where(present, alpha, 0.0)
        modes = np.where(present, modes, self.n_modes)
        return alpha.astype(np.float32), modes

    def _raw_numbers(self, scalars: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The numbers the generator's output stands for (before calibration and bounds), and
        which rows are null."""
        alpha = np.clip(scalars[:, 0].astype(np.float64), -1.0, 1.0)
        modes = codes[:, 0]
        is_null = modes >= self.n_modes
        safe = np.minimum(modes, len(self.means_) - 1)
        z = alpha * 4 * self.stds_[safe] + self.means_[safe]
        numbers = z * self.scale_ + self.center_
        if len(self.spikes_):
            spike = modes - len(self.means_)
            at_spike = (spike >= 0) & ~is_null
            numbers = np.where(at_spike, self.spikes_[np.clip(spike, 0, len(self.spikes_) - 1)], numbers)
        return numbers, is_null

    def fit_calibration(self, scalars: np.ndarray, codes: np.ndarray) -> None:
        """Record the quantiles of numbers the trained generator produced (its unconditional
        output), so :meth:`decode` maps them onto the real ones."""
        numbers, is_null = self._raw_numbers(scalars, codes)
        present = numbers[~is_null]
        if self.quantile_levels <= 0 or len(self.real_quantiles_) == 0 or present.size < 2 or self.heaped_:
            self.generated_quantiles_ = np.zeros(0)
            return
        self.generated_quantiles_ = np.quantile(present, np.linspace(0.0, 1.0, len(self.real_quantiles_)))

    def _calibrated(self, numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``numbers`` through the generator's CDF and the real quantile function; a number
        equal to several of the generator's quantiles (a point mass) takes a random level
        within them."""
        generated, real = self.generated_quantiles_, self.real_quantiles_
        steps = len(generated) - 1
        lo = np.searchsorted(generated, numbers, side="left")
        hi = np.searchsorted(generated, numbers, side="right")
        right = np.clip(lo, 1, steps)
        width = generated[right] - generated[right - 1]
        fraction = np.clip((numbers - generated[right - 1]) / np.where(width > 0, width, 1.0), 0.0, 1.0)
        level = (right - 1 + fraction) / steps
        tied = hi - lo >= 2
        level = np.where(tied, (lo + rng.random(numbers.size) * (hi - 1 - lo)) / steps, level)
        return np.interp(level, np.linspace(0.0, 1.0, steps + 1), real)

    def decode(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        return self.from_numbers(self.decode_numbers(scalars, codes, rng))

    def decode_numbers(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The generated numbers (NaN: null), calibrated, clipped and moved to common values:
        :meth:`decode` before the column's rounding and dtype."""
        numbers, is_null = self._raw_numbers(scalars, codes)
        if len(self.generated_quantiles_) and len(self.real_quantiles_):
            numbers = self._calibrated(numbers, rng)
        if self.low_ is not None:
            numbers = np.clip(numbers, self.low_, self.high_)
        if len(self.support_):
            numbers = self._nearest_common(numbers)
        return np.where(is_null, np.nan, numbers)

    def _nearest_common(self, numbers: np.ndarray) -> np.ndarray:
        """Each number moved to the nearest value of ``support_`` (vectorised)."""
        support = self.support_
        right = np.clip(np.searchsorted(support, numbers), 1, len(support) - 1)
        left = right - 1
        nearer_left = np.abs(numbers - support[left]) <= np.abs(support[right] - numbers)
        return np.where(nearer_left, support[left], support[right])

    def state(self) -> dict[str, Any]:
        return {
            "max_modes": self.max_modes,
            "fit_rows": self.fit_rows,
            "weight_threshold": self.weight_threshold,
            "center": self.center_,
            "scale": self.scale_,
            "means": self.means_.tolist(),
            "stds": self.stds_.tolist(),
            "weights": self.weights_.tolist(),
            "low": self.low_,
            "high": self.high_,
            "spikes": self.spikes_.tolist(),
            "support_min_count": self.support_min_count,
            "support": self.support_.tolist(),
            "quantile_levels": self.quantile_levels,
            "heap_modes": self.heap_modes,
            "heaped": self.heaped_,
            "real_quantiles": self.real_quantiles_.tolist(),
            "generated_quantiles": self.generated_quantiles_.tolist(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.max_modes = int(state["max_modes"])
        self.fit_rows = int(state["fit_rows"])
        self.weight_threshold = float(state["weight_threshold"])
        self.center_ = float(state["center"])
        self.scale_ = float(state["scale"])
        self.means_ = np.asarray(state["means"], dtype=np.float64)
        self.stds_ = np.asarray(state["stds"], dtype=np.float64)
        self.weights_ = np.asarray(state["weights"], dtype=np.float64)
        self.low_ = None if state["low"] is None else float(state["low"])
        self.high_ = None if state["high"] is None else float(state["high"])
        self.spikes_ = np.asarray(state.get("spikes", []), dtype=np.float64)  # models saved before spikes have none
        self.support_min_count = int(state.get("support_min_count", 0))
        self.support_ = np.asarray(state.get("support", []), dtype=np.float64)
        self.quantile_levels = int(state.get("quantile_levels", 0))  # models saved before calibration: none
        self.heap_modes = int(state.get("heap_modes", 0))
        self.heaped_ = bool(state.get("heaped", False))
        self.real_quantiles_ = np.asarray(state.get("real_quantiles", []), dtype=np.float64)
        self.generated_quantiles_ = np.asarray(state.get("generated_quantiles", []), dtype=np.float64)


class DatetimeCodec(MixtureCodec):
    """Datetime columns: seconds since the epoch, written back in the column's format."""

    codec_name = "datetime"

    def __init__(self, column: Column, **kwargs: Any) -> None:
        super().__init__(column, **kwargs)
        self.resolution_ = "s"

    def to_numbers(self, values: pd.Series) -> np.ndarray:
        return column_numbers(self.column, values)

    def prepare(
        self, values: pd.Series, rng: np.random.Generator
    ) -> tuple[tuple[np.ndarray, np.ndarray], int] | None:
        numbers = self.to_numbers(values)
        present = numbers[~np.isnan(numbers)]
        self.resolution_ = "D" if present.size and np.all(np.mod(present, 86400) == 0) else "s"
        return super().prepare(values, rng)

    def from_numbers(self, numbers: np.ndarray) -> pd.Series:
        unit_seconds = 86400 if self.resolution_ == "D" else 1
        return datetimes_from_seconds(np.round(numbers / unit_seconds) * unit_seconds, self.column)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "resolution": self.resolution_}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.resolution_ = str(state["resolution"])
