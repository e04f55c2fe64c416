from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from tabgan import TabGAN, TabganError
from tabgan.augment import augment, rows_to_add
from tabgan.cli import main

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}


def test_rows_to_add() -> None:
    labels = pd.Series(["a"] * 10 + ["b"] * 3 + ["c"] * 1)
    assert rows_to_add(labels, balance=True, add=None) == {"b": 7, "c": 9}
    assert rows_to_add(labels, balance=False, add=5) == {"c": 5}
    assert rows_to_add(labels, balance=False, add=5, label="b") == {"b": 5}
    with pytest.raises(TabganError, match="exactly one"):
        rows_to_add(labels, balance=True, add=5)
    with pytest.raises(TabganError, match="does not occur"):
        rows_to_add(labels, balance=False, add=5, label="z")


def test_balance_gives_equal_classes_of_real_plus_synthetic(credit: pd.DataFrame) -> None:
    real = credit.sample(1500, random_state=2).reset_index(drop=True)
    model = TabGAN(random_state=0, device="cpu", **FAST).fit(real)
    out = augment(real, model, "Status", balance=True, mark="synthetic")
    counts = out["Status"].value_counts()
    assert counts["good"] == counts["bad"]
    pd.testing.assert_frame_equal(out.iloc[: len(real)].drop(columns="synthetic"), real)
    assert not out["synthetic"].iloc[: len(real)].any() and out["synthetic"].iloc[len(real):].all()
    assert (out.loc[out["synthetic"], "Status"] == "bad").all()
    assert out.drop(columns="synthetic").dtypes.to_dict() == real.dtypes.to_dict()


def test_cli_augment_add(credit: pd.DataFrame, tmp_path) -> None:
    data = tmp_path / "credit.csv"
    credit.sample(1000, random_state=3).to_csv(data, index=False)
    out = tmp_path / "augmented.csv"
    args = ["augment", str(data), "--target", "Status", "--add", "150", "-o", str(out), "--epochs", "1",
            "--batch-size", "200", "--device", "cpu", "--quiet", "--seed", "1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert len(frame) == 1150 and (frame["Status"].iloc[1000:] == "bad").all()
    bad = CliRunner().invoke(main, ["augment", str(data), "--target", "Status", "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0 and "exactly one of --balance and --add" in bad.output
    assert not (tmp_path / "x.csv").exists()
    numeric = CliRunner().invoke(main, ["augment", str(data), "--target", "Price", "--balance", "-o", str(tmp_path / "y.csv"),
                                        "--epochs", "1", "--batch-size", "200", "--device", "cpu", "--quiet"])
    assert numeric.exit_code != 0 and "augmentation needs a categorical target" in numeric.output


def test_cli_augment_with_a_saved_model_refuses_fitting_options(credit: pd.DataFrame, tmp_path) -> None:
    data = tmp_path / "credit.csv"
    credit.sample(300, random_state=4).to_csv(data, index=False)
    model_dir = tmp_path / "model"  # never read: the options are refused first
    for extra, named in ((["--epochs", "3"], "--epochs"), (["--set", "pac=10"], "--set"),
                         (["--batch-size", "100", "--time-budget", "5"], "--batch-size, --time-budget")):
        out = tmp_path / "out.csv"
        result = CliRunner().invoke(main, ["augment", str(data), "--target", "Status", "--add", "10", "-o", str(out),
                                           "--model", str(model_dir), *extra])
        assert result.exit_code != 0 and f"{named} set how a model is fitted" in result.output
        assert not out.exists()
