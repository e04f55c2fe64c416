"""The conditional generator: a residual MLP from noise and condition to raw span outputs.

The condition is a one-hot (or a few-hot) vector. Multiplying a one-hot vector by a weight
matrix only picks one of its columns, so every layer takes the condition as *indices* and
adds the picked weight columns (an embedding lookup) instead of a matrix product over the
mostly-zero condition block: the same network and the same numbers, about a third fewer
FLOPs at CTGAN's sizes. A dense condition vector is still accepted (several fixed columns
at sampling time) and goes through the ordinary product.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

Condition = torch.Tensor  # long [B] (one active option per row) or float [B, cond_dim] (dense)


def linear_with_condition(x: torch.Tensor, cond: Condition, layer: nn.Linear) -> torch.Tensor:
    """``layer([x | cond])`` where ``cond`` is a condition given as indices or densely."""
    split = x.shape[1]
    weight = layer.weight
    if cond.dtype == torch.long:
        # weight[:, split + c] is the one column a one-hot condition c selects: look it up (with
        # the bias folded into the small table) and let the matrix product add it in place
        table = weight[:, split:].t() + layer.bias
        return torch.addmm(table.index_select(0, cond), x, weight[:, :split].t())
    return F.linear(torch.cat([x, cond], dim=1), weight, layer.bias)


class ResidualBlock(nn.Module):
    """Linear -> BatchNorm -> ReLU, concatenated with its input (the input passes through)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor, cond: Condition) -> torch.Tensor:
        """``x`` is the block's input without the condition, which every layer also sees."""
        return torch.cat([torch.relu(self.bn(linear_with_condition(x, cond, self.fc))), x], dim=1)


class Generator(nn.Module):
    """Maps ``[noise | condition]`` to raw outputs ``[scalars | one-hot logits]``.

    Parameters are laid out as for an MLP whose every layer reads ``[features | condition]``,
    so a dense condition vector concatenated at the end of each input gives the same result.
    """

    def __init__(self, noise_dim: int, cond_dim: int, hidden: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        self.cond_dim = cond_dim
        blocks, width = [], noise_dim + cond_dim
        for size in hidden:
            blocks.append(ResidualBlock(width, size))
            width += size
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Linear(width, out_dim)

    def forward(self, noise: torch.Tensor, cond: Condition) -> torch.Tensor:
        if self.cond_dim == 0:
            cond = torch.zeros(noise.shape[0], 0, device=noise.device, dtype=noise.dtype)
        h = noise
        for block in self.blocks:
            h = block(h, cond)
        return linear_with_condition(h, cond, self.out)
