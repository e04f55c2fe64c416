"""The PacGAN critic and the WGAN-GP gradient penalty."""

from __future__ import annotations

import torch
from torch import nn


class Critic(nn.Module):
    """Scores packs of ``pac`` rows together (PacGAN), which penalises mode collapse.

    Dropout masks are drawn from an explicit generator passed to ``forward``.
    """

    def __init__(self, in_dim: int, hidden: tuple[int, ...], pac: int = 10, dropout: float = 0.5) -> None:
        super().__init__()
        self.pac = pac
        self.dropout = dropout
        self.in_dim = in_dim
        layers, width = [], in_dim * pac
        for size in hidden:
            layers.append(nn.Linear(width, size))
            width = size
        self.hidden = nn.ModuleList(layers)
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        h = x.reshape(-1, self.pac * self.in_dim)
        for layer in self.hidden:
            h = nn.functional.leaky_relu(layer(h), 0.2)
            if self.training and self.dropout > 0:
                keep = torch.rand(h.shape, generator=generator, device=h.device, dtype=h.dtype) >= self.dropout
                h = h * keep / (1.0 - self.dropout)
        return self.out(h)


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator, weight: float = 10.0
) -> torch.Tensor:
    """WGAN-GP: ``weight * (||grad critic(mix)|| - 1)^2`` on random mixes of real and fake packs."""
    packs = real.shape[0] // critic.pac
    alpha = torch.rand(packs, 1, 1, generator=generator, device=real.device, dtype=real.dtype)
    alpha = alpha.expand(packs, critic.pac, real.shape[1]).reshape(real.shape)
    mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mix, generator)
    (grad,) = torch.autograd.grad(score.sum(), mix, create_graph=True)
    norms = grad.reshape(packs, -1).norm(2, dim=1)
    return weight * ((norms - 1) ** 2).mean()
