from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tabgan import ModelFileError, TabGAN, TabganError, infer_schema

FAST = {"epochs": 2, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64)}


@pytest.fixture(scope="module")
def credit_small(credit: pd.DataFrame) -> pd.DataFrame:
    return credit.sample(1200, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(credit_small: pd.DataFrame) -> TabGAN:
    return TabGAN(random_state=11, device="cpu", **FAST).fit(credit_small)


def test_sample_has_the_real_columns_dtypes_and_values(fitted: TabGAN, credit_small: pd.DataFrame) -> None:
    synthetic = fitted.sample(3000)
    assert len(synthetic) == 3000
    assert list(synthetic.columns) == list(credit_small.columns)
    assert synthetic.dtypes.to_dict() == credit_small.dtypes.to_dict()
    schema = fitted.schema_
    for column in schema.columns:
        real, fake = credit_small[column.name], synthetic[column.name]
        if column.kind in ("categorical", "boolean"):
            assert set(fake.dropna()) <= set(real.dropna()), column.name
        else:
            assert fake.min() >= real.min() and fake.max() <= real.max(), column.name
        if column.kind == "integer":
            assert np.all(np.mod(fake.dropna(), 1) == 0)
        if not column.nullable:
            assert fake.notna().all(), column.name
    assert fitted.generator_.training is False


def test_same_seed_same_model_and_rows(credit_small: pd.DataFrame, fitted: TabGAN) -> None:
    again = TabGAN(random_state=11, device="cpu", **FAST).fit(credit_small)
    pd.testing.assert_frame_equal(again.sample(500), fitted.sample(500))
    other = TabGAN(random_state=12, device="cpu", **FAST).fit(credit_small)
    assert not other.sample(500).equals(fitted.sample(500))


def test_sample_seed_changes_rows_and_default_is_stable(fitted: TabGAN) -> None:
    assert fitted.sample(200).equals(fitted.sample(200))
    assert not fitted.sample(200, seed=1).equals(fitted.sample(200, seed=2))


def test_fit_does_not_touch_global_rngs(credit_small: pd.DataFrame) -> None:
    torch_state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    TabGAN(random_state=1, device="cpu", **{**FAST, "epochs": 1}).fit(credit_small).sample(100)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)


def test_save_and_load_sample_the_same_rows(fitted: TabGAN, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == sorted(
        ["model.json", "schema.yaml", "encoder.json", "history.json", "generator.safetensors", "fingerprints.npy"]
    )
    loaded = TabGAN.load(path, device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(700), fitted.sample(700))
    assert len(loaded.history_.epochs) == FAST["epochs"]


class _Payload:
    def __reduce__(self):
        return (Path.touch, (Path(MARKER),))


MARKER = ""


def test_pickled_weights_are_refused_without_running(fitted: TabGAN, tmp_path: Path) -> None:
    global MARKER
    path = fitted.save(tmp_path / "model")
    MARKER = str(tmp_path / "pwned")
    (path / "generator.safetensors").write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ModelFileError, match="not a valid safetensors weights file"):
        TabGAN.load(path, device="cpu")
    assert not Path(MARKER).exists()


def test_save_replaces_an_earlier_model_but_never_other_files(fitted: TabGAN, tmp_path: Path) -> None:
    """An earlier model or an empty directory is replaced; a directory of other files, or a
    file, is refused by name and left as it was."""
    model_dir = tmp_path / "model"
    fitted.save(model_dir)
    fitted.save(model_dir)  # a re-fit saved over the last one
    (tmp_path / "empty").mkdir()
    fitted.save(tmp_path / "empty")
    assert (tmp_path / "empty" / "model.json").is_file()
    stranger = tmp_path / "documents"
    stranger.mkdir()
    (stranger / "thesis.txt").write_text("years of work")
    with pytest.raises(ModelFileError, match="holds files that are not a tabgan model \\('thesis.txt'"):
        fitted.save(stranger)
    assert [p.name for p in stranger.iterdir()] == ["thesis.txt"]
    (tmp_path / "file.csv").write_text("a\n1\n")
    with pytest.raises(ModelFileError, match="exists and is not a directory"):
        fitted.save(tmp_path / "file.csv")


def test_torch_save_file_in_place_of_weights_is_refused(fitted: TabGAN, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "model")
    torch.save(fitted.generator_.state_dict(), path / "generator.safetensors")
    with pytest.raises(ModelFileError, match="never unpickles"):
        TabGAN.load(path, device="cpu")


def test_incomplete_or_foreign_model_directories(fitted: TabGAN, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "model")
    (path / "encoder.json").unlink()
    with pytest.raises(ModelFileError, match="encoder.json is missing"):
        TabGAN.load(path)
    with pytest.raises(ModelFileError, match="not a model directory"):
        TabGAN.load(tmp_path / "nothing")


def test_ids_are_unique_across_chunks_and_drawn_chunk_by_chunk(nafld: pd.DataFrame, monkeypatch) -> None:
    small = nafld.sample(800, random_state=0).reset_index(drop=True)
    model = TabGAN(random_state=0, device="cpu", **{**FAST, "epochs": 1}).fit(small)
    requested: list[int] = []
    draw = model.encoder_.generate_ids
    monkeypatch.setattr(model.encoder_, "generate_ids", lambda n, *args: requested.append(n) or draw(n, *args))
    frames = list(model.iter_sample(2500, chunk_rows=1000))
    assert [len(f) for f in frames] == [1000, 1000, 500]
    assert requested == [1000, 1000, 500]  # never all the run's ids at once: memory stays one chunk's
    ids = pd.concat(frames)["id"]
    assert ids.is_unique
    assert ids.is_monotonic_increasing  # each chunk draws from its own share of the id range
    assert {str(f["height"].dtype) for f in frames} == {"float64"}


def test_wide_tables_sample_in_smaller_chunks_and_generator_calls(fitted: TabGAN, monkeypatch) -> None:
    """A chunk holds at most SAMPLE_CHUNK_CELLS values and a generator call at most
    GENERATOR_BATCH_OUTPUTS outputs, so a wide table's memory stays bounded; here the limits
    are lowered so this narrow table stands in for a wide one. A seed still gives one output."""
    import tabgan.synthesizer as synthesizer

    columns = len(fitted.schema_.names)
    assert fitted.sample_chunk_rows == synthesizer.SAMPLE_CHUNK_ROWS  # narrow: the row limit holds
    monkeypatch.setattr(synthesizer, "SAMPLE_CHUNK_CELLS", 1_500 * columns)
    monkeypatch.setattr(synthesizer, "GENERATOR_BATCH_OUTPUTS", 300 * fitted.layout_.data_dim)
    assert fitted.sample_chunk_rows == 1_500
    frames = list(fitted.iter_sample(4_000, seed=2))
    assert [len(f) for f in frames] == [1_500, 1_500, 1_000]
    again = pd.concat(list(fitted.iter_sample(4_000, seed=2)))
    pd.testing.assert_frame_equal(pd.concat(frames), again)


def test_tables_without_discrete_columns_and_tiny_tables() -> None:
    rng = np.random.default_rng(0)
    numeric = pd.DataFrame({"x": rng.normal(size=60), "y": rng.exponential(size=60)})
    model = TabGAN(random_state=0, device="cpu", **FAST).fit(numeric)
    assert model.sample(10).shape == (10, 2)


def test_time_zone_aware_datetimes_come_back_in_their_zone(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2022-01-01", tz="America/New_York") + pd.to_timedelta(rng.integers(0, 10**7, 300), unit="s")
    real = pd.DataFrame({"at": stamps, "kind": rng.choice(["a", "b"], 300), "amount": rng.normal(size=300)})
    model = TabGAN(random_state=0, device="cpu", **FAST).fit(real)
    sample = model.sample(200)
    assert str(sample["at"].dtype) == "datetime64[ns, America/New_York]"
    assert sample["at"].min() >= real["at"].min() and sample["at"].max() <= real["at"].max()
    model.save(tmp_path / "model")
    assert str(TabGAN.load(tmp_path / "model").sample(5)["at"].dtype) == "datetime64[ns, America/New_York]"


def test_unfitted_and_bad_arguments(fitted: TabGAN) -> None:
    with pytest.raises(TabganError, match="not fitted"):
        TabGAN().sample(5)
    with pytest.raises(TabganError, match="positive integer"):
        fitted.sample(0)
    with pytest.raises(TabganError, match="batch_size=205 is not a multiple of pac=10"):
        TabGAN(batch_size=205, pac=10).fit(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(TabganError, match="unknown setting"):
        TabGAN(colour="red").fit(pd.DataFrame({"a": [1, 2]}))


def test_explicit_schema_is_used(credit_small: pd.DataFrame) -> None:
    schema = infer_schema(credit_small, target="Status")
    model = TabGAN(random_state=0, device="cpu", **{**FAST, "epochs": 1}).fit(credit_small, schema)
    assert model.schema_ is schema


def test_epoch_hook_sees_a_usable_model_and_can_stop_training(credit_small: pd.DataFrame) -> None:
    seen = []

    def hook(model: TabGAN, epoch: int) -> bool:
        seen.append((epoch, len(model.sample(50, seed=epoch))))
        return epoch == 2

    model = TabGAN(random_state=0, device="cpu", **{**FAST, "epochs": 5}).fit(credit_small, epoch_hook=hook)
    assert seen == [(1, 50), (2, 50)]
    assert len(model.history_.epochs) == 2
    assert {"critic_loss", "generator_loss", "condition_loss", "seconds", "rows_per_second"} <= set(model.history_.epochs[0])


def test_conditioning_on_modes_round_trips(credit_small: pd.DataFrame, tmp_path: Path) -> None:
    model = TabGAN(random_state=2, device="cpu", condition_on_modes=True, **FAST).fit(credit_small)
    layout = model.layout_
    assert len(layout.cond_columns) > len(model.encoder_.condition_index())  # mode spans joined in
    assert sum(model.condition_counts_) == len(credit_small) * len(layout.cond_columns)
    rows = model.sample(400, conditions={"Home": "rent"})
    assert (rows["Home"] == "rent").all()
    loaded = TabGAN.load(model.save(tmp_path / "m"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(300), model.sample(300))
