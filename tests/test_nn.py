from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tabgan.config import TabGANConfig
from tabgan.errors import ConfigError
from tabgan.nn import Critic, Generator, SpanActivation, build_module, gradient_penalty, segment_softmax

REPO = Path(__file__).resolve().parents[1]


def test_segment_softmax_sums_to_one_per_span() -> None:
    logits = torch.randn(8, 9, generator=torch.Generator().manual_seed(0)) * 20
    segment = torch.tensor([0, 0, 1, 1, 1, 2, 2, 2, 2])
    probs = segment_softmax(logits, segment, 3)
    sums = torch.zeros(8, 3).scatter_add(1, segment.expand(8, -1), probs)
    assert torch.allclose(sums, torch.ones(8, 3), atol=1e-5)
    expected = torch.softmax(logits[:, 2:5], dim=1)
    assert torch.allclose(probs[:, 2:5], expected, atol=1e-6)


def test_span_activation_shapes_and_ranges() -> None:
    act = SpanActivation(n_scalars=2, onehot_widths=[3, 4], tau=0.2)
    raw = torch.randn(16, 9) * 5
    out = act(raw, torch.Generator().manual_seed(0))
    assert out.shape == (16, 9)
    assert torch.all(out[:, :2].abs() <= 1)
    assert torch.allclose(out[:, 2:5].sum(1), torch.ones(16), atol=1e-5)
    assert torch.allclose(out[:, 5:].sum(1), torch.ones(16), atol=1e-5)


def test_log_probs_match_log_softmax() -> None:
    act = SpanActivation(n_scalars=1, onehot_widths=[3, 2])
    raw = torch.randn(4, 6)
    positions = torch.tensor([0, 2, 3, 4])
    segments = torch.tensor([0, 0, 1, 1])
    got = act.log_probs(raw, positions, segments)
    first = torch.log_softmax(raw[:, 1:4], dim=1)
    second = torch.log_softmax(raw[:, 4:6], dim=1)
    expected = torch.stack([first[0, 0], first[1, 2], second[2, 0], second[3, 1]])
    assert torch.allclose(got, expected, atol=1e-6)


def test_build_module_is_seeded_and_leaves_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    a = build_module(lambda: Generator(8, 3, (16, 16), 5), torch.device("cpu"), torch.Generator().manual_seed(4))
    b = build_module(lambda: Generator(8, 3, (16, 16), 5), torch.device("cpu"), torch.Generator().manual_seed(4))
    assert torch.equal(torch.random.get_rng_state(), state)
    for (_, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(pa, pb)


def test_empty_module_matches_to_empty_without_importing_sympy() -> None:
    """The same parameters, buffers and flags as a module built on the meta device, on the
    target device, shared parameters kept shared, in a fresh process that never imports sympy
    (torch's ``to_empty`` does: benchmarks/import_rss.py)."""
    code = """
import sys, torch
from tabgan.nn import Critic, Generator, empty_module
cpu = torch.device("cpu")

def layout(module):
    return ([(n, p.shape, p.requires_grad, type(p)) for n, p in module.named_parameters()],
            [(n, b.shape, b.dtype) for n, b in module.named_buffers()])

for make in (lambda: Generator(8, 3, (16, 16), 5), lambda: Critic(6, 0, (32,), pac=2)):
    built = empty_module(make, cpu)
    with torch.device("meta"):
        reference = make()
    assert layout(built) == layout(reference)
    assert {t.device.type for t in [*built.parameters(), *built.buffers()]} == {"cpu"}
assert not empty_module(lambda: Critic(6, 0, (32,), pac=2), cpu).cond_in.requires_grad

def tied():
    first, second = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    second.weight = first.weight
    return torch.nn.Sequential(first, second)

model = empty_module(tied, cpu)
assert model[0].weight is model[1].weight and model[0].weight.device.type == "cpu"
print("sympy" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "False"


def _one_hot(index: torch.Tensor, width: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(index, width).float()


def test_critic_packs_rows_and_penalty_is_finite() -> None:
    gen = torch.Generator().manual_seed(0)
    critic = build_module(lambda: Critic(6, 3, (32, 32), pac=4), torch.device("cpu"), gen)
    real, fake = torch.randn(20, 6), torch.randn(20, 6)
    cond = torch.randint(3, (20,), generator=gen)
    assert critic(real, cond, gen).shape == (5, 1)
    penalty = gradient_penalty(critic, real, fake, cond, gen)
    assert torch.isfinite(penalty) and penalty.item() >= 0


def test_critic_input_gradient_equals_autograd_and_so_does_the_penalty_gradient() -> None:
    """The explicit input gradient matches autograd's (with dropout, the same masks), and the
    weight gradients of a penalty on it match those of autograd's double backward."""
    for dropout in (0.0, 0.5):
        critic = build_module(lambda: Critic(6, 3, (32, 16, 8), pac=4, dropout=dropout), torch.device("cpu"),
                              torch.Generator().manual_seed(0)).double()
        data = torch.randn(20, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        cond = torch.randint(3, (20,), generator=torch.Generator().manual_seed(2))
        explicit = critic.input_gradient(data, cond, torch.Generator().manual_seed(5))
        leaf = data.clone().requires_grad_(True)
        (by_autograd,) = torch.autograd.grad(critic(leaf, cond, torch.Generator().manual_seed(5)).sum(), leaf,
                                             create_graph=True)
        by_autograd = by_autograd.reshape(5, -1)
        assert torch.allclose(explicit, by_autograd, atol=1e-12)
        weights = [critic.data_in.weight, *(layer.weight for layer in critic.hidden), critic.out.weight]
        for a, b in zip(torch.autograd.grad((explicit.norm(dim=1) - 1).pow(2).mean(), weights),
                        torch.autograd.grad((by_autograd.norm(dim=1) - 1).pow(2).mean(), weights)):
            assert torch.allclose(a, b, atol=1e-12)


def test_generator_condition_indices_equal_dense_one_hot() -> None:
    gen = build_module(lambda: Generator(8, 5, (16, 16), 7), torch.device("cpu"), torch.Generator().manual_seed(1))
    gen.eval()
    noise = torch.randn(12, 8, generator=torch.Generator().manual_seed(2))
    index = torch.randint(5, (12,), generator=torch.Generator().manual_seed(3))
    assert torch.allclose(gen(noise, index), gen(noise, _one_hot(index, 5)), atol=1e-5)


def test_condition_layer_backward_equals_the_dense_layer_and_steps_aside_under_autocast() -> None:
    """The hand-written backward of an index-conditioned layer gives the gradients of the
    same layer over [features | one-hot condition]; under autocast the plain path runs."""
    from tabgan.nn.generator import linear_with_condition

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(30, 7, generator=gen).requires_grad_(True)
    cond = torch.randint(4, (30,), generator=gen)
    weight = torch.randn(5, 11, generator=gen).requires_grad_(True)
    bias = torch.randn(5, generator=gen).requires_grad_(True)
    upstream = torch.randn(30, 5, generator=gen)
    out = linear_with_condition(x, cond, weight, bias)
    assert type(out.grad_fn).__name__.startswith("_LinearWithConditionIndices")
    dense = torch.cat([x, _one_hot(cond, 4)], dim=1) @ weight.t() + bias
    assert torch.allclose(out, dense, atol=1e-5)
    for got, expected in zip(torch.autograd.grad(out, (x, weight, bias), upstream),
                             torch.autograd.grad(dense, (x, weight, bias), upstream)):
        assert torch.allclose(got, expected, atol=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = linear_with_condition(x, cond, weight, bias)
    assert not type(mixed.grad_fn).__name__.startswith("_LinearWithConditionIndices")
    mixed.float().sum().backward()
    assert weight.grad is not None and weight.grad.dtype == torch.float32


def test_condition_table_is_row_major_with_the_bias_added() -> None:
    """The lookup table rows are whole contiguous rows (what makes the lookup a row copy), and
    row c is the weight column a one-hot condition c selects plus the bias."""
    from tabgan.nn.generator import condition_table

    gen = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(6, 9, generator=gen), torch.randn(6, generator=gen)
    table = condition_table(weight, bias, split=5)
    assert table.shape == (4, 6) and table.is_contiguous()
    assert torch.equal(table, weight[:, 5:].t() + bias)


def test_critic_first_layer_is_one_linear_layer_over_the_pack() -> None:
    """Indices, dense one-hots and a plain linear layer over [data | condition] rows agree."""
    pac, data_dim, cond_dim = 4, 6, 3
    critic = build_module(lambda: Critic(data_dim, cond_dim, (32,), pac=pac, dropout=0.0), torch.device("cpu"),
                          torch.Generator().manual_seed(0))
    data = torch.randn(8, data_dim, generator=torch.Generator().manual_seed(1))
    index = torch.randint(cond_dim, (8,), generator=torch.Generator().manual_seed(2))
    dense = _one_hot(index, cond_dim)
    by_index, by_dense = critic(data, index), critic(data, dense)
    # the same layer written as one weight over interleaved pack rows [data_1 | cond_1 | data_2 | ...]
    w_data = critic.data_in.weight.reshape(32, pac, data_dim)
    w_cond = critic.cond_in.reshape(pac, cond_dim, 32).permute(2, 0, 1)
    weight = torch.cat([w_data, w_cond], dim=2).reshape(32, pac * (data_dim + cond_dim))
    packed = torch.cat([data, dense], dim=1).reshape(2, -1)
    hidden = torch.nn.functional.leaky_relu(packed @ weight.t() + critic.data_in.bias, 0.2)
    plain = critic.out(hidden)
    assert torch.allclose(by_index, by_dense, atol=1e-5) and torch.allclose(by_index, plain, atol=1e-5)


def test_lazy_gradient_penalty_runs_every_nth_update() -> None:
    from tabgan.training import GANTrainer
    from tabgan.transforms.encoder import NetworkLayout

    layout = NetworkLayout(n_scalars=2, onehot_widths=(3, 2), cond_columns=(0, 1))
    gen = torch.Generator().manual_seed(0)
    scalars = torch.rand(200, 2, generator=gen) * 2 - 1
    codes = torch.stack([torch.randint(3, (200,), generator=gen), torch.randint(2, (200,), generator=gen)], dim=1)
    config = TabGANConfig(batch_size=40, pac=10, gp_every=3, generator_dims=(16,), critic_dims=(16,)).validate()
    trainer = GANTrainer(layout, scalars, codes, config, torch.device("cpu"), gen)
    calls = []
    import tabgan.training as training

    original = training.gradient_penalty
    training.gradient_penalty = lambda *a, **k: calls.append(k or a[-1]) or original(*a, **k)
    try:
        for _ in range(6):
            trainer.step(40)
    finally:
        training.gradient_penalty = original
    assert len(calls) == 2 and all(w == 30.0 for w in calls)


def test_the_averaged_generator_follows_the_live_one_and_is_what_samples() -> None:

    from tabgan.training import GANTrainer
    from tabgan.transforms.encoder import NetworkLayout

    layout = NetworkLayout(n_scalars=2, onehot_widths=(3,), cond_columns=(0,))
    gen = torch.Generator().manual_seed(0)
    scalars = torch.rand(200, 2, generator=gen) * 2 - 1
    codes = torch.randint(3, (200, 1), generator=gen)
    config = TabGANConfig(batch_size=40, pac=10, ema_decay=0.99, generator_dims=(16,), critic_dims=(16,)).validate()
    trainer = GANTrainer(layout, scalars, codes, config, torch.device("cpu"), gen)
    assert trainer.sampled_generator is trainer.ema and not trainer.ema.training
    before = [p.clone() for p in trainer.ema.parameters()]
    trainer.step(40)  # first update: decay warmed up to min(0.99, 2 / 11)
    for old, average, live in zip(before, trainer.ema.parameters(), trainer.generator.parameters()):
        torch.testing.assert_close(average, old + (1 - 2 / 11) * (live - old))
    plain = TabGANConfig(batch_size=40, pac=10, generator_dims=(16,), critic_dims=(16,)).validate()
    no_average = GANTrainer(layout, scalars, codes, plain, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert no_average.ema is None and no_average.sampled_generator is no_average.generator


def test_the_target_classifier_learns_real_rows_and_steers_the_generator() -> None:

    from tabgan.training import GANTrainer
    from tabgan.transforms.encoder import NetworkLayout

    layout = NetworkLayout(n_scalars=1, onehot_widths=(2, 3), cond_columns=(0, 1))
    gen = torch.Generator().manual_seed(0)
    label = torch.randint(2, (400,), generator=gen)
    scalars = (label.float() * 1.2 - 0.6 + 0.1 * torch.randn(400, generator=gen))[:, None]  # the feature gives the label
    codes = torch.stack([label, torch.randint(3, (400,), generator=gen)], dim=1)
    config = TabGANConfig(
        batch_size=40, pac=10, generator_dims=(16,), critic_dims=(16,), critic_lr=1e-2, classifier_weight=1.0
    ).validate()
    trainer = GANTrainer(layout, scalars, codes, config, torch.device("cpu"), gen, target_code=0)
    assert trainer.classifier is not None and trainer.target_span == (1, 3)
    rows = torch.arange(400)
    for _ in range(200):
        trainer.classifier_update(rows[torch.randint(400, (40,), generator=gen)])
    with torch.no_grad():
        guessed = trainer.classifier(trainer.real_batch(rows)[:, trainer.feature_index]).argmax(1)
    assert (guessed == label).float().mean() > 0.9
    # its loss reaches the generator's weights
    _, fake = trainer.fake_batch(trainer.conditions(40))
    trainer.classifier_loss(fake).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainer.generator.parameters())
    off = TabGANConfig(batch_size=40, pac=10, generator_dims=(16,), critic_dims=(16,), classifier_weight=0).validate()
    assert GANTrainer(layout, scalars, codes, off, torch.device("cpu"), gen, target_code=0).classifier is None


def test_layer_widths_given_as_lists_are_accepted_and_checked():
    config = TabGANConfig(generator_dims=[32, 16], critic_dims=[8]).validate()
    assert config.generator_dims == (32, 16) and config.critic_dims == (8,)
    with pytest.raises(ConfigError, match="critic_dims=0 is outside"):
        TabGANConfig(critic_dims=[16, 0]).validate()


def test_generator_infer_matches_the_eval_forward_pass() -> None:
    gen = torch.Generator().manual_seed(3)
    net = build_module(lambda: Generator(8, 5, (16, 12), 7), torch.device("cpu"), gen)
    net.train()
    for _ in range(3):  # move the BatchNorm statistics away from their initial values
        net(torch.randn(64, 8, generator=gen), torch.randint(5, (64,), generator=gen))
    with pytest.raises(RuntimeError, match="eval mode"):
        net.infer(torch.randn(4, 8), torch.zeros(4, dtype=torch.long))
    net.eval()
    noise, cond = torch.randn(50, 8, generator=gen), torch.randint(5, (50,), generator=gen)
    with torch.no_grad():
        expected = net(noise, cond)
    assert torch.allclose(net.infer(noise, cond), expected, atol=1e-5)
    dense = torch.nn.functional.one_hot(cond, 5).float()
    assert torch.allclose(net.infer(noise, dense), expected, atol=1e-5)
    plain = build_module(lambda: Generator(8, 0, (16,), 3), torch.device("cpu"), gen).eval()
    empty = torch.zeros(50, 0)
    with torch.no_grad():
        assert torch.allclose(plain.infer(noise, empty), plain(noise, empty), atol=1e-5)


def test_span_sample_draws_what_the_gumbel_softmax_draws() -> None:
    act = SpanActivation(n_scalars=2, onehot_widths=[3, 4, 1], tau=0.2)
    raw = torch.randn(200, 10, generator=torch.Generator().manual_seed(1)) * 3
    soft = act(raw, torch.Generator().manual_seed(5))
    drawn = act.sample(raw, torch.Generator().manual_seed(5), null_options={1: 3, 2: 0})
    assert torch.allclose(drawn.scalars, soft[:, :2])
    assert torch.equal(drawn.codes[:, 0], soft[:, 2:5].argmax(1))
    assert torch.equal(drawn.codes[:, 1], soft[:, 5:9].argmax(1))
    assert torch.equal(drawn.codes[:, 2], torch.zeros(200, dtype=torch.long))
    assert torch.allclose(drawn.null_scores[1], soft[:, 8], atol=1e-6)
    assert torch.equal(drawn.non_null_codes[1], soft[:, 5:8].argmax(1))
    assert 2 not in drawn.null_scores  # a one-option span has no choice to calibrate
