"""The training loop: critic and generator steps over conditional batches; returns a history."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from tabgan.conditioning import ConditionBatch, ConditionSampler
from tabgan.config import TabGANConfig
from tabgan.nn import Critic, Generator, SpanActivation, build_module, gradient_penalty
from tabgan.transforms.encoder import NetworkLayout


@dataclass
class History:
    """Per-epoch training record, saved with the model."""

    epochs: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs}


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
        lambda: Critic(layout.data_dim + cond_dim, tuple(config.critic_dims), config.pac, config.critic_dropout),
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
    ) -> None:
        self.layout = layout
        self.config = config
        self.device = device
        self.rng = generator
        self.scalars = scalars.to(device)
        self.codes = codes.to(device)
        widths = torch.tensor(layout.onehot_widths, dtype=torch.long, device=device)
        self.starts = torch.cumsum(widths, 0) - widths  # where each one-hot span begins
        self.onehot_width = sum(layout.onehot_widths)
        self.sampler = ConditionSampler.from_codes(self.codes[:, list(layout.cond_columns)], layout.cond_widths)
        self.cond_columns = torch.tensor(list(layout.cond_columns), dtype=torch.long, device=device)
        self.generator, self.critic, self.activation = build_networks(layout, config, device, generator)
        betas = (0.5, 0.9)
        fused = device.type in ("cpu", "cuda")  # one kernel per step instead of several per tensor
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=config.generator_lr, betas=betas, weight_decay=config.weight_decay, fused=fused
        )
        self.opt_d = torch.optim.Adam(
            self.critic.parameters(), lr=config.critic_lr, betas=betas, weight_decay=config.weight_decay, fused=fused
        )

    # -- batches -----------------------------------------------------------------------------
    def real_batch(self, rows: torch.Tensor) -> torch.Tensor:
        """Dense ``[scalars | one-hots]`` for the given real rows, built on the device."""
        onehot = torch.zeros(rows.shape[0], self.onehot_width, device=self.device)
        onehot.scatter_(1, self.codes[rows] + self.starts[None, :], 1.0)
        return torch.cat([self.scalars[rows], onehot], dim=1)

    def conditions(self, batch: int) -> ConditionBatch:
        if self.sampler.n_columns == 0:
            rows = torch.randint(self.scalars.shape[0], (batch,), generator=self.rng, device=self.device)
            empty = torch.zeros(batch, 0, device=self.device)
            zero = torch.zeros(batch, dtype=torch.long, device=self.device)
            return ConditionBatch(empty, zero, zero, rows)
        return self.sampler.sample_train(batch, self.rng)

    def fake_batch(self, cond: ConditionBatch) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.randn(cond.vector.shape[0], self.config.noise_dim, generator=self.rng, device=self.device)
        raw = self.generator(noise, cond.vector)
        return raw, self.activation(raw, self.rng)

    # -- steps -------------------------------------------------------------------------------
    def critic_step(self, batch: int) -> float:
        cond = self.conditions(batch)
        with torch.no_grad():
            _, fake = self.fake_batch(cond)
        real = torch.cat([self.real_batch(cond.rows), cond.vector], dim=1)
        fake = torch.cat([fake, cond.vector], dim=1)
        # one critic call over real and fake packs together: fewer, larger matrix products
        scores = self.critic(torch.cat([real, fake], dim=0), self.rng)
        half = scores.shape[0] // 2
        wasserstein = scores[:half].mean() - scores[half:].mean()
        penalty = gradient_penalty(self.critic, real, fake, self.rng, self.config.gp_weight)
        loss = -wasserstein + penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return float(loss.detach())

    def generator_step(self, batch: int) -> tuple[float, float]:
        cond = self.conditions(batch)
        raw, fake = self.fake_batch(cond)
        # the critic's own weight gradients are not needed here: skip computing them
        self.critic.requires_grad_(False)
        score = self.critic(torch.cat([fake, cond.vector], dim=1), self.rng).mean()
        cond_loss = self.condition_loss(raw, cond)
        loss = -score + cond_loss
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.critic.requires_grad_(True)
        self.opt_g.step()
        return float(-score.detach()), float(cond_loss.detach())

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
        history = History()
        n = self.scalars.shape[0]
        batch = self.config.effective_batch_size(n)
        steps = max(1, n // batch)
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            self.generator.train()  # an epoch hook may have sampled in eval mode
            self.critic.train()
            d_total = g_total = c_total = 0.0
            for _ in range(steps):
                for _ in range(self.config.critic_steps):
                    d_total += self.critic_step(batch)
                g_loss, c_loss = self.generator_step(batch)
                g_total += g_loss
                c_total += c_loss
            seconds = time.perf_counter() - started
            record = {
                "epoch": epoch,
                "critic_loss": d_total / (steps * self.config.critic_steps),
                "generator_loss": g_total / steps,
                "condition_loss": c_total / steps,
                "seconds": seconds,
                "rows_per_second": steps * batch / seconds if seconds > 0 else 0.0,
            }
            history.epochs.append(record)
            if progress is not None:
                progress(epoch, epochs, record)
            if epoch_hook is not None and epoch_hook(self, epoch):
                break
        return history
