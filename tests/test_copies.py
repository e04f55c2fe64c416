"""The copy filter: no generated row equals a training row on every non-id column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabgan import TabGAN
from tabgan.errors import DataError, ModelFileError, TabganError
from tabgan.evaluation.privacy import exact_copy_rate
from tabgan.privacy.copies import FINGERPRINT_FILE, CopyFilter
from tabgan.schema import infer_schema

FAST = {"epochs": 3, "batch_size": 200, "generator_dims": (64, 64), "critic_dims": (64, 64), "device": "cpu"}


@pytest.fixture()
def coarse() -> pd.DataFrame:
    """Few distinct rows (4 x 3 x 2 x 31 combinations), so an unfiltered GAN copies many."""
    rng = np.random.default_rng(3)
    n = 1500
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "shop": rng.choice(["north", "south", "east", "west"], n),
            "tier": rng.choice(["gold", "silver", "bronze"], n, p=[0.2, 0.3, 0.5]),
            "returned": rng.choice([True, False], n),
            "items": rng.integers(0, 31, n),
        }
    )


def test_matches_the_reports_notion_of_a_copy(coarse: pd.DataFrame) -> None:
    schema = infer_schema(coarse)
    rows = coarse.head(50).copy()
    copies = CopyFilter.fit(coarse, schema, "0123456789abcdef")
    other = rows.copy()
    other["items"] = other["items"].astype(float)  # 3 and 3.0 are the same value
    other["order_id"] = -1  # ids do not count
    assert copies.matches(other).all()
    changed = rows.assign(items=rows["items"] + 100)
    assert not copies.matches(changed).any()


def test_nulls_equal_nulls(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    copies = CopyFilter.fit(mixed, schema, "0123456789abcdef")
    with_nulls = mixed[mixed["income"].isna()]
    assert len(with_nulls) and copies.matches(with_nulls).all()


def test_the_salt_changes_every_fingerprint(coarse: pd.DataFrame) -> None:
    schema = infer_schema(coarse)
    a = CopyFilter.fit(coarse, schema, "0123456789abcdef").known
    b = CopyFilter.fit(coarse, schema, "fedcba9876543210").known
    assert not np.isin(a, b).any()


def test_samples_hold_no_copies_by_default(coarse: pd.DataFrame) -> None:
    unfiltered = TabGAN(random_state=0, no_copies=False, **FAST).fit(coarse)
    schema = unfiltered.schema_
    assert exact_copy_rate(coarse, unfiltered.sample(2000), schema) > 0.2  # a GAN alone copies here
    model = TabGAN(random_state=0, **FAST).fit(coarse)
    synthetic = model.sample(2000)
    assert len(synthetic) == 2000
    assert exact_copy_rate(coarse, synthetic, schema) == 0.0
    assert synthetic["order_id"].is_unique
    shop = model.sample(500, conditions={"shop": "north"})
    assert len(shop) == 500 and (shop["shop"] == "north").all()
    assert exact_copy_rate(coarse, shop, schema) == 0.0
    ranged = model.sample(300, conditions=["items>=5"])
    assert len(ranged) == 300 and exact_copy_rate(coarse, ranged, schema) == 0.0
    like = model.sample_like(pd.DataFrame({"shop": ["north"] * 200, "tier": ["gold"] * 200}))
    assert len(like) == 200 and exact_copy_rate(coarse, like, schema) == 0.0


def test_the_same_seed_gives_the_same_filtered_rows(coarse: pd.DataFrame) -> None:
    model = TabGAN(random_state=0, **FAST).fit(coarse)
    assert model.sample(700, seed=5).equals(model.sample(700, seed=5))


def test_a_table_of_too_few_distinct_rows_fails_clearly() -> None:
    tiny = pd.DataFrame({"flag": ["a", "b"] * 300})
    model = TabGAN(random_state=0, **FAST).fit(tiny)
    with pytest.raises(TabganError, match="too few distinct rows.*no_copies=False"):
        model.sample(100)
    assert len(TabGAN(random_state=0, no_copies=False, **FAST).fit(tiny).sample(100)) == 100


def test_a_table_of_one_distinct_row_is_refused_at_fit_not_after_training(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tabgan.cli import main

    same = pd.DataFrame({"order_id": range(40), "city": ["Oslo"] * 40, "price": [9.5] * 40, "items": [2] * 40})
    with pytest.raises(DataError, match="all 40 rows are the same on every non-id column.*--allow-copies"):
        TabGAN(random_state=0, **FAST).fit(same)
    assert len(TabGAN(random_state=0, no_copies=False, **FAST).fit(same).sample(30)) == 30
    data, out = tmp_path / "same.csv", tmp_path / "model"
    same.to_csv(data, index=False)
    result = CliRunner().invoke(main, ["fit", str(data), "-o", str(out), "--epochs", "1", "--device", "cpu", "--quiet"])
    assert result.exit_code == 1 and "all 40 rows are the same" in result.output and not out.exists()


def test_per_row_conditions_that_leave_no_room_fail_clearly(coarse: pd.DataFrame) -> None:
    model = TabGAN(random_state=0, **FAST).fit(coarse)
    given = coarse.drop(columns="order_id").head(3)  # every cell given: each row is a training row
    with pytest.raises(TabganError, match="row 1 gives the generator no room"):
        model.sample_like(given)


def test_differential_privacy_turns_the_filter_off_unless_asked(coarse: pd.DataFrame) -> None:
    from tabgan.config import TabGANConfig

    assert TabGANConfig().filters_copies
    assert not TabGANConfig(dp_epsilon=1.0).filters_copies
    assert TabGANConfig(dp_epsilon=1.0, no_copies=True).filters_copies


def test_fingerprints_travel_with_the_model_and_never_unpickle(coarse: pd.DataFrame, tmp_path: Path) -> None:
    model = TabGAN(random_state=0, **FAST).fit(coarse)
    path = model.save(tmp_path / "model")
    loaded = TabGAN.load(path, device="cpu")
    assert np.array_equal(loaded.copy_filter_.known, model.copy_filter_.known)
    assert loaded.sample(400).equals(model.sample(400))
    np.save(path / FINGERPRINT_FILE, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError, match="fingerprint"):
        TabGAN.load(path, device="cpu")
    (path / FINGERPRINT_FILE).unlink()
    with pytest.raises(ModelFileError, match="fingerprints.npy is missing"):
        TabGAN.load(path, device="cpu")


def test_without_the_filter_no_fingerprints_are_saved(coarse: pd.DataFrame, tmp_path: Path) -> None:
    path = TabGAN(random_state=0, no_copies=False, **FAST).fit(coarse).save(tmp_path / "model")
    assert not (path / FINGERPRINT_FILE).exists()
    assert TabGAN.load(path, device="cpu").copy_filter_ is None


def test_the_distance_filter_keeps_rows_away_from_the_training_rows(mixed: pd.DataFrame, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tabgan.cli import main
    from tabgan.privacy.distance import DistanceFilter

    model = TabGAN(random_state=0, **FAST).fit(mixed)
    keep_away = DistanceFilter.fit(mixed, model.schema_, 0.3)
    assert keep_away.threshold > 0
    assert keep_away.too_close(model.sample(600)).any()  # without the filter some rows are that close
    filtered = model.sample(600, distance_filter=keep_away)
    assert len(filtered) == 600 and not keep_away.too_close(filtered).any()
    assert filtered["customer_id"].is_unique
    paris = model.sample(200, conditions={"city": "Paris"}, distance_filter=keep_away)
    assert (paris["city"] == "Paris").all() and not keep_away.too_close(paris).any()

    data, path = tmp_path / "mixed.csv", tmp_path / "model"
    mixed.to_csv(data, index=False)
    model.save(path)
    runner = CliRunner()
    out = tmp_path / "far.csv"
    result = runner.invoke(main, ["sample", str(path), "-n", "300", "-o", str(out),
                                  "--min-distance-quantile", "0.3", "--training-data", str(data)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 300 and not keep_away.too_close(pd.read_csv(out)).any()
    lonely = runner.invoke(main, ["sample", str(path), "-n", "10", "-o", str(out), "--min-distance-quantile", "0.3"])
    assert lonely.exit_code != 0 and "go together" in lonely.output


def test_sampling_that_cannot_avoid_copies_fails_cleanly_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tabgan.cli import main

    path = TabGAN(random_state=0, **FAST).fit(pd.DataFrame({"flag": ["a", "b"] * 300})).save(tmp_path / "model")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, ["sample", str(path), "-n", "100", "-o", str(out)])
    assert result.exit_code == 1 and "too few distinct rows" in result.output and not out.exists()
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"other": [1, 2]}).to_csv(wrong, index=False)
    result = CliRunner().invoke(main, ["sample", str(path), "-n", "10", "-o", str(out),
                                       "--min-distance-quantile", "0.1", "--training-data", str(wrong)])
    assert result.exit_code == 1 and "'flag'" in result.output and not out.exists()


@pytest.mark.parametrize("table", ["credit", "nafld", "mixed", "coarse"])
def test_fast_fingerprints_equal_the_reports_row_hashes(table: str, request: pytest.FixtureRequest) -> None:
    """Saved models keep fingerprints made by the general path: the fast one must agree bit for bit."""
    from tabgan.evaluation.metadata import canonical_row_hashes, model_columns, prepare_frame, row_hashes

    frame = request.getfixturevalue(table)
    schema = infer_schema(frame)
    messy = frame.copy()
    for column in schema.columns:  # text and numbers written differently, as generated frames may hold them
        if column.kind == "categorical" and pd.api.types.is_integer_dtype(messy[column.name]):
            messy[column.name] = messy[column.name].astype(float)
    for data in (frame, messy):
        canonical = prepare_frame(data, schema, "generated", strict=False).frame
        for key in (None, "0123456789abcdef"):
            names = model_columns(schema)
            compared = type(schema)(columns=[c for c in schema.columns if c.name in names])
            expected = row_hashes(canonical, names, hash_key=key)
            np.testing.assert_array_equal(canonical_row_hashes(data, compared, hash_key=key), expected)
