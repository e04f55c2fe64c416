"""Differential privacy: DP-SGD for the critic, noisy condition counts, and their accounting.

What touches the real rows during training, and how each part is protected:

- **The critic** is the only network that sees real rows. Each critic step draws a batch by
  Poisson sampling (every row joins with probability ``q = batch / n``), clips every real
  row's own gradient of its loss term ``-critic(row)`` to L2 norm ``C`` (``dp_max_grad_norm``),
  sums them, adds Gaussian noise of standard deviation ``sigma * C`` and divides by the
  expected batch size. Per-row gradients are never formed: for a linear layer a row's gradient
  is the outer product of its output gradient and its input, so its norm is the product of
  theirs, and the clipped sum is one matrix product of the rescaled output gradients with the
  inputs. A step costs about twice an ordinary one. The generated rows' gradients carry no
  real data; they are clipped alike so that both sides of the loss weigh the same. The
  gradient penalty is taken at the generated rows, exactly (a penalty on real rows would need
  a second-order gradient per row). PacGAN packing is
  off (``pac = 1``): a pack would mix rows. opacus' engine is not used (its per-row hooks do
  not cover the critic's condition lookup and the penalty); its accountant is.
- **Real rows' conditions** come from the rows themselves (a random discrete column, the row's
  own option), so they are covered by the same per-row clipping.
- **The generator** never sees a real row: its conditions are drawn from the *noisy counts*
  below, and its loss goes through the critic (post-processing of DP outputs).
- **Condition counts** (how often each option of each discrete column occurs), which the
  sampler needs to draw realistic conditions, are released once with the Gaussian mechanism:
  one row changes one count of each of the J discrete columns by 1, an L2 sensitivity of
  sqrt(J); noise of standard deviation ``sigma_counts * sqrt(J)`` is added, and negative counts
  are cut to 0. This release gets ``COUNT_SHARE`` of the budget.

Accounting: Rényi DP of the sampled Gaussian mechanism (opacus' RDP analysis, Mironov et al.
2019), composed over the count release and every critic step, converted to (epsilon, delta).
The noise multiplier is chosen so that the planned steps spend exactly the budget; training
stops before a step would overspend it.

Not covered (from the data, without noise): the schema when inferred (column kinds,
category labels, bounds), the encoders (each numeric column's bounds and mixture modes, each
categorical column's labels), and the number of training rows. See docs/PRIVACY.md.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from tabgan.errors import ConfigError
from tabgan.nn import Critic

COUNT_SHARE = 0.1  # share of epsilon spent on the noisy condition counts
# Rényi orders for the accountant: opacus' defaults, extended upwards (small budgets need large orders)
ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)) + [80, 96, 128, 192, 256, 384, 512, 1024, 2048]


def _rdp(q: float, sigma: float, steps: int) -> np.ndarray:
    """Rényi DP at every order of ``steps`` sampled Gaussian steps (rate q, noise multiplier sigma)."""
    if q >= 1.0:  # the plain Gaussian mechanism: alpha / (2 sigma^2) per step
        return steps * np.asarray(ORDERS, dtype=np.float64) / (2 * sigma**2)
    from opacus.accountants.analysis.rdp import compute_rdp

    return np.asarray(compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=ORDERS), dtype=np.float64)


def _epsilon(rdp: np.ndarray, delta: float) -> float:
    from opacus.accountants.analysis.rdp import get_privacy_spent

    with warnings.catch_warnings():  # "optimal order is the largest alpha": the bound is still valid
        warnings.simplefilter("ignore", UserWarning)
        eps, _ = get_privacy_spent(orders=ORDERS, rdp=rdp, delta=delta)
    return float(eps)


def _smallest_sigma(spent: Any, target: float) -> float:
    """The smallest noise multiplier whose ``spent(sigma)`` is at most ``target`` (bisection)."""
    low, high = 0.05, 1.0
    while spent(high) > target:
        low, high = high, high * 2
        if high > 1e6:
            raise ConfigError(f"dp_epsilon={target} cannot be met by any noise level for this many steps")
    while high - low > 1e-3 * high:  # 0.1% of sigma: about ten evaluations
        middle = (low + high) / 2
        low, high = (low, middle) if spent(middle) <= target else (middle, high)
    return high


@dataclass
class DPPlan:
    """A DP-SGD budget and the noise that meets it."""

    epsilon: float  # the budget asked for
    delta: float
    sample_rate: float  # q: each row's chance to join a critic batch
    steps: int  # critic steps planned
    noise_multiplier: float  # sigma of the critic's gradient noise, in units of max_grad_norm
    count_noise_multiplier: float  # sigma of the count release, in units of its sensitivity
    max_grad_norm: float

    @classmethod
    def for_budget(
        cls, epsilon: float, delta: float, rows: int, batch: int, steps: int, max_grad_norm: float
    ) -> DPPlan:
        """Noise for the counts (COUNT_SHARE of epsilon) and for ``steps`` critic steps."""
        q = min(1.0, batch / rows)
        count_sigma = _smallest_sigma(lambda s: _epsilon(_rdp(1.0, s, 1), delta), COUNT_SHARE * epsilon)
        counts_rdp = _rdp(1.0, count_sigma, 1)
        sigma = _smallest_sigma(lambda s: _epsilon(counts_rdp + _rdp(q, s, steps), delta), epsilon)
        return cls(epsilon, delta, q, steps, sigma, count_sigma, max_grad_norm)

    def spent(self, steps_done: int) -> float:
        """Epsilon spent after the count release and ``steps_done`` critic steps."""
        rdp = _rdp(1.0, self.count_noise_multiplier, 1)
        if steps_done:
            rdp = rdp + _rdp(self.sample_rate, self.noise_multiplier, steps_done)
        return _epsilon(rdp, self.delta)

    def record(self, steps_done: int) -> dict[str, Any]:
        """What goes into the model's metadata and the report."""
        return {
            **asdict(self),
            "target_epsilon": self.epsilon,
            "epsilon": self.spent(steps_done),
            "steps_done": steps_done,
            "accountant": "Renyi DP of the sampled Gaussian mechanism (opacus)",
        }


def noisy_counts(counts: torch.Tensor, n_columns: int, plan: DPPlan, generator: torch.Generator) -> torch.Tensor:
    """The option counts with Gaussian noise (sensitivity sqrt(n_columns)), rounded, at least 0."""
    std = plan.count_noise_multiplier * math.sqrt(max(1, n_columns))
    noise = torch.randn(counts.shape, generator=generator, device=counts.device, dtype=torch.float64) * std
    return torch.clamp(torch.round(counts.to(torch.float64) + noise), min=0).to(torch.long)


def poisson_rows(rows: int, rate: float, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Poisson sampling: every row joins independently with probability ``rate``."""
    return torch.nonzero(torch.rand(rows, generator=generator, device=device) < rate).flatten()


def _layers(critic: Critic) -> list[torch.nn.Linear]:
    return [critic.data_in, *critic.hidden, critic.out]


def _forward_parts(
    critic: Critic, data: torch.Tensor, cond: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """``critic(data, cond)`` (pac 1), also returning every linear layer's input and output."""
    inputs, outputs = [data], []
    z = critic._first_layer(data, cond)
    for layer in [*critic.hidden, critic.out]:
        outputs.append(z)
        h = critic._drop(F.leaky_relu(z, 0.2), generator)
        inputs.append(h)
        z = layer(h)
    outputs.append(z)
    return z, inputs, outputs


def per_row_gradients(
    critic: Critic, data: torch.Tensor, cond: torch.Tensor, generator: torch.Generator, sign: float = -1.0
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """For the loss ``sign * critic(row)`` of every row: each row's gradient norm over all the
    critic's weights, without forming the per-row gradients (a linear layer's per-row gradient
    is the outer product of its output gradient and its input, whose norm is the product of
    theirs). Returns (norms [b], layer inputs, output gradients, the summed loss)."""
    score, inputs, outputs = _forward_parts(critic, data, cond, generator)
    loss = sign * score.sum()
    deltas = list(torch.autograd.grad(loss, outputs))
    inputs = [a.detach() for a in inputs]
    squared = torch.zeros(data.shape[0], device=data.device)
    for a, d in zip(inputs, deltas):
        squared = squared + (d**2).sum(1) * ((a**2).sum(1) + 1.0)  # weight and bias
    if critic.cond_dim:
        squared = squared + (deltas[0] ** 2).sum(1)  # the condition's row of the first layer
    return torch.sqrt(squared), inputs, deltas, loss.detach()


def clipped_sum(
    critic: Critic, data: torch.Tensor, cond: torch.Tensor, max_norm: float, generator: torch.Generator, sign: float
) -> tuple[dict[int, torch.Tensor], torch.Tensor]:
    """The sum over rows of each row's gradient of ``sign * critic(row)``, each clipped to
    ``max_norm`` (keyed by ``id`` of the parameter), and the summed loss."""
    if data.shape[0] == 0:
        return {}, torch.zeros((), device=data.device)
    norms, inputs, deltas, loss = per_row_gradients(critic, data, cond, generator, sign)
    factors = torch.clamp(max_norm / (norms + 1e-6), max=1.0)[:, None]
    sums: dict[int, torch.Tensor] = {}
    for layer, a, d in zip(_layers(critic), inputs, deltas):
        weighted = d * factors
        sums[id(layer.weight)] = weighted.t() @ a
        sums[id(layer.bias)] = weighted.sum(0)
    if critic.cond_dim:
        rows = torch.zeros_like(critic.cond_in)
        rows.index_add_(0, cond, deltas[0] * factors)
        sums[id(critic.cond_in)] = rows
    return sums, loss


def private_critic_gradients(
    critic: Critic,
    real: torch.Tensor,
    real_cond: torch.Tensor,
    fake: torch.Tensor,
    fake_cond: torch.Tensor,
    plan: DPPlan,
    expected_batch: float,
    gp_weight: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """Set the critic's ``.grad`` to the DP-SGD gradient of its loss and return the loss value.

    The loss is ``(sum critic(fake) - sum critic(real)) / expected_batch`` plus a gradient
    penalty at the generated rows (``gp_weight * (||grad critic(fake)|| - 1)^2``, which keeps
    the critic near 1-Lipschitz without touching a real row). Each real row's gradient is
    clipped to ``max_grad_norm`` and Gaussian noise ``noise_multiplier * max_grad_norm`` is
    added to their sum. Generated rows' gradients are clipped alike (not for privacy: so that
    both sides of the loss weigh the same), and the penalty is exact.
    """
    if critic.pac != 1:
        raise ConfigError("differential privacy needs pac=1 (a pack would mix several people's rows)")
    device = real.device
    critic.zero_grad(set_to_none=True)
    penalty = torch.zeros((), device=device)
    if gp_weight > 0:
        points = fake.detach().requires_grad_(True)
        (slope,) = torch.autograd.grad(critic(points, fake_cond, generator).sum(), points, create_graph=True)
        penalty = gp_weight * ((slope.norm(2, dim=1) - 1) ** 2).mean()
        penalty.backward()
    real_sums, real_loss = clipped_sum(critic, real, real_cond, plan.max_grad_norm, generator, -1.0)
    fake_sums, fake_loss = clipped_sum(critic, fake.detach(), fake_cond, plan.max_grad_norm, generator, 1.0)
    for p in critic.parameters():
        noise = torch.randn(p.shape, generator=generator, device=device) * (plan.noise_multiplier * plan.max_grad_norm)
        summed = real_sums.get(id(p), 0.0) + fake_sums.get(id(p), 0.0) + noise
        p.grad = summed / expected_batch if p.grad is None else p.grad + summed / expected_batch
    return (penalty.detach() + (real_loss + fake_loss) / expected_batch).detach()
