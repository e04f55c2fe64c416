from __future__ import annotations

import pytest
import torch

from tabgan.conditioning import ConditionSampler
from tabgan.config import TabGANConfig
from tabgan.errors import ConfigError


def make_codes() -> tuple[torch.Tensor, list[int]]:
    gen = torch.Generator().manual_seed(0)
    a = torch.multinomial(torch.tensor([0.90, 0.09, 0.01]), 5000, replacement=True, generator=gen)
    b = torch.randint(0, 2, (5000,), generator=gen)
    return torch.stack([a, b], dim=1), [3, 2]


def test_training_rows_match_their_condition() -> None:
    codes, widths = make_codes()
    sampler = ConditionSampler.from_codes(codes, widths)
    batch = sampler.sample_train(4000, torch.Generator().manual_seed(1))
    assert batch.vector.shape == (4000, 5)
    assert torch.all(batch.vector.sum(dim=1) == 1)
    matched = codes[batch.rows, batch.column]
    assert torch.equal(matched, batch.option)
    hot = batch.vector.argmax(dim=1)
    assert torch.equal(hot, sampler.offsets[batch.column] + batch.option)


def test_log_frequency_oversamples_rare_options() -> None:
    codes, widths = make_codes()
    sampler = ConditionSampler.from_codes(codes, widths)
    batch = sampler.sample_train(20000, torch.Generator().manual_seed(2))
    first = batch.option[batch.column == 0]
    rare_share = (first == 2).float().mean().item()
    real_share = (codes[:, 0] == 2).float().mean().item()
    expected = torch.log1p(sampler.counts[:3])
    expected = (expected[2] / expected.sum()).item()
    assert rare_share > 5 * real_share
    assert abs(rare_share - expected) < 0.02


@pytest.mark.parametrize("frequency", ["real", "uniform"])
def test_other_training_frequencies(frequency: str) -> None:
    codes, widths = make_codes()
    codes[codes[:, 0] == 1, 0] = 0  # option 1 of the first column never seen: never asked for
    sampler = ConditionSampler.from_codes(codes, widths, frequency)
    batch = sampler.sample_train(20000, torch.Generator().manual_seed(2))
    first = batch.option[batch.column == 0]
    shares = torch.bincount(first, minlength=3).double() / len(first)
    real = torch.bincount(codes[:, 0], minlength=3).double() / len(codes)
    expected = real if frequency == "real" else torch.tensor([0.5, 0.0, 0.5], dtype=torch.float64)
    assert torch.allclose(shares, expected, atol=0.02)
    assert shares[1] == 0
    assert torch.equal(codes[batch.rows, batch.column], batch.option)


def test_unknown_training_frequency_is_refused() -> None:
    with pytest.raises(ConfigError, match="condition_frequency='often' is not one of log, real, uniform"):
        TabGANConfig(condition_frequency="often").validate()


def test_original_frequencies_for_generation() -> None:
    codes, widths = make_codes()
    counts = torch.bincount((codes + torch.tensor([0, 3])).reshape(-1), minlength=5)
    sampler = ConditionSampler(widths, counts)  # no rows: a sampler for a loaded model
    batch = sampler.sample_original(20000, torch.Generator().manual_seed(3))
    first = batch.option[batch.column == 0]
    assert abs((first == 0).float().mean().item() - 0.90) < 0.02


def test_same_generator_seed_same_draws() -> None:
    codes, widths = make_codes()
    sampler = ConditionSampler.from_codes(codes, widths)
    a = sampler.sample_train(100, torch.Generator().manual_seed(9))
    b = sampler.sample_train(100, torch.Generator().manual_seed(9))
    assert torch.equal(a.rows, b.rows) and torch.equal(a.vector, b.vector)
