"""Span-wise output activations: tanh for scalars, (Gumbel-)softmax within each one-hot span.

The generator's raw output is laid out as ``[scalars | one-hot spans end to end]``. Softmax
within spans is computed for all spans at once with scatter operations over a span-id
vector, so the cost does not grow with a Python loop over spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


# Exponents below this give exactly 0. e^-60 is far below any probability that matters, while
# values near float32's denormal range (under e^-87), which a confident generator's softmax
# produced more and more of, slowed every later product on x86 CPUs: Adult's training steps
# went from 44 to 76 ms over 3,000 steps with 2% of the fake batch denormal.
EXP_FLOOR = -60.0


def _segment_exp(
    logits: torch.Tensor, segment: torch.Tensor, n_segments: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per row and segment, the max logit (detached; softmax is shift-invariant) ``shift`` and
    the sum of exp ``total``; per entry, ``exp(logit - its segment's shift)`` (0 below EXP_FLOOR)."""
    index = segment.expand(logits.shape[0], -1)
    shift = torch.full((logits.shape[0], n_segments), float("-inf"), device=logits.device, dtype=logits.dtype)
    shift = shift.scatter_reduce(1, index, logits.detach(), reduce="amax", include_self=True)
    shifted = logits - shift.gather(1, index)
    exp = torch.exp(shifted.masked_fill(shifted < EXP_FLOOR, float("-inf")))
    total = torch.zeros_like(shift).scatter_add(1, index, exp)
    return shift, exp, total


def _gumbel_perturbed(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """``logits`` plus Gumbel(0, 1) noise, -log(-log(U)) (uniform draws are much cheaper than
    ``exponential_`` on CPU)."""
    u = torch.rand(logits.shape, generator=generator, device=logits.device, dtype=logits.dtype)
    return logits - torch.log((-torch.log(u.clamp_min(1e-10))).clamp_min(1e-10))


def segment_softmax(logits: torch.Tensor, segment: torch.Tensor, n_segments: int) -> torch.Tensor:
    """Softmax of ``logits`` [B, W] within each segment; ``segment`` [W] gives each column's segment."""
    _, exp, total = _segment_exp(logits, segment, n_segments)
    return exp / total.gather(1, segment.expand(logits.shape[0], -1))


def segment_log_softmax(logits: torch.Tensor, segment: torch.Tensor, n_segments: int) -> torch.Tensor:
    """Log-softmax within segments, as log(total) per [B, n_segments] plus the shift."""
    shift, _, total = _segment_exp(logits, segment, n_segments)
    return shift + torch.log(total)


@dataclass
class SpanSample:
    """What sampling needs of the generator's raw output, without the one-hot vectors:
    the scalars (tanh), each span's Gumbel-max option, and for the spans asked about, the null
    option's Gumbel-softmax probability and the best option other than null."""

    scalars: torch.Tensor  # float [B, n_scalars] in [-1, 1]
    codes: torch.Tensor  # long [B, n_spans]
    null_scores: dict[int, torch.Tensor] = field(default_factory=dict)  # span -> float [B]
    non_null_codes: dict[int, torch.Tensor] = field(default_factory=dict)  # span -> long [B]


class SpanActivation(nn.Module):
    """tanh on the first ``n_scalars`` outputs, Gumbel-softmax within each one-hot span."""

    def __init__(self, n_scalars: int, onehot_widths: list[int], tau: float = 0.2) -> None:
        super().__init__()
        self.n_scalars = n_scalars
        self.n_segments = len(onehot_widths)
        self.tau = tau
        segment = torch.repeat_interleave(torch.arange(len(onehot_widths)), torch.tensor(onehot_widths, dtype=torch.long))
        self.register_buffer("segment", segment, persistent=False)

        widths = torch.tensor(onehot_widths, dtype=torch.long)
        self.bounds = list(zip((torch.cumsum(widths, 0) - widths).tolist(), torch.cumsum(widths, 0).tolist()))

    def forward(self, raw: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        scalars = torch.tanh(raw[:, : self.n_scalars])
        logits = raw[:, self.n_scalars :]
        if logits.shape[1] == 0:
            return scalars
        if generator is not None:
            logits = _gumbel_perturbed(logits, generator)
        soft = segment_softmax(logits / self.tau, self.segment, self.n_segments)
        return torch.cat([scalars, soft], dim=1)

    def sample(self, raw: torch.Tensor, generator: torch.Generator, null_options: dict[int, int]) -> SpanSample:
        """For sampling: each span's option is the argmax of its Gumbel-perturbed logits, which
        is the argmax of the Gumbel-softmax ``forward`` gives (softmax keeps the order within a
        span) from the same random draws, without computing the one-hot vectors. For each span
        ``j`` in ``null_options`` (span -> its null option), also the null option's Gumbel-softmax
        probability and the best other option, which null calibration needs."""
        scalars = torch.tanh(raw[:, : self.n_scalars])
        logits = raw[:, self.n_scalars :]
        codes = torch.zeros(raw.shape[0], self.n_segments, dtype=torch.long, device=raw.device)
        result = SpanSample(scalars, codes)
        if logits.shape[1] == 0:
            return result
        perturbed = _gumbel_perturbed(logits, generator)
        for j, (start, stop) in enumerate(self.bounds):  # a loop over spans, not rows
            span = perturbed[:, start:stop]
            codes[:, j] = span.argmax(dim=1)
            if j in null_options and stop - start > 1:
                null = null_options[j]
                result.null_scores[j] = torch.softmax(span / self.tau, dim=1)[:, null]
                result.non_null_codes[j] = span.index_fill(1, torch.tensor([null], device=raw.device), float("-inf")).argmax(dim=1)
        return result

    def log_probs(self, raw: torch.Tensor, positions: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
        """Log-probability, without Gumbel noise, of the one-hot output at ``positions`` (index
        within the one-hot block) whose span is ``segments``, one per row."""
        logits = raw[:, self.n_scalars :]
        log_total = segment_log_softmax(logits, self.segment, self.n_segments)
        rows = torch.arange(raw.shape[0], device=raw.device)
        return logits[rows, positions] - log_total[rows, segments]
