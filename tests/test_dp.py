"""Differential privacy: exact per-row clipping, the accountant, and private fits end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from torch.func import functional_call, grad, vmap

from tabgan import TabGAN
from tabgan.cli import main
from tabgan.nn import Critic
from tabgan.privacy.dp import DPPlan, noisy_counts, per_row_gradients, private_critic_gradients

FAST = {"batch_size": 200, "generator_dims": (32, 32), "critic_dims": (32, 32), "device": "cpu"}


def _critic(dropout: float = 0.0) -> Critic:
    critic = Critic(7, 5, (16, 8), pac=1, dropout=dropout)
    critic.reset_parameters_from(torch.Generator().manual_seed(1))
    return critic


def _reference_per_row(critic: Critic, data: torch.Tensor, cond: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-row gradients of -critic(row) the slow, obviously right way (torch.func.vmap)."""
    params = {k: v.detach() for k, v in critic.named_parameters()}

    def loss(p: dict[str, torch.Tensor], x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return -functional_call(critic, p, (x[None], c[None])).sum()

    return vmap(grad(loss), in_dims=(None, 0, 0))(params, data, cond)


def test_per_row_norms_are_exact() -> None:
    critic = _critic()
    data, cond = torch.randn(9, 7), torch.randint(5, (9,))
    norms, *_ = per_row_gradients(critic, data, cond, torch.Generator().manual_seed(0))
    reference = _reference_per_row(critic, data, cond)
    expected = torch.sqrt(sum((g.reshape(9, -1) ** 2).sum(1) for g in reference.values()))
    assert torch.allclose(norms, expected, atol=1e-5)


def _clipped_reference(critic: Critic, data: torch.Tensor, cond: torch.Tensor, sign: float) -> dict[str, torch.Tensor]:
    per_row = {k: sign * -g for k, g in _reference_per_row(critic, data, cond).items()}  # gradients of sign*critic
    norms = torch.sqrt(sum((g.reshape(len(data), -1) ** 2).sum(1) for g in per_row.values()))
    assert (norms > 0.5).any()  # clipping does something
    factors = torch.clamp(0.5 / (norms + 1e-6), max=1.0)
    return {k: torch.einsum("b,b...->...", factors, g) for k, g in per_row.items()}


def test_the_private_gradient_is_the_sum_of_clipped_row_gradients() -> None:
    critic = _critic()
    real, real_cond = torch.randn(9, 7) * 3, torch.randint(5, (9,))
    fake, fake_cond = torch.randn(6, 7) * 3, torch.randint(5, (6,))
    plan = DPPlan(1.0, 1e-5, 0.1, 10, noise_multiplier=0.0, count_noise_multiplier=1.0, max_grad_norm=0.5)
    private_critic_gradients(critic, real, real_cond, fake, fake_cond, plan, 8.0, 0.0, torch.Generator())
    real_part = _clipped_reference(critic, real, real_cond, -1.0)
    fake_part = _clipped_reference(critic, fake, fake_cond, 1.0)
    for name, p in critic.named_parameters():
        assert torch.allclose(p.grad, (real_part[name] + fake_part[name]) / 8.0, atol=1e-5), name


def test_the_penalty_is_added_exactly() -> None:
    critic = _critic()
    fake, fake_cond = torch.randn(6, 7), torch.randint(5, (6,))
    plan = DPPlan(1.0, 1e-5, 0.1, 10, noise_multiplier=0.0, count_noise_multiplier=1.0, max_grad_norm=1e6)
    empty = torch.zeros(0, 7)
    private_critic_gradients(critic, empty, torch.zeros(0, dtype=torch.long), fake, fake_cond, plan, 6.0, 10.0,
                             torch.Generator())
    got = {name: p.grad.clone() for name, p in critic.named_parameters()}
    critic.zero_grad()
    points = fake.clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(critic(points, fake_cond).sum(), points, create_graph=True)
    (critic(fake, fake_cond).sum() / 6.0 + 10.0 * ((slope.norm(2, dim=1) - 1) ** 2).mean()).backward()
    for name, p in critic.named_parameters():
        assert torch.allclose(got[name], p.grad, atol=1e-5), name


def test_noise_has_the_planned_scale() -> None:
    critic = _critic()
    plan = DPPlan(1.0, 1e-5, 0.1, 10, noise_multiplier=2.0, count_noise_multiplier=1.0, max_grad_norm=1.0)
    empty = torch.zeros(0, 7)
    private_critic_gradients(
        critic, empty, torch.zeros(0, dtype=torch.long), torch.randn(4, 7), torch.randint(5, (4,)), plan, 1.0, 0.0,
        torch.Generator().manual_seed(0),
    )
    weight = critic.hidden[0].weight.grad  # 8 x 16 entries: the fake part is small beside noise of std 2
    assert 1.5 < float(weight.std()) < 2.5


def test_the_plan_spends_the_budget_and_no_more() -> None:
    plan = DPPlan.for_budget(1.0, 1e-5, rows=30_000, batch=1000, steps=3000, max_grad_norm=1.0)
    assert 0.97 <= plan.spent(plan.steps) <= 1.0
    assert plan.spent(plan.steps // 2) < plan.spent(plan.steps)
    assert plan.spent(0) <= 0.1 + 1e-6  # the count release alone: its share of the budget
    looser = DPPlan.for_budget(10.0, 1e-5, rows=30_000, batch=1000, steps=3000, max_grad_norm=1.0)
    assert looser.noise_multiplier < plan.noise_multiplier
    longer = DPPlan.for_budget(1.0, 1e-5, rows=30_000, batch=1000, steps=12_000, max_grad_norm=1.0)
    assert longer.noise_multiplier > plan.noise_multiplier


def test_noisy_counts_are_whole_and_not_negative() -> None:
    plan = DPPlan.for_budget(1.0, 1e-5, rows=1000, batch=100, steps=100, max_grad_norm=1.0)
    counts = torch.tensor([500, 3, 0, 497])
    noisy = noisy_counts(counts, 2, plan, torch.Generator().manual_seed(0))
    assert noisy.dtype == torch.long and (noisy >= 0).all() and not torch.equal(noisy, counts)


def test_a_private_fit_records_its_budget_and_reloads(credit: pd.DataFrame, tmp_path: Path) -> None:
    data = credit.head(800)
    model = TabGAN(epochs=3, random_state=0, dp_epsilon=2.0, **FAST).fit(data)
    dp = model.privacy_["differential_privacy"]
    assert dp["epsilon"] <= 2.0 and dp["target_epsilon"] == 2.0 and dp["steps_done"] == dp["steps"] == 12
    assert model.config_.pac == 1 and not model.config_.select_best and model.copy_filter_ is None
    assert model.null_rates_ == {}
    from tabgan.schema import validate

    frame = model.constraints_.forward(validate(data, model.schema_))
    true_counts = model.encoder_.condition_counts(model.encoder_.encode(frame, np.random.default_rng(0)))
    assert model.condition_counts_ != true_counts.tolist()  # released with noise
    synthetic = model.sample(300)
    assert len(synthetic) == 300
    path = model.save(tmp_path / "model")
    meta = json.loads((path / "model.json").read_text())
    assert meta["privacy"]["differential_privacy"]["epsilon"] == dp["epsilon"]
    again = TabGAN.load(path, device="cpu")
    assert again.privacy_ == model.privacy_ and again.sample(300).equals(synthetic)
    twin = TabGAN(epochs=3, random_state=0, dp_epsilon=2.0, **FAST).fit(data)
    assert twin.sample(300).equals(synthetic)  # the noise is seeded too


def test_training_stops_when_the_budget_is_spent(credit: pd.DataFrame) -> None:
    from tabgan.config import TabGANConfig
    from tabgan.schema import infer_schema
    from tabgan.training import GANTrainer
    from tabgan.transforms.encoder import TableEncoder

    data = credit.head(600)
    rng = np.random.default_rng(0)
    encoder = TableEncoder(infer_schema(data)).fit(data, rng)
    encoded = encoder.encode(data, rng)
    config = TabGANConfig(epochs=10, pac=1, **FAST).validate()
    plan = DPPlan(5.0, 1e-5, 200 / 600, steps=4, noise_multiplier=1.0, count_noise_multiplier=1.0, max_grad_norm=1.0)
    trainer = GANTrainer(
        encoder.layout, torch.from_numpy(encoded.scalars), torch.from_numpy(encoded.codes), config,
        torch.device("cpu"), torch.Generator().manual_seed(0), plan,
    )
    history = trainer.train(10)
    assert trainer.private_steps == 4 and len(history.epochs) == 2  # 3 steps an epoch


def test_the_command_line_fits_privately_and_reports_it(tmp_path: Path, credit: pd.DataFrame) -> None:
    data = tmp_path / "credit.csv"
    credit.head(600).to_csv(data, index=False)
    runner = CliRunner()
    model = tmp_path / "model"
    result = runner.invoke(main, ["fit", str(data), "-o", str(model), "--epochs", "2", "--batch-size", "200",
                                  "--dp-epsilon", "3", "--device", "cpu", "--quiet", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "differential privacy: epsilon 3 spent of 3" in result.output
    assert "parents" not in result.output and "owner" not in result.output  # no real values in the log
    synthetic = tmp_path / "synthetic.csv"
    assert runner.invoke(main, ["sample", str(model), "-n", "300", "-o", str(synthetic)]).exit_code == 0
    report = tmp_path / "report.json"
    result = runner.invoke(main, ["evaluate", str(data), str(synthetic), "-o", str(report), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "DP epsilon 3" in result.output
    protection = json.loads(report.read_text())["privacy"]["protection"]
    assert protection["differential_privacy"]["epsilon"] <= 3.0 and protection["no_copies"] is False


def test_an_impossible_budget_fails_with_a_clear_error() -> None:
    with pytest.raises(Exception, match="dp_epsilon"):
        TabGAN(dp_epsilon=0.0001, **FAST)._config()
