"""The conditional generator: a residual MLP from noise and condition to raw span outputs."""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """Linear -> BatchNorm -> ReLU, concatenated with its input (the input passes through)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    """Maps ``[noise | condition]`` to raw outputs ``[scalars | one-hot logits]``."""

    def __init__(self, noise_dim: int, cond_dim: int, hidden: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        blocks, width = [], noise_dim + cond_dim
        for size in hidden:
            blocks.append(ResidualBlock(width, size))
            width += size
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Linear(width, out_dim)

    def forward(self, noise: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(torch.cat([noise, cond], dim=1)))
