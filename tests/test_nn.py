from __future__ import annotations

import torch

from tabgan.nn import Critic, Generator, SpanActivation, build_module, gradient_penalty, segment_softmax


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


def test_critic_packs_rows_and_penalty_is_finite() -> None:
    gen = torch.Generator().manual_seed(0)
    critic = build_module(lambda: Critic(6, (32, 32), pac=4), torch.device("cpu"), gen)
    real, fake = torch.randn(20, 6), torch.randn(20, 6)
    assert critic(real, gen).shape == (5, 1)
    penalty = gradient_penalty(critic, real, fake, gen)
    assert torch.isfinite(penalty) and penalty.item() >= 0
