"""The target head: a classifier of the target drawn for every generated row (tabgan/target_head.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tabgan import ModelFileError, TabGAN, infer_schema
from tabgan.target_head import TargetHead, fit_target_head
from tabgan.transforms.encoder import EncodedTable, TableEncoder

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}


def _rule_table(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """``risk`` is 'high' exactly when the colour is red or the amount is over 500."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "grey"], n)
    amount = rng.uniform(0, 1000, n).round(1)
    risk = np.where((colour == "red") | (amount > 500), "high", "low")
    return pd.DataFrame({"colour": colour, "amount": amount, "risk": risk})


def _rule_holds(frame: pd.DataFrame) -> float:
    expected = np.where((frame["colour"] == "red") | (frame["amount"] > 500), "high", "low")
    return float((frame["risk"].to_numpy() == expected).mean())


@pytest.fixture(scope="module")
def rules() -> pd.DataFrame:
    return _rule_table()


@pytest.fixture(scope="module")
def with_head(rules: pd.DataFrame) -> TabGAN:
    return TabGAN(random_state=3, device="cpu", **FAST).fit(rules, infer_schema(rules, target="risk"))


@pytest.fixture()
def trained(rules: pd.DataFrame) -> tuple[EncodedTable, int, TargetHead]:
    """The rule table encoded, the target's code column, and a head trained on it."""
    schema = infer_schema(rules, target="risk")
    rng = np.random.default_rng(0)
    encoder = TableEncoder(schema).fit(rules, rng)
    encoded = encoder.encode(rules, rng)
    column = encoder.category_code_column("risk")
    assert column is not None
    head = fit_target_head(encoder.layout, encoded.scalars, encoded.codes, column, torch.device("cpu"),
                           torch.Generator().manual_seed(0))
    return encoded, column, head


def test_the_head_learns_the_target_from_the_encoded_features(
    rules: pd.DataFrame, trained: tuple[EncodedTable, int, TargetHead]
) -> None:
    encoded, column, head = trained
    probs = head.probabilities(encoded.scalars, encoded.codes)
    assert probs.shape == (len(rules), 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    accuracy = (probs.argmax(axis=1) == encoded.codes[:, column]).mean()
    assert accuracy > 0.95
    drawn = head.draw(encoded.scalars, encoded.codes, np.random.default_rng(1))
    assert (drawn == encoded.codes[:, column]).mean() > 0.9
    again = head.draw(encoded.scalars, encoded.codes, np.random.default_rng(1))
    np.testing.assert_array_equal(drawn, again)


def test_drawing_looks_up_the_one_hot_columns_instead_of_building_them(
    trained: tuple[EncodedTable, int, TargetHead]
) -> None:
    """probabilities() skips the one-hot vectors (an embedding-bag lookup into the first
    layer); it gives what the network gives on the built features."""
    encoded, _, head = trained
    with torch.no_grad():
        features = head.features(torch.from_numpy(encoded.scalars), torch.from_numpy(encoded.codes))
        expected = torch.softmax(head.net(features) + head.bias, dim=1).double().numpy()
    np.testing.assert_allclose(head.probabilities(encoded.scalars, encoded.codes), expected, atol=1e-6)


def test_calibration_matches_the_real_target_frequencies(
    rules: pd.DataFrame, trained: tuple[EncodedTable, int, TargetHead]
) -> None:
    encoded, _, head = trained
    # rows whose features lean to 'high' far more than the real table: the priors move to compensate
    skewed = np.flatnonzero(rules["amount"].to_numpy() > 300)
    head.calibrate(encoded.scalars[skewed], encoded.codes[skewed])
    mean = head.probabilities(encoded.scalars[skewed], encoded.codes[skewed]).mean(axis=0)
    np.testing.assert_allclose(mean, head.frequencies.numpy(), atol=2e-3)


def test_fitted_models_draw_the_target_from_the_head(with_head: TabGAN, rules: pd.DataFrame) -> None:
    assert with_head.target_head_ is not None
    assert "target_head" in with_head.history_.timings
    synthetic = with_head.sample(3000)
    # two epochs teach the generator little; the head carries the rule
    assert _rule_holds(synthetic) > 0.9
    share = (synthetic["risk"] == "high").mean()
    assert abs(share - (rules["risk"] == "high").mean()) < 0.05
    without = TabGAN(random_state=3, device="cpu", target_head=False, **FAST).fit(rules, infer_schema(rules, target="risk"))
    assert without.target_head_ is None
    assert _rule_holds(without.sample(3000)) < _rule_holds(synthetic) - 0.1


def test_conditions_on_the_target_keep_the_asked_value(with_head: TabGAN) -> None:
    rows = with_head.sample(500, conditions={"risk": "low"})
    assert (rows["risk"] == "low").all()
    frame = pd.DataFrame({"risk": ["high", None, "low"]})
    per_row = with_head.sample(conditions=frame)
    assert per_row["risk"].iloc[0] == "high" and per_row["risk"].iloc[2] == "low"


def test_no_head_without_a_categorical_target_or_under_dp(rules: pd.DataFrame) -> None:
    assert TabGAN(random_state=0, device="cpu", **FAST).fit(rules, infer_schema(rules)).target_head_ is None
    numeric_target = infer_schema(rules, target="amount")
    assert TabGAN(random_state=0, device="cpu", **FAST).fit(rules, numeric_target).target_head_ is None
    private = TabGAN(random_state=0, device="cpu", dp_epsilon=5.0, **{**FAST, "epochs": 1})
    assert private.fit(rules, infer_schema(rules, target="risk")).target_head_ is None


def test_no_head_when_the_target_is_the_only_column(rules: pd.DataFrame) -> None:
    only_target = rules[["risk"]]  # every row is a copy of one of two, so the copy filter is off
    model = TabGAN(random_state=0, device="cpu", no_copies=False, **FAST).fit(only_target, infer_schema(only_target, target="risk"))
    assert model.target_head_ is None
    sample = model.sample(500)
    assert set(sample["risk"]) <= {"high", "low"}
    assert abs((sample["risk"] == "high").mean() - (rules["risk"] == "high").mean()) < 0.15


def test_the_head_is_saved_and_loaded_as_tensors(with_head: TabGAN, tmp_path: Path) -> None:
    path = with_head.save(tmp_path / "model")
    assert (path / "target_head.safetensors").is_file()
    loaded = TabGAN.load(path, device="cpu")
    assert loaded.target_head_ is not None
    torch.testing.assert_close(loaded.target_head_.bias, with_head.target_head_.bias)
    pd.testing.assert_frame_equal(loaded.sample(800), with_head.sample(800))


def test_a_damaged_or_missing_head_file_is_refused(with_head: TabGAN, tmp_path: Path) -> None:
    path = with_head.save(tmp_path / "model")
    (path / "target_head.safetensors").write_bytes(b"not tensors")
    with pytest.raises(ModelFileError, match="target_head.safetensors is not a valid safetensors"):
        TabGAN.load(path, device="cpu")
    (path / "target_head.safetensors").unlink()
    with pytest.raises(ModelFileError, match="target_head.safetensors is missing"):
        TabGAN.load(path, device="cpu")
