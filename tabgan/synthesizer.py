"""The public front: ``TabGAN(...).fit(df).sample(n)``, ``save`` and ``load``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from tabgan.conditioning import ConditionSampler
from tabgan.conditions import ConditionError, ConditionPlan, normalise, plan_conditions
from tabgan.config import CALIBRATION_ROWS, TabGANConfig, resolve_device
from tabgan.constraints import ConstraintSet
from tabgan.distributed import Cluster, join_cluster, leave_cluster
from tabgan.draw_ahead import DrawAhead, NetworkDraw
from tabgan.errors import DataError, TabganError, preview
from tabgan.nn import Generator, SpanActivation
from tabgan.nn.precision import product_precision, resolve_precision
from tabgan.privacy.copies import CopyFilter, salt_from_seed
from tabgan.privacy.dp import DPPlan, noisy_counts
from tabgan.schema import TableSchema, infer_schema, validate
from tabgan.target_head import TargetHead, feature_width, fit_target_head
from tabgan.training import GANTrainer, History, ProgressCallback
from tabgan.transforms.base import restore_dtype
from tabgan.transforms.categorical import CategoricalCodec
from tabgan.transforms.encoder import EncodedTable, EncoderSettings, NetworkLayout, TableEncoder
from tabgan.validation import BestState, FidelityProbe

if TYPE_CHECKING:  # imported by callers that use it: it brings scikit-learn along
    from tabgan.privacy.distance import DistanceFilter

SAMPLE_CHUNK_ROWS = 100_000  # rows a sampled chunk holds by default, at most ...
SAMPLE_CHUNK_CELLS = 2_000_000  # ... and values (rows x columns): a wide table's chunks hold fewer rows
GENERATOR_BATCH = 4_096  # rows per generator call when sampling, at most: against 8,192, 45-110 MB less at peak,
# sampling as fast on nafld1 and credit_data and 4-7% slower on Adult (benchmarks/results/sample_ab.json) ...
GENERATOR_BATCH_OUTPUTS = 8_192 * 512  # ... and network outputs (rows x outputs), which bound its temporaries
PROBE_COST_SHARE = 20  # under a time budget: train at least 20x as long as the last probe took between probes
PROBES_PER_FIT = 100  # without a time budget: a probe every epochs // 100 epochs (at least every epoch)
# bounded filtering for range conditions: at most max(MIN_TRIAL_ROWS, TRIALS_PER_ROW * n) rows tried
MIN_TRIAL_ROWS = 200_000
TRIALS_PER_ROW = 50
MIN_TRIALS_BEFORE_GIVING_UP = 20_000  # rows tried before a condition no row met is called too rare
# the copy filter gives up when fewer than this share of generated rows are new (a table whose
# every possible row occurs in the training data cannot be sampled without copies)
MIN_NEW_ROW_RATE = 0.02
COPY_RETRIES = 50  # times a per-row-conditioned row that copies a training row is generated again


def _derive_seed(seed: int, *stream: int) -> int:
    """A 63-bit seed for one purpose (``stream``) derived from the user's seed."""
    return int(np.random.SeedSequence([seed, *stream]).generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> 1)


def _private_plan(
    config: TabGANConfig, seed: int, rows: int, epochs: int, counts: torch.Tensor, n_columns: int
) -> tuple[DPPlan, torch.Tensor]:
    """The DP-SGD plan of a fit, and the option counts released with noise."""
    batch = config.effective_batch_size(rows)
    steps = epochs * max(1, rows // batch) * config.critic_steps
    assert config.dp_epsilon is not None
    plan = DPPlan.for_budget(config.dp_epsilon, config.resolved_dp_delta(rows), rows, batch, steps, config.dp_max_grad_norm)
    noise_rng = torch.Generator().manual_seed(_derive_seed(seed, 9))
    return plan, noisy_counts(counts, n_columns, plan, noise_rng)


class TabGAN:
    """A conditional tabular GAN (residual generator, PacGAN critic, WGAN-GP).

    Parameters are stored unchanged (scikit-learn style); learned state lives in attributes
    ending in ``_`` set by :meth:`fit`. ``random_state`` fixes every random draw: the same
    data, schema, seed and device give the same model and the same samples.
    Any :class:`~tabgan.config.TabGANConfig` setting may be passed as a keyword.
    """

    def __init__(
        self,
        epochs: int | None = None,
        batch_size: int = TabGANConfig.batch_size,
        random_state: int | None = None,
        device: str = "auto",
        sample_precision: str = "auto",
        **settings: Any,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.sample_precision = sample_precision  # the generator's products when sampling (tabgan.nn.precision)
        self.settings = settings

    # -- configuration -------------------------------------------------------------------------
    def _config(self) -> TabGANConfig:
        try:
            config = TabGANConfig(epochs=self.epochs, batch_size=self.batch_size, device=self.device, **self.settings)
        except TypeError as exc:
            raise TabganError(f"unknown setting: {exc}") from None
        return config.validate()

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "generator_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise TabganError("this TabGAN is not fitted yet: call fit() or TabGAN.load() first")

    # -- fit -------------------------------------------------------------------------------------
    def fit(
        self,
        data: pd.DataFrame,
        schema: TableSchema | None = None,
        progress: ProgressCallback | None = None,
        epoch_hook: Callable[[TabGAN, int], bool | None] | None = None,
    ) -> TabGAN:
        """Learn ``data`` (validated against ``schema``, inferred when not given). Returns self.

        ``progress(epoch, epochs, record)`` is called after every epoch; ``epoch_hook(model,
        epoch)`` too, with this model able to ``sample`` from the current weights, and
        training stops early when it returns True.
        """
        config = self._config()
        if config.dp_epsilon is not None:
            # DP-SGD clips each row's gradient: no packs of several rows, and no checkpoint
            # chosen by comparing with the real rows (that choice would not be private)
            config = replace(config, pac=1, select_best=False)
        started = time.perf_counter()
        if not isinstance(data, pd.DataFrame):
            raise DataError("fit() needs a pandas DataFrame")
        schema = schema if schema is not None else infer_schema(data)
        constraints = ConstraintSet.from_schema(schema)
        frame = validate(data, constraints.schema)
        constraints.check_and_fit(frame)
        model_frame = constraints.forward(frame)
        seed = self.random_state if self.random_state is not None else int(np.random.SeedSequence().entropy % 2**63)
        device = resolve_device(config.device)
        resolve_precision(self.sample_precision, device)  # a bad value fails now, not after training
        owns_group = config.distributed and not torch.distributed.is_initialized()
        cluster = join_cluster(device) if config.distributed else Cluster()
        device = cluster.device(device)
        seed = cluster.shared(seed, device)  # every rank fits the same encoders: rank 0's seed
        np_rng = np.random.default_rng(_derive_seed(seed, 0))
        # every rank draws its own batches (DDP gives all ranks rank 0's initial weights)
        torch_rng = torch.Generator(device=device).manual_seed(_derive_seed(seed, 1, *([cluster.rank] if cluster.rank else [])))

        settings = EncoderSettings(
            config.max_modes, config.mixture_fit_rows, config.max_categories, config.condition_on_modes,
            config.rare_category_threshold, config.rare_category_margin, config.clip_quantile, config.spike_share,
            config.support_min_count, config.quantile_levels, config.heap_modes,
        )
        encoder = TableEncoder(constraints.model_schema(), settings).fit(model_frame, np_rng)
        encoded = encoder.encode(model_frame, np_rng)
        counts = torch.from_numpy(encoder.condition_counts(encoded))
        scalars, codes = encoded.scalars, encoded.codes
        if cluster.parallel:
            mine = cluster.shard(len(frame))
            scalars, codes = scalars[mine], codes[mine]
        # epochs (when not given) make auto_steps steps on each rank's share of the rows
        epochs = config.resolved_epochs(len(scalars), private=config.dp_epsilon is not None)
        dp_plan = None
        if config.dp_epsilon is not None:
            dp_plan, counts = _private_plan(config, seed, len(frame), epochs, counts, len(encoder.layout.cond_widths))
        trainer = GANTrainer(
            encoder.layout,
            torch.from_numpy(scalars),
            torch.from_numpy(codes),
            config,
            device,
            torch_rng,
            dp_plan,
            counts,
            cluster,
            encoder.category_code_column(schema.target),
        )
        self.cluster_ = cluster
        self.local_rows_ = len(scalars)  # the rows this process trained on (its shard under DDP)
        self.config_ = config
        self.seed_ = seed
        self.schema_ = schema
        self.constraints_ = constraints
        self.encoder_ = encoder
        self.layout_ = encoder.layout
        self.condition_counts_ = counts.tolist()  # the released (noisy) counts under DP
        self.null_rates_ = encoder.null_rates(encoded) if dp_plan is None else {}  # not released under DP
        self.n_training_rows_ = len(frame)
        self.copy_filter_ = CopyFilter.fit(frame, schema, salt_from_seed(seed)) if config.filters_copies else None
        if self.copy_filter_ is not None and self.copy_filter_.active and len(self.copy_filter_.known) == 1:
            raise DataError(
                f"all {len(frame):,} rows are the same on every non-id column, so every generated row would copy "
                "one: nothing can be sampled without copies (set no_copies=False / --allow-copies to fit anyway)"
            )
        self.privacy_ = self._privacy_record(config)
        self.generator_ = trainer.sampled_generator
        self.activation_ = trainer.activation
        self.device_ = device
        head_started = time.perf_counter()
        self.target_head_ = self._fit_target_head(config, encoder, encoded, schema.target, device, seed)
        head_seconds = time.perf_counter() - head_started
        best = BestState()
        hook = self._training_monitor(frame, epochs, started, best, epoch_hook)
        preprocessing = time.perf_counter() - started
        try:
            self.history_ = trainer.train(epochs, progress if cluster.is_primary else None, hook)
        finally:
            if owns_group:
                leave_cluster()
        self.history_.timings = {
            "preprocessing": preprocessing - trainer.setup_seconds - head_seconds,
            "setup": trainer.setup_seconds,
            **({"target_head": head_seconds} if self.target_head_ is not None else {}),
            "training": time.perf_counter() - started - preprocessing,
        }
        if best.state is not None:
            best.restore(self.generator_)
            self.history_.selected = {"epoch": best.epoch, "fidelity": best.score}
        if dp_plan is not None:
            self.privacy_["differential_privacy"] = dp_plan.record(trainer.private_steps)
        self.generator_.eval()
        if self._calibrates:
            calibration_started = time.perf_counter()
            self._calibrate()
            self.history_.timings["calibration"] = time.perf_counter() - calibration_started
        return self

    @staticmethod
    def _fit_target_head(
        config: TabGANConfig, encoder: TableEncoder, encoded: EncodedTable, target: str | None, device: torch.device, seed: int
    ) -> TargetHead | None:
        """The target head (:mod:`tabgan.target_head`) when the schema's target is categorical
        with two or more options, ``target_head`` is on and the fit is not private."""
        code_column = encoder.category_code_column(target)
        if not config.target_head or config.dp_epsilon is not None or code_column is None:
            return None
        if encoder.layout.onehot_widths[code_column] < 2 or feature_width(encoder.layout, code_column) == 0:
            return None  # one option, or no other column to read
        rng = torch.Generator(device=device).manual_seed(_derive_seed(seed, 15))
        return fit_target_head(encoder.layout, encoded.scalars, encoded.codes, code_column, device, rng)

    @property
    def _calibrates(self) -> bool:
        """Whether the fit ends by calibrating on generated rows (numbers' quantiles, the
        target head's priors)."""
        return bool(self.config_.quantile_levels) or self.target_head_ is not None

    @torch.no_grad()
    def _calibration_estimate(self, rows: int = 2_000) -> float:
        """Seconds ``_calibrate`` will take, from timing the same work on ``rows`` rows
        (the generator in eval mode, on its own seed streams, so training is not disturbed)."""
        self.generator_.eval()
        np_rng = np.random.default_rng(_derive_seed(self.seed_, 13))
        torch_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(self.seed_, 14))
        sampler = self._condition_sampler()
        started = time.perf_counter()
        cond = sampler.sample_original(rows, torch_rng).index if sampler.n_columns else torch.zeros(rows, 0, device=self.device_)
        self._calibration_rows(cond, torch_rng, np_rng, record=False)
        seconds = time.perf_counter() - started
        self.generator_.train()
        return seconds * CALIBRATION_ROWS / rows

    @torch.no_grad()
    def _calibrate(self) -> None:
        """From CALIBRATION_ROWS unconditional rows of the trained generator (their own seed
        stream): record the quantiles of every numeric column, for the encoder's marginal
        calibration, and match the target head's priors to the real target frequencies."""
        np_rng = np.random.default_rng(_derive_seed(self.seed_, 11))
        torch_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(self.seed_, 12))
        sampler = self._condition_sampler()
        rows = CALIBRATION_ROWS
        cond = sampler.sample_original(rows, torch_rng).index if sampler.n_columns else torch.zeros(rows, 0, device=self.device_)
        self._calibration_rows(cond, torch_rng, np_rng, record=True)

    def _calibration_rows(
        self, cond: torch.Tensor, torch_rng: torch.Generator, np_rng: np.random.Generator, record: bool
    ) -> None:
        """The work of the calibration: generated rows for ``cond``; their numbers' quantiles,
        then (with those in place) the target head's priors on the decoded rows. With
        ``record`` False only the work is done (to time it), nothing is kept."""
        encoded = self._network_sample(cond, torch_rng, self.null_rates_, np_rng)
        if self.config_.quantile_levels and record:
            self.encoder_.fit_calibration(encoded)
        head = self.target_head_
        if head is not None:
            _, numbers = self.encoder_.decode_parts(encoded, np_rng, omit_ids=True)
            view = self.encoder_.reencode(encoded, numbers, np_rng)
            if record:
                head.calibrate(view.scalars, view.codes)
            else:
                head.probabilities(view.scalars, view.codes)

    def _privacy_record(self, config: TabGANConfig) -> dict[str, Any]:
        """What protects the training rows in this model, saved in model.json (and the report)."""
        return {
            "no_copies": self.copy_filter_ is not None,
            "rare_category_threshold": config.rare_category_threshold,
            "rare_category_margin": config.rare_category_margin,
            "clip_quantile": config.clip_quantile,
            "differential_privacy": None,
        }

    def _training_monitor(
        self,
        frame: pd.DataFrame,
        epochs: int,
        started: float,
        best: BestState,
        user_hook: Callable[[TabGAN, int], bool | None] | None,
    ) -> Callable[[GANTrainer, int], bool]:
        """The epoch hook of a fit: stops at the time budget; with ``select_best``, scores the
        generator with a :class:`FidelityProbe` every so often and after the last epoch, and
        keeps the best. Without a time budget the probes fall on fixed epochs (about
        PROBES_PER_FIT of them), so a seed gives the same model on any machine; under a time
        budget, which is a matter of the clock anyway, their cost is kept to about
        1/PROBE_COST_SHARE of training time."""
        config = self.config_
        probe = None
        if config.select_best and self.cluster_.is_primary:  # rank 0 keeps (and saves) the best
            probe = FidelityProbe(self.schema_, frame, np.random.default_rng(_derive_seed(self.seed_, 6)))
        pending = {"training": 0.0, "cost": 0.0}
        every = max(1, epochs // PROBES_PER_FIT)
        # under a time budget, the calibration that follows training is part of the fit
        reserve = self._calibration_estimate() if config.time_budget is not None and self._calibrates else 0.0

        def hook(trainer: GANTrainer, epoch: int) -> bool:
            record = trainer.history.epochs[-1]
            elapsed = time.perf_counter() - started
            stop = config.time_budget is not None and elapsed + record["seconds"] * 1.05 + reserve > config.time_budget
            pending["training"] += record["seconds"]
            if config.time_budget is None:
                due = epoch % every == 0
            else:
                due = pending["training"] >= PROBE_COST_SHARE * pending["cost"]
            if probe is not None and (stop or epoch == epochs or due):
                probe_started = time.perf_counter()
                score = probe.score(self._probe_sample(probe.rows))
                record["fidelity"] = score["score"]
                best.offer(self.generator_, score["score"], epoch)
                pending["training"], pending["cost"] = 0.0, time.perf_counter() - probe_started
            if user_hook is not None and user_hook(self, epoch):
                stop = True
            return bool(stop)

        return hook

    @torch.no_grad()
    def _probe_sample(self, rows: int) -> pd.DataFrame:
        """Rows from the current generator, always from the same seeds (so checkpoints differ
        only by their weights), for the validation probe."""
        self.generator_.eval()
        np_rng = np.random.default_rng(_derive_seed(self.seed_, 7))
        torch_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(self.seed_, 8))
        sampler = self._condition_sampler()
        if sampler.n_columns:
            cond = sampler.sample_original(rows, torch_rng).index
        else:
            cond = torch.zeros(rows, 0, device=self.device_)
        return self._generate(cond, np_rng, torch_rng, {}, calibrate_nulls=True)

    # -- sample ----------------------------------------------------------------------------------
    def _condition_sampler(self) -> ConditionSampler:
        counts = torch.as_tensor(np.asarray(self.condition_counts_, dtype=np.int64), device=self.device_)
        return ConditionSampler(self.layout_.cond_widths, counts)

    def _generate(
        self,
        cond: torch.Tensor,
        np_rng: np.random.Generator,
        torch_rng: torch.Generator,
        ids: dict[str, pd.Series] | None,
        calibrate_nulls: bool = False,
    ) -> pd.DataFrame:
        """Rows for the given conditions (indices or dense vectors), decoded; id columns taken
        from ``ids`` (generated when missing from it; left out when ``ids`` is None).
        ``calibrate_nulls`` (unconditional sampling only) matches the training null rates."""
        encoded = self._network_sample(cond, torch_rng, self.null_rates_ if calibrate_nulls else None, np_rng)
        return self._decode(encoded, np_rng, ids)

    def _draw_target(
        self, frame: pd.DataFrame, encoded: EncodedTable, numbers: dict[str, np.ndarray], np_rng: np.random.Generator
    ) -> None:
        """Replace the generated target of every row by a draw from the target head, which
        reads the rows' final values (numbers after calibration and common values) encoded
        as the real rows it learned from were."""
        head = self.target_head_
        assert head is not None
        view = self.encoder_.reencode(encoded, numbers, np_rng)
        codes = head.draw(view.scalars, view.codes, np_rng)
        codec = next(c for c in self.encoder_.codecs if c.column.name == self.schema_.target)
        frame[codec.column.name] = codec.decode(np.zeros((len(codes), 0), np.float32), codes[:, None], np_rng).to_numpy()

    def _network_sample(
        self,
        cond: torch.Tensor,
        torch_rng: torch.Generator,
        null_rates: dict[int, float] | None,
        np_rng: np.random.Generator,
    ) -> EncodedTable:
        """The generator's rows for ``cond`` in encoded form: scalars and each span's option
        (Gumbel-max); with ``null_rates``, nulls calibrated over all the rows."""
        return self._encode_draw(self._network_draw(cond, torch_rng, bool(null_rates)), null_rates, np_rng)

    @torch.no_grad()
    def _network_draw(self, cond: torch.Tensor, torch_rng: torch.Generator, with_nulls: bool) -> NetworkDraw:
        """The torch half of :meth:`_network_sample` (draws from ``torch_rng`` only): the
        generator's scalars and span options for ``cond``, and with ``with_nulls`` each nullable
        span's null score and best other option, computed in slices of GENERATOR_BATCH rows (fewer
        for a network with more than GENERATOR_BATCH_OUTPUTS / GENERATOR_BATCH outputs) so
        the network's memory stays small at any chunk size."""
        rows = cond.shape[0]
        layout = self.layout_
        precision = resolve_precision(self.sample_precision, self.device_)
        scalars = np.empty((rows, layout.n_scalars), dtype=np.float32)
        codes = np.empty((rows, len(layout.onehot_widths)), dtype=np.int64)
        null_options = self.encoder_.null_options() if with_nulls else {}
        null_choices = {j: (np.empty(rows, np.float32), np.empty(rows, np.int64)) for j in null_options}
        batch = max(256, min(GENERATOR_BATCH, GENERATOR_BATCH_OUTPUTS // max(1, layout.data_dim)))
        for start in range(0, rows, batch):
            part = cond[start : start + batch]
            stop = start + part.shape[0]
            noise = torch.randn(part.shape[0], self.config_.noise_dim, generator=torch_rng, device=self.device_)
            with product_precision(precision):
                raw = self.generator_.infer(noise, part)
            drawn = self.activation_.sample(raw, torch_rng, null_options)
            scalars[start:stop] = drawn.scalars.float().cpu().numpy()
            codes[start:stop] = drawn.codes.cpu().numpy()
            for j, (score, non_null) in null_choices.items():
                if j in drawn.null_scores:
                    score[start:stop] = drawn.null_scores[j].float().cpu().numpy()
                    non_null[start:stop] = drawn.non_null_codes[j].cpu().numpy()
        usable = {j: c for j, c in null_choices.items() if layout.onehot_widths[j] > 1}
        return NetworkDraw(scalars, codes, usable)

    def _encode_draw(
        self, draw: NetworkDraw, null_rates: dict[int, float] | None, np_rng: np.random.Generator
    ) -> EncodedTable:
        """The numpy half of :meth:`_network_sample`: ``draw`` as an encoded table, nulls
        calibrated to ``null_rates`` when given."""
        return self.encoder_.network_to_encoded(draw.scalars, draw.codes, draw.null_choices, null_rates, np_rng)

    def _decode(self, encoded: EncodedTable, np_rng: np.random.Generator, ids: dict[str, pd.Series] | None) -> pd.DataFrame:
        """Encoded rows as a frame: columns decoded, the target drawn by its head, looked-up
        columns and constraints applied (see :meth:`_generate`)."""
        frame, numbers = self.encoder_.decode_parts(encoded, np_rng, ids=ids, omit_ids=ids is None)
        if self.target_head_ is not None:
            self._draw_target(frame, encoded, numbers, np_rng)
        return self.constraints_.reverse(frame)

    @property
    def sample_chunk_rows(self) -> int:
        """Rows a sampled chunk holds by default: SAMPLE_CHUNK_ROWS, or fewer for a table so
        wide that a chunk would hold more than SAMPLE_CHUNK_CELLS values (at least 1,000)."""
        self._check_fitted()
        return max(1_000, min(SAMPLE_CHUNK_ROWS, SAMPLE_CHUNK_CELLS // max(1, len(self.schema_.names))))

    @torch.no_grad()
    def iter_sample(
        self,
        n: int,
        seed: int | None = None,
        chunk_rows: int | None = None,
        conditions: dict[str, Any] | list[str] | str | None = None,
        distance_filter: DistanceFilter | None = None,
        offset: int = 0,
        total: int | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Generate ``n`` rows as a stream of frames of at most ``chunk_rows`` rows each
        (default :attr:`sample_chunk_rows`).

        ``conditions`` (see :mod:`tabgan.conditions`) restrict every row; categorical
        equalities go through the condition vector, ranges through a bounded filter that
        fails fast with :class:`~tabgan.conditions.ConditionError` when they are too rare.
        ``distance_filter`` (:class:`~tabgan.privacy.distance.DistanceFilter`) also drops rows
        closer to a training row than its threshold; dropped rows are made up like copies.

        ``offset`` and ``total`` make these rows [offset, offset + n) of a larger run of
        ``total`` rows sampled in pieces (the parts of :func:`tabgan.export.write_partitioned`,
        each with its own ``seed``): id columns are then drawn chunk by chunk from this piece's
        share of the id space, so pieces sampled apart never share an id, and frames are indexed
        by their row number in the run. Without ``total`` the ``n`` rows are a run of their own.
        """
        self._check_fitted()
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise TabganError(f"the number of rows to sample must be a positive integer, not {n!r}")
        n, offset = int(n), int(offset)
        chunk_rows = self.sample_chunk_rows if chunk_rows is None else chunk_rows
        if offset < 0 or offset + n > (n if total is None else total):
            raise TabganError(f"rows [{offset:,}, {offset + n:,}) do not lie within a run of {total or n:,} rows")
        plan = plan_conditions(normalise(conditions), self.schema_, self.encoder_, self.constraints_.derived)
        seed = self.seed_ if seed is None else int(seed)
        np_rng = np.random.default_rng(_derive_seed(seed, 2))
        torch_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(seed, 3))
        sampler = self._condition_sampler()
        ids_for = self._id_source(n, seed, offset, total)
        self.generator_.eval()

        def rejected(frame: pd.DataFrame) -> np.ndarray:
            mask = self._copies(frame)
            if distance_filter is not None:
                mask |= distance_filter.too_close(frame)
            return mask

        def condition_vectors(rows: int, rng: torch.Generator = torch_rng) -> torch.Tensor:
            if plan.options:
                vector = torch.zeros(rows, sampler.width, device=self.device_)
                for column, option in plan.options.items():
                    vector[:, int(sampler.offsets[column]) + option] = 1.0
                return vector
            if sampler.n_columns:  # one option per row: the networks take it as an index
                return sampler.sample_original(rows, rng).index
            return torch.zeros(rows, 0, device=self.device_)

        if plan.empty:
            yield from self._iter_unconditioned(
                n, offset, chunk_rows, condition_vectors, np_rng, torch_rng, seed, ids_for, rejected
            )
            return
        for chunk in self._iter_conditioned(n, plan, condition_vectors, np_rng, torch_rng, ids_for, chunk_rows, rejected):
            if offset:
                chunk.index = chunk.index + offset
            yield chunk

    def _iter_unconditioned(
        self,
        n: int,
        offset: int,
        chunk_rows: int,
        condition_vectors: Callable[[int, torch.Generator], torch.Tensor],
        np_rng: np.random.Generator,
        torch_rng: torch.Generator,
        seed: int,
        ids_for: Callable[[int, int], dict[str, Any]],
        rejected: Callable[[pd.DataFrame], np.ndarray],
    ) -> Iterator[pd.DataFrame]:
        """Chunks of ``iter_sample`` without conditions. The network draws each chunk (from the
        main torch stream) in a background thread while the chunk before is decoded
        (:class:`~tabgan.draw_ahead.DrawAhead`); rows made up for dropped copies come from a
        stream of their own (seed stream 16), so no draw depends on the threads' timing."""
        refill_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(seed, 16))
        precision = resolve_precision(self.sample_precision, self.device_)
        starts = list(range(0, n, chunk_rows))
        sizes = [min(chunk_rows, n - start) for start in starts]

        def draw(rows: int) -> NetworkDraw:
            return self._network_draw(condition_vectors(rows, torch_rng), torch_rng, with_nulls=True)

        def more_rows(rows: int) -> pd.DataFrame:
            return self._generate(condition_vectors(rows, refill_rng), np_rng, refill_rng, None, calibrate_nulls=True)

        with DrawAhead(draw, sizes) as ahead:
            for start, rows in zip(starts, sizes):
                # the precision is process-wide: held while a draw may run, which has ended
                # (settled) before the setting is restored, on an error too, and before yielding
                with product_precision(precision):
                    try:
                        first = self._decode(self._encode_draw(ahead.next(), self.null_rates_, np_rng), np_rng, None)
                        frame = self._new_rows(rows, more_rows, rejected, first=first)
                    finally:
                        ahead.settle()
                for name, values in ids_for(start, rows).items():
                    frame[name] = values
                frame = frame[self.schema_.names]
                frame.index = pd.RangeIndex(offset + start, offset + start + rows)
                yield frame

    def _id_source(self, n: int, seed: int, offset: int, total: int | None) -> Callable[[int, int], dict[str, Any]]:
        """``ids_for(start, rows)``: the id columns of rows [start, start + rows) of a sample of
        ``n`` rows (rows [offset, offset + n) of a run of ``total``, the whole run without it),
        drawn chunk by chunk from a generator of their own (seed stream 10), each chunk from its
        share of the id space (:mod:`tabgan.transforms.ids`): memory stays bounded by one chunk
        (10M text ids drawn at once peaked 1.3 GB above the start, 19 MB in 100k-row chunks:
        benchmarks/text_ids.py), and ids rise from chunk to chunk."""
        run = n if total is None else total
        id_rng = np.random.default_rng(_derive_seed(seed, 10))
        return lambda start, rows: {
            k: v.array for k, v in self.encoder_.generate_ids(rows, id_rng, offset + start, run).items()
        }

    def _iter_conditioned(
        self,
        n: int,
        plan: ConditionPlan,
        condition_vectors: Callable[[int], torch.Tensor],
        np_rng: np.random.Generator,
        torch_rng: torch.Generator,
        ids_for: Callable[[int, int], dict[str, Any]],
        chunk_rows: int,
        rejected: Callable[[pd.DataFrame], np.ndarray],
    ) -> Iterator[pd.DataFrame]:
        """Rounds of generation, discrete values written in, ranges filtered; bounded trials."""
        budget = max(MIN_TRIAL_ROWS, TRIALS_PER_ROW * n)
        trials = accepted = emitted = 0
        buffer: list[pd.DataFrame] = []  # accepted rows not yet emitted
        while emitted < n:
            if accepted:
                rate = accepted / trials
                if (n - accepted) / rate > budget - trials:
                    raise ConditionError(self._too_rare(plan, trials, rate))
            elif trials >= min(budget, MIN_TRIALS_BEFORE_GIVING_UP):
                raise ConditionError(self._too_rare(plan, trials, None))
            else:
                rate = 1.0 if not trials else 1.0 / MIN_TRIALS_BEFORE_GIVING_UP
            rows = min(chunk_rows, max(1_000, int(np.ceil((n - accepted) / rate * 1.2))), budget - trials)
            frame = self._generate(condition_vectors(rows), np_rng, torch_rng, None)
            for name, value in plan.values.items():
                frame[name] = self._typed_constant(name, value, len(frame))
            if plan.values:
                frame = self.constraints_.rederive(frame)  # looked-up columns follow the written values
            keep = plan.accept(frame, self.schema_) & ~rejected(frame)
            trials += rows
            accepted += int(keep.sum())
            buffer.append(frame[keep])
            buffered = sum(len(b) for b in buffer)
            while buffered and (buffered >= chunk_rows or emitted + buffered >= n):
                ready = pd.concat(buffer, ignore_index=True)
                take = min(chunk_rows, n - emitted, len(ready))
                chunk = ready.iloc[:take].copy()
                for name, values in ids_for(emitted, take).items():
                    chunk[name] = values
                chunk = chunk[self.schema_.names]
                chunk.index = pd.RangeIndex(emitted, emitted + take)
                emitted += take
                yield chunk
                rest = ready.iloc[take:]
                buffer = [rest] if len(rest) and emitted < n else []
                buffered = sum(len(b) for b in buffer)

    def _copies(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` copy a training row (all False without the copy filter)."""
        if self.copy_filter_ is None:
            return np.zeros(len(frame), dtype=bool)
        return self.copy_filter_.matches(frame)

    def _new_rows(
        self,
        rows: int,
        make: Callable[[int], pd.DataFrame],
        rejected: Callable[[pd.DataFrame], np.ndarray],
        first: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """``rows`` generated rows none of which is ``rejected`` (copies a training row, or sits
        too close to one): those are dropped and made up with more rows from ``make`` (bounded:
        fails when fewer than MIN_NEW_ROW_RATE of rows pass). ``first``: the first ``rows``
        rows, when already made."""
        parts, have, tried = [], 0, 0
        frame = make(rows) if first is None else first
        while True:
            mask = rejected(frame)
            if not parts and not mask.any():
                return frame  # the usual case: nothing to drop
            fresh = frame[~mask]
            parts.append(fresh)
            have, tried = have + len(fresh), tried + len(frame)
            if have >= rows:
                break
            rate = have / tried
            if tried >= 1_000 and rate < MIN_NEW_ROW_RATE:
                raise TabganError(
                    f"only {rate:.1%} of {tried:,} generated rows differ from every training row (or keep the asked "
                    "distance from them): this table has too few distinct rows to sample without copies "
                    "(set no_copies=False / --allow-copies, or a lower distance quantile)"
                )
            frame = make(min(10 * rows, int(np.ceil((rows - have) / max(rate, MIN_NEW_ROW_RATE) * 1.2)) + 16))
        return pd.concat(parts, ignore_index=True).iloc[:rows]

    def _typed_constant(self, name: str, value: Any, rows: int) -> pd.Series:
        column = self.schema_.column(name)
        return restore_dtype(pd.Series([value] * rows, dtype=object), column.dtype, column.nullable)

    def _too_rare(self, plan: ConditionPlan, trials: int, rate: float | None) -> str:
        text = " and ".join(r.text for r in plan.ranges.values()) or "the conditions"
        if self.copy_filter_ is not None:
            text += " (rows that copy a training row do not count)"
        if rate is None:
            return f"condition {text}: none of {trials:,} generated rows met it; it is too rare to sample"
        return (
            f"condition {text}: only {rate:.4%} of {trials:,} generated rows met it; the requested rows would "
            f"need more than the limit of max({MIN_TRIAL_ROWS:,}, {TRIALS_PER_ROW} x n) generated rows"
        )

    def sample(
        self,
        n: int | None = None,
        seed: int | None = None,
        conditions: dict[str, Any] | list[str] | str | pd.DataFrame | None = None,
        distance_filter: DistanceFilter | None = None,
    ) -> pd.DataFrame:
        """``n`` synthetic rows with the real columns, dtypes and nulls.

        Without ``seed`` the model's own seed is used, so the same model gives the same rows,
        also after ``save`` and ``load`` in another process. ``conditions``: see
        :meth:`iter_sample`; a DataFrame of per-row conditions goes to :meth:`sample_like`.
        """
        if isinstance(conditions, pd.DataFrame):
            if n is not None and n != len(conditions):
                raise TabganError(f"n={n} but the frame of per-row conditions has {len(conditions)} rows")
            return self.sample_like(conditions, seed)
        frames = list(self.iter_sample(n, seed, conditions=conditions, distance_filter=distance_filter))
        return pd.concat(frames) if len(frames) > 1 else frames[0]

    @torch.no_grad()
    def sample_like(self, conditions: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """One generated row per row of ``conditions``: its non-null cells are kept as given,
        the other columns are generated. Categorical cells steer the generator through the
        condition vector; numeric and date cells are written into the generated row."""
        self._check_fitted()
        if len(conditions) == 0:
            raise TabganError("the frame of per-row conditions has no rows")
        unknown = [c for c in conditions.columns if c not in self.schema_.names]
        if unknown:
            raise ConditionError(f"per-row conditions: there is no column {unknown[0]!r}")
        seed = self.seed_ if seed is None else int(seed)
        np_rng = np.random.default_rng(_derive_seed(seed, 4))
        torch_rng = torch.Generator(device=self.device_).manual_seed(_derive_seed(seed, 5))
        sampler = self._condition_sampler()
        n = len(conditions)
        given = self._given_through_determinants(conditions.reset_index(drop=True))
        cond = sampler.sample_original(n, torch_rng).vector if sampler.n_columns else torch.zeros(n, 0)
        discrete = {c.column.name: c for c in self.encoder_.codecs if isinstance(c, CategoricalCodec)}
        steered = torch.zeros(n, dtype=torch.bool, device=self.device_)
        for name, j in self.encoder_.condition_index().items():
            codec = discrete[name]
            if name not in given.columns or not given[name].notna().any():
                continue
            present = given[name].notna().to_numpy()
            _, codes = codec.encode(given.loc[present, name], np_rng)  # unseen labels raise here
            rows = torch.as_tensor(np.flatnonzero(present), device=self.device_)
            first = rows[~steered[rows]]
            cond[first] = 0.0  # drop the random condition where a real one is given
            steered[rows] = True
            cond[rows, int(sampler.offsets[j]) + torch.as_tensor(codes[:, 0], device=self.device_)] = 1.0
        for name in given.columns:
            column = self.schema_.column(name)
            if column.kind == "id" and given[name].notna().any():
                raise ConditionError(f"per-row conditions: id column {name!r} is generated, not given")
            if column.kind in ("continuous", "integer"):
                numbers = pd.to_numeric(given[name], errors="coerce")
                if (numbers.isna() & given[name].notna()).any():
                    raise ConditionError(f"per-row conditions: column {name!r} holds a value that is not a number")
        cond = cond.to(self.device_)
        ids = self.encoder_.generate_ids(n, np_rng)
        frame = self._rows_like(given, cond, np.arange(n), np_rng, torch_rng)
        for _ in range(COPY_RETRIES):  # rows that copy a training row are generated again
            again = np.flatnonzero(self._copies(frame))
            if not len(again):
                break
            redo = self._rows_like(given, cond, again, np_rng, torch_rng)
            frame.iloc[again] = redo.to_numpy()
        else:
            if self._copies(frame).any():
                row = int(np.flatnonzero(self._copies(frame))[0]) + 1
                raise TabganError(
                    f"per-row conditions: row {row} gives the generator no room to differ from a training row "
                    f"(tried {COPY_RETRIES + 1} times); give fewer cells or set no_copies=False / --allow-copies"
                )
        for name, values in ids.items():
            frame[name] = values.to_numpy()
        return frame[self.schema_.names]

    def _rows_like(
        self,
        given: pd.DataFrame,
        cond: torch.Tensor,
        rows: np.ndarray,
        np_rng: np.random.Generator,
        torch_rng: torch.Generator,
    ) -> pd.DataFrame:
        """Generated rows for the per-row conditions ``given.iloc[rows]``, given cells written in."""
        frame = self._generate(cond[torch.as_tensor(rows, device=self.device_)], np_rng, torch_rng, None)
        part = given.iloc[rows].reset_index(drop=True)
        for name in part.columns:
            present = part[name].notna().to_numpy()
            if not present.any():
                continue
            column = self.schema_.column(name)
            merged = frame[name].astype(object).where(~present, part[name].astype(object))
            frame[name] = restore_dtype(merged, column.dtype, column.nullable).to_numpy()
        return self.constraints_.rederive(frame)

    def _given_through_determinants(self, given: pd.DataFrame) -> pd.DataFrame:
        """Per-row cells of a looked-up column (a ``determined`` constraint) given as cells of
        its determinant, so the generator is steered by them; a value that no label, or several
        labels, give is refused."""
        given = given.copy()
        for name, rule in self.constraints_.derived.items():
            if name not in given.columns or not given[name].notna().any():
                continue
            if rule.by not in given.columns:
                given[rule.by] = pd.Series([None] * len(given), dtype=object)
            wanted = given[name].dropna().astype(object)  # Python values, as the messages show them
            counts, labels = rule.labels_giving(wanted)
            if (counts != 1).any():
                first = int(np.flatnonzero(counts != 1)[0])
                raise ConditionError(
                    f"per-row conditions: column {name!r} is looked up from {rule.by!r} (a determined constraint) "
                    f"and {'no' if not counts[first] else int(counts[first])} of its labels give "
                    f"{preview(wanted.iloc[first])}; give {rule.by!r} instead"
                )
            existing = given.loc[wanted.index, rule.by]
            clash = existing.notna().to_numpy() & (existing.astype(object).to_numpy() != labels)
            if clash.any():
                first = int(np.flatnonzero(clash)[0])
                raise ConditionError(
                    f"per-row conditions: row {int(wanted.index[first]) + 1} gives {name} = "
                    f"{preview(wanted.iloc[first])} and a {rule.by} that does not come with it"
                )
            given[rule.by] = given[rule.by].astype(object)
            given.loc[wanted.index, rule.by] = labels
        return given

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model to a directory of JSON, YAML and safetensors files (atomically)."""
        self._check_fitted()
        from tabgan.persistence import save_model

        return save_model(self, Path(path))

    @classmethod
    def load(cls, path: str | Path, device: str = "auto", sample_precision: str = "auto") -> TabGAN:
        """Read a model saved by :meth:`save`. Never unpickles anything. ``sample_precision``
        (auto, fp32 or bf16) sets the generator's products when sampling (tabgan.nn.precision)."""
        from tabgan.persistence import load_model

        model = load_model(Path(path), device)
        resolve_precision(sample_precision, model.device_)  # refuse a bad value now, by name
        model.sample_precision = sample_precision
        return model

    @classmethod
    def _from_parts(
        cls,
        config: TabGANConfig,
        seed: int,
        schema: TableSchema,
        constraints: ConstraintSet,
        encoder: TableEncoder,
        layout: NetworkLayout,
        history: History,
        generator: Generator,
        condition_counts: list[int],
        null_rates: dict[int, float],
        n_training_rows: int,
        device: torch.device,
        copy_filter: CopyFilter | None = None,
        privacy: dict[str, Any] | None = None,
        target_head: TargetHead | None = None,
    ) -> TabGAN:
        settings = {
            k: v for k, v in config.to_dict().items() if k not in ("epochs", "batch_size", "device")
        }
        model = cls(epochs=config.epochs, batch_size=config.batch_size, random_state=seed, device=config.device, **settings)
        model.config_ = config
        model.seed_ = seed
        model.schema_ = schema
        model.constraints_ = constraints
        model.encoder_ = encoder
        model.layout_ = layout
        model.history_ = history
        model.condition_counts_ = list(condition_counts)
        model.null_rates_ = dict(null_rates)
        model.n_training_rows_ = n_training_rows
        model.generator_ = generator.eval()
        model.activation_ = SpanActivation(layout.n_scalars, list(layout.onehot_widths), config.gumbel_tau).to(device)
        model.device_ = device
        model.copy_filter_ = copy_filter
        model.target_head_ = target_head
        model.privacy_ = dict(privacy or {})
        model.cluster_ = Cluster()
        return model
