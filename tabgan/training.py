"""The training loop: critic and generator steps over conditional batches; returns a history."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.nn import functional as F

from tabgan.conditioning import ConditionBatch, ConditionSampler
from tabgan.config import TabGANConfig
from tabgan.distributed import Cluster
from tabgan.errors import ConfigError
from tabgan.nn import Critic, Generator, SpanActivation, TargetClassifier, build_module, gradient_penalty
from tabgan.privacy.dp import DPPlan, poisson_rows, private_critic_gradients
from tabgan.transforms.encoder import NetworkLayout


@dataclass
class History:
    """Per-epoch training record, saved with the model."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    # wall-clock parts of fit(): "preprocessing" (validation, constraints, encoders, the
    # condition sampler's index, the copy filter), "setup" (building the networks and their
    # optimisers; the first fit of a process also pays torch's lazy imports here, about 1.1 s
    # on a 2-core machine), "training" (epochs and validation probes) and, with
    # calibrate_numbers, "calibration" (the generated quantiles recorded after training)
    timings: dict[str, float] = field(default_factory=dict)
    # the epoch whose generator was kept (best validation fidelity) and its score; empty if none
    selected: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "timings": self.timings, "selected": self.selected}


ProgressCallback = Callable[[int, int, dict[str, float]], None]
# called after each epoch with the trainer and the epoch number; returning True stops training
EpochHook = Callable[["GANTrainer", int], bool | None]


def build_networks(
    layout: NetworkLayout, config: TabGANConfig, device: torch.device, generator: torch.Generator
) -> tuple[Generator, Critic, SpanActivation]:
    cond_dim = sum(layout.cond_widths)
    gen = build_module(
        lambda: Generator(config.noise_dim, cond_dim, tuple(config.generator_dims), layout.data_dim), device, generator
    )
    critic = build_module(
        lambda: Critic(layout.data_dim, cond_dim, tuple(config.critic_dims), config.pac, config.critic_dropout),
        device,
        generator,
    )
    activation = SpanActivation(layout.n_scalars, list(layout.onehot_widths), config.gumbel_tau).to(device)
    return gen, critic, activation


class GANTrainer:
    """Holds the networks, optimisers and the encoded table on one device; runs epochs."""

    def __init__(
        self,
        layout: NetworkLayout,
        scalars: torch.Tensor,
        codes: torch.Tensor,
        config: TabGANConfig,
        device: torch.device,
        generator: torch.Generator,
        dp_plan: DPPlan | None = None,
        released_counts: torch.Tensor | None = None,
        cluster: Cluster | None = None,
        target_code: int | None = None,
    ) -> None:
        """With ``dp_plan``, the critic trains with DP-SGD (:mod:`tabgan.privacy.dp`) and the
        generator's conditions are drawn from ``released_counts`` (the noisy option counts).
        With a ``cluster`` of several ranks, ``scalars`` and ``codes`` are this rank's rows and
        both networks train under DistributedDataParallel (gradients averaged over ranks).
        ``target_code``: the code column of a categorical target, for the auxiliary classifier."""
        self.cluster = cluster if cluster is not None else Cluster()
        self.layout = layout
        self.config = config
        self.device = device
        self.rng = generator
        self.scalars = scalars.to(device)
        self.codes = codes.to(device)
        widths = torch.tensor(layout.onehot_widths, dtype=torch.long, device=device)
        self.starts = torch.cumsum(widths, 0) - widths  # where each one-hot span begins
        self.onehot_width = sum(layout.onehot_widths)
        self.sampler = ConditionSampler.from_codes(
            self.codes[:, list(layout.cond_columns)], layout.cond_widths, config.condition_frequency
        )
        self.cond_columns = torch.tensor(list(layout.cond_columns), dtype=torch.long, device=device)
        self.critic_updates = 0
        self.dp_plan = dp_plan
        self.private_steps = 0  # DP-SGD critic steps taken
        if dp_plan is not None:
            counts = released_counts if released_counts is not None else self.sampler.counts
            self.released_sampler = ConditionSampler(layout.cond_widths, counts.to(device))
        setup_started = time.perf_counter()
        self.generator, self.critic, self.activation = build_networks(layout, config, device, generator)
        self.classifier: TargetClassifier | None = None
        if target_code is not None and config.classifier_weight > 0 and dp_plan is None:
            self._build_classifier(target_code)
        # the averaged generator that is sampled from (ema_decay > 0); always in eval mode
        self.ema = copy.deepcopy(self.generator).eval().requires_grad_(False) if config.ema_decay > 0 else None
        self.generator_updates = 0
        if config.precision == "bf16" and device.type != "cuda":
            raise ConfigError(f"precision 'bf16' is for CUDA; this fit runs on {device.type} (use fp32)")
        self.autocast = config.precision == "bf16"
        # the training-time views of the networks: under DDP, wrappers that average gradients
        # across ranks (the generator's update reaches the critic unwrapped: its gradients are
        # not used there); self.generator and self.critic stay the plain modules that are saved
        self.critic_forward = self.cluster.wrap(self.critic, device)
        generator_forward = self.cluster.wrap(self.generator, device)
        self.generator_forward = torch.compile(generator_forward) if config.compile else generator_forward
        betas = (0.5, 0.9)
        fused = device.type in ("cpu", "cuda")  # one kernel per step instead of several per tensor
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=config.generator_lr, betas=betas, weight_decay=config.weight_decay, fused=fused
        )
        self.opt_d = torch.optim.Adam(
            self.critic.parameters(), lr=config.critic_lr, betas=betas, weight_decay=config.weight_decay, fused=fused
        )
        self.setup_seconds = time.perf_counter() - setup_started  # networks and optimisers (History.timings)

    def _build_classifier(self, target_code: int) -> None:
        """The target classifier (it sees real rows, so never under DP) and its optimiser."""
        width = self.layout.onehot_widths[target_code]
        start = self.layout.n_scalars + int(self.starts[target_code])
        keep = torch.ones(self.layout.data_dim, dtype=torch.bool)
        keep[start : start + width] = False
        self.target_code = target_code
        self.target_span = (start, start + width)
        self.feature_index = torch.nonzero(keep).squeeze(1).to(self.device)
        dims = tuple(self.config.critic_dims)
        classifier = build_module(lambda: TargetClassifier(int(keep.sum()), dims, width), self.device, self.rng)
        self.classifier = classifier
        self.classifier_forward = self.cluster.wrap(classifier, self.device)
        self.opt_c = torch.optim.Adam(classifier.parameters(), lr=self.config.critic_lr, betas=(0.5, 0.9))

    def classifier_update(self, rows: torch.Tensor) -> None:
        """One step of the target classifier on real rows."""
        real = self.real_batch(rows)
        logits = self.classifier_forward(real[:, self.feature_index])
        loss = F.cross_entropy(logits, self.codes[rows, self.target_code].long())
        self.opt_c.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_c.step()

    def classifier_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """How much the classifier disagrees with the target generated next to the features."""
        if self.classifier is None:
            return torch.zeros((), device=self.device)
        start, stop = self.target_span
        logits = self.classifier(fake[:, self.feature_index])
        return F.cross_entropy(logits, fake[:, start:stop].argmax(dim=1))

    # -- batches -----------------------------------------------------------------------------
    def real_batch(self, rows: torch.Tensor) -> torch.Tensor:
        """Dense ``[scalars | one-hots]`` for the given real rows, built on the device."""
        onehot = torch.zeros(rows.shape[0], self.onehot_width, device=self.device)
        onehot.scatter_(1, self.codes[rows] + self.starts[None, :], 1.0)
        return torch.cat([self.scalars[rows], onehot], dim=1)

    def conditions(self, batch: int) -> ConditionBatch:
        if self.sampler.n_columns == 0:
            rows = torch.randint(self.scalars.shape[0], (batch,), generator=self.rng, device=self.device)
            zero = torch.zeros(batch, dtype=torch.long, device=self.device)
            return ConditionBatch(zero, 0, zero, zero, rows)
        return self.sampler.sample_train(batch, self.rng)

    def fake_batch(self, cond: ConditionBatch) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.randn(cond.index.shape[0], self.config.noise_dim, generator=self.rng, device=self.device)
        with self.mixed_precision():
            raw = self.generator_forward(noise, cond.index)
        raw = raw.float()
        return raw, self.activation(raw, self.rng)

    def mixed_precision(self) -> torch.autocast:
        """bf16 autocast on CUDA when asked for; a no-op context otherwise."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast)

    # -- differentially private steps -------------------------------------------------------
    def budget_left(self) -> bool:
        """Whether one more training step fits in the DP budget (always, without DP)."""
        return self.dp_plan is None or self.private_steps + self.config.critic_steps <= self.dp_plan.steps

    def own_conditions(self, rows: torch.Tensor) -> torch.Tensor:
        """For each real row, a random discrete column and the row's own option of it."""
        if self.sampler.n_columns == 0:
            return torch.zeros(rows.shape[0], dtype=torch.long, device=self.device)
        column = torch.randint(self.sampler.n_columns, (rows.shape[0],), generator=self.rng, device=self.device)
        option = self.codes[rows, self.cond_columns[column]]
        return self.sampler.offsets[column] + option

    def released_conditions(self, batch: int) -> ConditionBatch:
        """Conditions for generated rows, by the released (noisy) option frequencies."""
        if self.sampler.n_columns == 0:
            zero = torch.zeros(batch, dtype=torch.long, device=self.device)
            return ConditionBatch(zero, 0, zero, zero, None)
        return self.released_sampler.sample_original(batch, self.rng)

    def private_step(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``critic_steps`` DP-SGD critic updates on Poisson-sampled real rows, then one
        generator update on released conditions (it never sees a real row)."""
        plan = self.dp_plan
        assert plan is not None
        n = self.scalars.shape[0]
        for _ in range(self.config.critic_steps):
            rows = poisson_rows(n, plan.sample_rate, self.rng, self.device)
            cond = self.released_conditions(batch)
            with torch.no_grad():
                _, fake = self.fake_batch(cond)
            critic_loss = private_critic_gradients(
                self.critic, self.real_batch(rows), self.own_conditions(rows), fake, cond.index, plan,
                plan.sample_rate * n, self.config.gp_weight, self.rng,
            )
            self.opt_d.step()
            self.private_steps += 1
        cond = self.released_conditions(batch)
        raw, fake = self.fake_batch(cond)
        generator_loss, condition_loss = self.generator_update(cond, raw, fake)
        return critic_loss, generator_loss, condition_loss

    # -- steps -------------------------------------------------------------------------------
    def step(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One training step: ``critic_steps`` critic updates, then one generator update.

        The last critic update and the generator update share one generator forward pass
        (the critic sees it detached): half the generator's forward work of drawing a fresh
        batch for each. Returns the last critic loss, the generator loss and the condition loss
        as detached tensors on the device (read once an epoch: no host sync per step on CUDA).
        """
        for _ in range(self.config.critic_steps - 1):
            cond = self.conditions(batch)
            with torch.no_grad():
                _, fake = self.fake_batch(cond)
            self.critic_update(cond, fake)
        cond = self.conditions(batch)
        raw, fake = self.fake_batch(cond)
        critic_loss = self.critic_update(cond, fake.detach())
        if self.classifier is not None:
            self.classifier_update(cond.rows)
        generator_loss, condition_loss = self.generator_update(cond, raw, fake)
        return critic_loss, generator_loss, condition_loss

    def critic_update(self, cond: ConditionBatch, fake: torch.Tensor) -> torch.Tensor:
        real = self.real_batch(cond.rows)
        # one critic call over real and fake packs together: fewer, larger matrix products
        with self.mixed_precision():
            scores = self.critic_forward(
                torch.cat([real, fake], dim=0), torch.cat([cond.index, cond.index]), self.rng
            ).float()
        half = scores.shape[0] // 2
        loss = scores[half:].mean() - scores[:half].mean()
        self.critic_updates += 1
        every = self.config.gp_every
        if self.config.gp_weight > 0 and self.critic_updates % every == 0:
            # lazy regularisation: the penalty every `every` updates, weighted `every` times
            weight = self.config.gp_weight * every
            with self.mixed_precision():
                loss = loss + gradient_penalty(self.critic_forward, real, fake, cond.index, self.rng, weight).float()
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return loss.detach()

    def generator_update(
        self, cond: ConditionBatch, raw: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # the critic's own weight gradients are not needed here: skip computing them
        self.critic.requires_grad_(False)
        if self.classifier is not None:
            self.classifier.requires_grad_(False)
        with self.mixed_precision():
            score = self.critic(fake, cond.index, self.rng).float().mean()
        cond_loss = self.condition_loss(raw, cond)
        loss = -score + cond_loss + self.config.classifier_weight * self.classifier_loss(fake)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.critic.requires_grad_(True)
        if self.classifier is not None:
            self.classifier.requires_grad_(True)
        self.opt_g.step()
        self.update_average()
        return -score.detach(), cond_loss.detach()

    @torch.no_grad()
    def update_average(self) -> None:
        """Move the averaged generator towards the live one; the decay warms up from 0.1 so
        the random initial weights are forgotten within the first steps."""
        self.generator_updates += 1
        if self.ema is None:
            return
        t = self.generator_updates
        weight = 1.0 - min(self.config.ema_decay, (1 + t) / (10 + t))
        # one multi-tensor kernel for all parameters, one for the batch-norm statistics
        torch._foreach_lerp_(list(self.ema.parameters()), list(self.generator.parameters()), weight)
        torch._foreach_copy_(list(self.ema.buffers()), list(self.generator.buffers()))

    @property
    def sampled_generator(self) -> Generator:
        """The generator that samples: the averaged one when there is one."""
        return self.ema if self.ema is not None else self.generator

    def condition_loss(self, raw: torch.Tensor, cond: ConditionBatch) -> torch.Tensor:
        """Cross-entropy of the generator's chosen-column output against the asked option."""
        if self.sampler.n_columns == 0:
            return torch.zeros((), device=self.device)
        segment = self.cond_columns[cond.column]
        positions = self.starts[segment] + cond.option
        return -self.activation.log_probs(raw, positions, segment).mean()

    # -- loop --------------------------------------------------------------------------------
    def train(
        self, epochs: int, progress: ProgressCallback | None = None, epoch_hook: EpochHook | None = None
    ) -> History:
        self.history = history = History()
        n = self.scalars.shape[0]
        batch = self.config.effective_batch_size(n)
        steps = max(1, n // batch)
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            self.generator.train()  # an epoch hook may have sampled in eval mode
            self.critic.train()
            totals = torch.zeros(3, device=self.device)
            done = 0
            for _ in range(steps):
                if not self.budget_left():
                    break
                totals += torch.stack(self.private_step(batch) if self.dp_plan is not None else self.step(batch))
                done += 1
            if done == 0:
                break  # the privacy budget is spent
            d_total, g_total, c_total = totals.tolist()
            seconds = time.perf_counter() - started
            record = {
                "epoch": epoch,
                "critic_loss": d_total / done,
                "generator_loss": g_total / done,
                "condition_loss": c_total / done,
                "seconds": seconds,
                # rows of all ranks together
                "rows_per_second": done * batch * self.cluster.world_size / seconds if seconds > 0 else 0.0,
            }
            if self.dp_plan is not None:
                record["dp_steps"] = self.private_steps
            history.epochs.append(record)
            if progress is not None:
                progress(epoch, epochs, record)
            stop = epoch_hook is not None and bool(epoch_hook(self, epoch))
            if self.cluster.agree(stop, self.device):  # rank 0 decides for every rank
                break
            if not self.budget_left():
                break
        return history
