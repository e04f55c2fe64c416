"""Building modules without touching torch's global random number generator."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


def build_module(factory: Callable[[], M], device: torch.device, generator: torch.Generator) -> M:
    """Create a module on the meta device, move it to ``device`` and initialise its weights
    from ``generator``: the same seed gives the same weights, and the global RNG is untouched."""
    module = empty_module(factory, device)
    reset_parameters(module, generator)
    return module


def empty_module(factory: Callable[[], M], device: torch.device) -> M:
    """The module ``factory`` makes, with uninitialised parameters and buffers on ``device``
    (built on the meta device, so no initialisation runs; a parameter shared by two layers stays
    shared). What ``module.to_empty(device=...)`` gives, without its path through torch's
    meta-tensor reference code, which imports sympy on first use: a process that imports
    tabgan.cli and builds Adult's generator peaks at 332 MB that way, 298 MB this way
    (benchmarks/import_rss.py)."""
    with torch.device("meta"):
        module = factory()
    made: dict[int, nn.Parameter] = {}  # meta parameter's id -> its replacement
    for layer in module.modules():
        for name, param in list(layer.named_parameters(recurse=False)):
            if id(param) not in made:
                empty = torch.empty(param.shape, dtype=param.dtype, device=device)
                made[id(param)] = nn.Parameter(empty, requires_grad=param.requires_grad)
            setattr(layer, name, made[id(param)])
        for name, buffer in list(layer.named_buffers(recurse=False)):
            layer._buffers[name] = torch.empty(buffer.shape, dtype=buffer.dtype, device=device)
    return module


@torch.no_grad()
def reset_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation (uniform ±1/sqrt(fan_in)), drawn from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = 1.0 / math.sqrt(layer.in_features)
            # kaiming_uniform(a=sqrt(5)), PyTorch's default for Linear, is uniform ±1/sqrt(fan_in)
            layer.weight.uniform_(-bound, bound, generator=generator)
            if layer.bias is not None:
                layer.bias.uniform_(-bound, bound, generator=generator)
        elif isinstance(layer, (nn.BatchNorm1d, nn.LayerNorm)):
            layer.reset_parameters()
    for layer in module.modules():  # layers that are not plain Linear layers initialise themselves
        if hasattr(layer, "reset_parameters_from"):
            layer.reset_parameters_from(generator)
    for name, buffer in module.named_buffers():
        if name.endswith("running_mean") or name.endswith("num_batches_tracked"):
            buffer.zero_()
        elif name.endswith("running_var"):
            buffer.fill_(1.0)
