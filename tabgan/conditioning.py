"""The condition vector and training-by-sampling, vectorised over whole batches.

The condition vector is a one-hot over the options of every discrete (categorical or
boolean) column laid end to end. For a training batch each row picks one discrete column
uniformly, then one of its options with probability proportional to log(1 + count) (so rare
options are seen often enough to be learned; ``frequency`` "real" or "uniform" changes this),
then a real row that has that option. For unconditional generation options are drawn by their
real frequency instead.

All draws use an explicit ``torch.Generator``; everything lives on the training device.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ConditionBatch:
    """One batch of conditions: one option of one discrete column per row."""

    index: torch.Tensor  # long [B]: the condition vector's one active position
    width: int  # the condition vector's width
    column: torch.Tensor  # long [B]: which discrete column was chosen (index among them)
    option: torch.Tensor  # long [B]: which option of that column
    rows: torch.Tensor | None  # long [B]: a real row with that option (training only)

    @property
    def vector(self) -> torch.Tensor:
        """The dense one-hot condition, float [B, width] (the networks take ``index``)."""
        vector = torch.zeros(self.index.shape[0], self.width, device=self.index.device)
        if self.width:
            vector[torch.arange(self.index.shape[0], device=self.index.device), self.index] = 1.0
        return vector


FREQUENCIES = ("log", "real", "uniform")  # how training conditions weigh an option with count c


def training_weights(counts: torch.Tensor, frequency: str) -> torch.Tensor:
    """Weights of the options in training conditions: log(1 + c), c, or 1 for every option
    seen at least once (an option without rows is never asked for)."""
    if frequency == "log":
        return torch.log1p(counts)
    if frequency == "real":
        return counts
    if frequency == "uniform":
        return (counts > 0).to(counts.dtype)
    raise ValueError(f"frequency={frequency!r} is not one of {', '.join(FREQUENCIES)}")


class ConditionSampler:
    """Draws condition vectors and matching real rows from the discrete columns' codes."""

    def __init__(
        self, widths: list[int], counts: torch.Tensor, codes: torch.Tensor | None = None, frequency: str = "log"
    ) -> None:
        """``widths``: the number of options of each of the J discrete columns; ``counts``: the
        real count of every option, end to end; ``codes``: long [n, J], each real row's option
        of each column, needed only for training (to find real rows that match a condition);
        ``frequency``: how training conditions weigh the options (:func:`training_weights`)."""
        device = counts.device
        self.n_columns = len(widths)
        self.widths = torch.tensor(widths, dtype=torch.long, device=device)
        self.offsets = torch.cumsum(self.widths, 0) - self.widths  # start of each column's options
        self.width = int(sum(widths))
        self.counts = counts.to(torch.float64)
        if self.n_columns == 0:
            return
        self.train_cdf = self._padded_cdf(training_weights(self.counts, frequency))
        self.real_cdf = self._padded_cdf(self.counts)
        self.sorted_rows: torch.Tensor | None = None
        if codes is not None:
            self._index_rows(codes)

    @classmethod
    def from_codes(cls, codes: torch.Tensor, widths: list[int], frequency: str = "log") -> ConditionSampler:
        """A training sampler: option counts and the row index come from the real codes."""
        offsets = torch.tensor([sum(widths[:j]) for j in range(len(widths))], dtype=torch.long, device=codes.device)
        flat = (codes + offsets[None, :]).reshape(-1)
        counts = torch.bincount(flat, minlength=int(sum(widths)))
        return cls(widths, counts, codes, frequency)

    def _index_rows(self, codes: torch.Tensor) -> None:
        """Sort row numbers by option, column by column: the rows of option g are
        ``sorted_rows[starts[g] : starts[g] + counts[g]]``."""
        n = codes.shape[0]
        device = codes.device
        index_dtype = torch.int32 if n < 2**31 else torch.long
        order = torch.argsort(codes, dim=0, stable=True)  # [n, J]
        self.sorted_rows = order.t().reshape(-1).to(index_dtype)
        column_base = torch.repeat_interleave(torch.arange(self.n_columns, device=device) * n, self.widths)
        within = torch.cumsum(self.counts, 0) - self.counts
        within = within - within[self.offsets].repeat_interleave(self.widths)
        self.starts = column_base + within.to(torch.long)

    def _padded_cdf(self, weights: torch.Tensor) -> torch.Tensor:
        """Per column, the cumulative distribution over its options, padded with 2.0 ([J, max_w])."""
        max_w = int(self.widths.max())
        cdf = torch.full((self.n_columns, max_w), 2.0, dtype=torch.float64, device=weights.device)
        for j in range(self.n_columns):  # a loop over columns, once, at set-up
            w = weights[self.offsets[j] : self.offsets[j] + self.widths[j]]
            total = w.sum()
            part = torch.cumsum(w, 0) / total if total > 0 else torch.linspace(0, 1, len(w) + 1)[1:]
            cdf[j, : len(w)] = part
            cdf[j, len(w) - 1] = 1.0
        return cdf

    def _draw(self, batch: int, cdf: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        device = cdf.device
        column = torch.randint(self.n_columns, (batch,), generator=generator, device=device)
        u = torch.rand(batch, generator=generator, device=device, dtype=torch.float64)
        option = (u[:, None] >= cdf[column]).sum(dim=1)
        option = torch.minimum(option, self.widths[column] - 1)
        return column, option

    def _batch(self, column: torch.Tensor, option: torch.Tensor, rows: torch.Tensor | None) -> ConditionBatch:
        return ConditionBatch(self.offsets[column] + option, self.width, column, option, rows)

    def sample_train(self, batch: int, generator: torch.Generator) -> ConditionBatch:
        """Conditions by the training weights (log-frequency by default), each with a real row
        that satisfies it."""
        assert self.sorted_rows is not None, "a training sampler needs the real codes"
        column, option = self._draw(batch, self.train_cdf, generator)
        g = self.offsets[column] + option
        count = self.counts[g]
        u = torch.rand(batch, generator=generator, device=column.device, dtype=torch.float64)
        pick = (u * count).floor().to(torch.long)
        rows = self.sorted_rows[self.starts[g] + pick].to(torch.long)
        return self._batch(column, option, rows)

    def sample_original(self, batch: int, generator: torch.Generator) -> ConditionBatch:
        """Conditions by real frequency, for unconditional generation."""
        column, option = self._draw(batch, self.real_cdf, generator)
        return self._batch(column, option, None)

    def fixed(self, batch: int, column: int, option: int, device: torch.device) -> ConditionBatch:
        """The same condition for every row: column ``column`` takes option ``option``."""
        col = torch.full((batch,), column, dtype=torch.long, device=device)
        opt = torch.full((batch,), option, dtype=torch.long, device=device)
        return self._batch(col, opt, None)
