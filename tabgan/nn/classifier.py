"""An MLP classifier of the target column from the other columns of the data vector.

Two users: the target head (:mod:`tabgan.target_head`), which draws each generated row's
target from it, and the optional auxiliary loss (``classifier_weight``), where the generator
is penalised when the classifier disagrees with the target it generated next to its
features (as in CTAB-GAN).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class TargetClassifier(nn.Module):
    """An MLP from the data vector without the target span to the target's option logits."""

    def __init__(self, in_dim: int, hidden: tuple[int, ...], options: int) -> None:
        super().__init__()
        layers, width = [], in_dim
        for size in hidden:
            layers.append(nn.Linear(width, size))
            width = size
        self.hidden = nn.ModuleList(layers)
        self.out = nn.Linear(width, options)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if not self.hidden:
            return self.out(features)
        return self.after_first_layer(self.hidden[0](features))

    def after_first_layer(self, first: torch.Tensor) -> torch.Tensor:
        """The logits from the first layer's output before its activation (a caller may
        compute that product its own way, as the target head does for one-hot inputs)."""
        h = F.leaky_relu(first, 0.2)
        for layer in self.hidden[1:]:
            h = F.leaky_relu(layer(h), 0.2)
        return self.out(h)
