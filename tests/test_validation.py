"""The validation probe, best-checkpoint keeping and the time budget."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from tabgan import TabGAN, infer_schema
from tabgan.validation import BestState, FidelityProbe

TINY = {"batch_size": 200, "generator_dims": (32, 32), "critic_dims": (32, 32)}


def test_probe_scores_identical_tables_1_and_shuffled_pairs_lower(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    probe = FidelityProbe(schema, mixed, np.random.default_rng(0))
    same = probe.score(mixed)
    assert same["shapes"] == 1.0 and same["pair_trends"] == 1.0
    rng = np.random.default_rng(1)
    shuffled = mixed.apply(lambda column: column.sample(frac=1.0, random_state=int(rng.integers(1000))).to_numpy())
    broken = probe.score(shuffled)
    assert broken["shapes"] == 1.0  # marginals untouched
    assert broken["pair_trends"] < 0.97  # joint distributions destroyed


def test_probe_sees_a_shifted_column(mixed: pd.DataFrame) -> None:
    probe = FidelityProbe(infer_schema(mixed), mixed, np.random.default_rng(0))
    shifted = mixed.assign(age=mixed["age"] + 30, city="Paris")
    assert probe.score(shifted)["shapes"] < 0.9  # two of six columns moved: about 4/6 + 2 x 1/2 of 1/6


def test_best_state_keeps_the_best_and_restores_it() -> None:
    layer = torch.nn.Linear(2, 2)
    best = BestState()
    assert best.offer(layer, 0.5, epoch=1)
    kept = layer.weight.detach().clone()
    with torch.no_grad():
        layer.weight.add_(1.0)
    assert not best.offer(layer, 0.4, epoch=2)
    best.restore(layer)
    assert torch.equal(layer.weight, kept) and best.epoch == 1


def test_fit_keeps_the_epoch_with_the_best_probe_score(mixed: pd.DataFrame) -> None:
    model = TabGAN(epochs=6, random_state=3, device="cpu", **TINY).fit(mixed)
    scored = [e for e in model.history_.epochs if "fidelity" in e]
    assert scored and scored[-1]["epoch"] == 6  # the last epoch is always scored
    best = max(scored, key=lambda e: e["fidelity"])
    assert model.history_.selected == {"epoch": best["epoch"], "fidelity": best["fidelity"]}
    assert set(model.history_.timings) == {"preprocessing", "setup", "training", "calibration"}


def test_time_budget_stops_training_in_time(mixed: pd.DataFrame) -> None:
    started = time.perf_counter()
    model = TabGAN(random_state=0, device="cpu", time_budget=4, **TINY).fit(mixed)
    assert time.perf_counter() - started < 6
    assert 1 <= len(model.history_.epochs) < 100_000
    assert model.history_.selected  # a best generator was kept
    assert len(model.sample(50)) == 50


def test_without_select_best_nothing_is_probed(mixed: pd.DataFrame) -> None:
    model = TabGAN(epochs=2, random_state=0, device="cpu", select_best=False, **TINY).fit(mixed)
    assert model.history_.selected == {} and not any("fidelity" in e for e in model.history_.epochs)


def test_probes_fall_on_fixed_epochs_so_a_seed_gives_the_same_model(mixed: pd.DataFrame) -> None:
    from tabgan.synthesizer import PROBES_PER_FIT

    epochs = 2 * PROBES_PER_FIT + 5
    first = TabGAN(epochs=epochs, random_state=4, device="cpu", **TINY).fit(mixed.head(200))
    probed = [e["epoch"] for e in first.history_.epochs if "fidelity" in e]
    assert probed == [*range(2, epochs, 2), epochs]  # every epochs // PROBES_PER_FIT epochs, and the last
    second = TabGAN(epochs=epochs, random_state=4, device="cpu", **TINY).fit(mixed.head(200))
    assert second.history_.selected == first.history_.selected
    pd.testing.assert_frame_equal(second.sample(300), first.sample(300))
