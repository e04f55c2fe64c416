"""The PacGAN critic and the WGAN-GP gradient penalty."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from tabgan.nn.generator import Condition


class Critic(nn.Module):
    """Scores packs of ``pac`` rows together (PacGAN), which penalises mode collapse.

    A pack is ``pac`` rows of ``[data | condition]``. The first layer is kept as two parts:
    a dense product over the packed data, and an embedding table over the packed condition
    (row ``position * cond_dim + option``), which is what a product with one-hot conditions
    amounts to; together they are one linear layer over the whole pack, and are initialised
    as one (uniform ±1/sqrt(fan_in) over ``pac * (data_dim + cond_dim)`` inputs).
    Dropout masks are drawn from an explicit generator passed to ``forward``.
    """

    def __init__(self, data_dim: int, cond_dim: int, hidden: tuple[int, ...], pac: int = 10, dropout: float = 0.5) -> None:
        super().__init__()
        self.pac = pac
        self.dropout = dropout
        self.data_dim = data_dim
        self.cond_dim = cond_dim
        self.data_in = nn.Linear(pac * data_dim, hidden[0])
        # without discrete columns the condition part is empty and unused: no gradient to wait for
        self.cond_in = nn.Parameter(torch.empty(pac * cond_dim, hidden[0]), requires_grad=cond_dim > 0)
        layers, width = [], hidden[0]
        for size in hidden[1:]:
            layers.append(nn.Linear(width, size))
            width = size
        self.hidden = nn.ModuleList(layers)
        self.out = nn.Linear(width, 1)

    @torch.no_grad()
    def reset_parameters_from(self, generator: torch.Generator) -> None:
        """Both parts of the first layer as one linear layer over the whole pack."""
        bound = 1.0 / math.sqrt(self.pac * (self.data_dim + self.cond_dim))
        for tensor in (self.data_in.weight, self.data_in.bias, self.cond_in):
            tensor.uniform_(-bound, bound, generator=generator)

    def _first_layer(self, data: torch.Tensor, cond: Condition) -> torch.Tensor:
        packed = data.reshape(-1, self.pac * self.data_dim)
        if self.cond_dim == 0:
            return self.data_in(packed)
        if cond.dtype == torch.long:
            positions = torch.arange(self.pac, device=cond.device) * self.cond_dim
            rows = self.cond_in.index_select(0, (cond.reshape(-1, self.pac) + positions).reshape(-1))
            looked_up = rows.reshape(-1, self.pac, self.cond_in.shape[1]).sum(1) + self.data_in.bias
        else:
            looked_up = torch.addmm(self.data_in.bias, cond.reshape(-1, self.pac * self.cond_dim), self.cond_in)
        # the dense product adds the looked-up condition part in place
        return torch.addmm(looked_up, packed, self.data_in.weight.t())

    def _dropout_scale(self, h: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor | None:
        """Inverted dropout's per-unit factors (0 or 1 / (1 - p)), or None when it is off."""
        if not (self.training and self.dropout > 0):
            return None
        keep = torch.rand(h.shape, generator=generator, device=h.device, dtype=h.dtype) >= self.dropout
        return keep * (1.0 / (1.0 - self.dropout))

    def _drop(self, h: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        scale = self._dropout_scale(h, generator)
        return h if scale is None else h * scale

    def forward(self, data: torch.Tensor, cond: Condition, generator: torch.Generator | None = None) -> torch.Tensor:
        """Scores [B / pac, 1] for rows ``data`` [B, data_dim] under conditions ``cond``."""
        h = self._drop(F.leaky_relu(self._first_layer(data, cond), 0.2), generator)
        for layer in self.hidden:
            h = self._drop(F.leaky_relu(layer(h), 0.2), generator)
        return self.out(h)

    def input_gradient(self, data: torch.Tensor, cond: Condition, generator: torch.Generator | None = None) -> torch.Tensor:
        """The gradient of each pack's score with respect to its data, [B / pac, pac * data_dim],
        as a first-order function of the weights.

        A leaky-ReLU network is piecewise linear: at a given input its gradient is the product of
        the weight matrices with each layer's slopes (1 or 0.2) and dropout scales, which are
        constant around that input. So one forward pass without autograd records them, and the
        gradient is written out as that product, which autograd differentiates like any other
        expression. This is what ``autograd.grad(..., create_graph=True)`` followed by a double
        backward computes, up to rounding, without the double backward's extra passes (it also
        carries zero gradients back through the recorded forward). Dropout masks are drawn in
        the same order as :meth:`forward` draws them.
        """
        factors = []  # per layer: d(layer output after dropout) / d(pre-activation), elementwise
        with torch.no_grad():
            z = self._first_layer(data, cond)
            for layer in [*self.hidden, None]:
                slope = torch.full_like(z, 0.2).masked_fill_(z > 0, 1.0)
                scale = self._dropout_scale(z, generator)
                factors.append(slope if scale is None else slope * scale)
                if layer is not None:
                    h = F.leaky_relu(z, 0.2)
                    z = layer(h if scale is None else h * scale)
        upstream = factors[-1] * self.out.weight  # d score / d (last hidden pre-activation)
        for layer, factor in zip(reversed(self.hidden), reversed(factors[:-1])):
            upstream = (upstream @ layer.weight) * factor
        return upstream @ self.data_in.weight


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    cond: Condition,
    generator: torch.Generator,
    weight: float = 10.0,
) -> torch.Tensor:
    """WGAN-GP: ``weight * (||grad critic(mix)|| - 1)^2`` on random mixes of real and fake packs.

    Real and fake rows share their conditions, so a mix has that same condition; the gradient
    is taken with respect to the data part of the pack, which is what the critic compares.
    ``critic`` may be wrapped in DistributedDataParallel.
    """
    module: Critic = getattr(critic, "module", critic)
    pac = module.pac
    packs = real.shape[0] // pac
    alpha = torch.rand(packs, 1, 1, generator=generator, device=real.device, dtype=real.dtype)
    alpha = alpha.expand(packs, pac, real.shape[1]).reshape(real.shape)
    mix = alpha * real + (1 - alpha) * fake
    norms = module.input_gradient(mix, cond, generator).norm(2, dim=1)
    return weight * ((norms - 1) ** 2).mean()
