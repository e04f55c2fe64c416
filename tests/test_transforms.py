from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabgan.schema import Column, infer_schema, validate
from tabgan.transforms import CategoricalCodec, DatetimeCodec, IdCodec, MixtureCodec, TableEncoder


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_table_round_trip_is_exact(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    frame = validate(mixed, schema)
    encoder = TableEncoder(schema).fit(frame, rng())
    encoded = encoder.encode(frame, rng())
    back = encoder.decode(encoded, rng())
    for name in mixed.columns:
        if name == "customer_id":
            continue
        expected = mixed[name].reset_index(drop=True)
        if expected.dtype == object:
            expected = expected.where(expected.notna(), np.nan)
        pd.testing.assert_series_equal(back[name], expected, check_exact=False, rtol=1e-5)
    assert encoded.scalars.dtype == np.float32 and encoded.codes.dtype == np.int16  # compact: 2 bytes a code


def test_decode_parts_gives_the_numbers_and_reencode_encodes_them_again(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    frame = validate(mixed, schema)
    encoder = TableEncoder(schema).fit(frame, rng())
    encoded = encoder.encode(frame, rng())
    back, numbers = encoder.decode_parts(encoded, rng())
    pd.testing.assert_frame_equal(back, encoder.decode(encoded, rng()))
    assert set(numbers) == {"age", "income", "signup"}  # the numeric and datetime columns (rating is categorical)
    np.testing.assert_allclose(numbers["income"], mixed["income"].to_numpy(), rtol=1e-5)
    # moved numbers are encoded where they now are; discrete codes stay as they were
    moved = {**numbers, "income": np.where(np.isnan(numbers["income"]), np.nan, 1.0e5)}
    again = encoder.reencode(encoded, moved, rng())
    assert np.array_equal(again.codes[:, 0], encoded.codes[:, 0])  # city
    back_again, _ = encoder.decode_parts(again, rng())
    np.testing.assert_allclose(back_again["income"].dropna().to_numpy(), 1.0e5, rtol=1e-5)
    pd.testing.assert_series_equal(back_again["age"], back["age"])


def test_round_trip_real_table(credit: pd.DataFrame) -> None:
    schema = infer_schema(credit)
    encoder = TableEncoder(schema).fit(credit, rng())
    back = encoder.decode(encoder.encode(credit, rng()), rng())
    pd.testing.assert_frame_equal(back, credit, check_exact=False, rtol=1e-5)


def test_mixture_fits_on_a_bounded_subsample() -> None:
    values = pd.Series(np.random.default_rng(1).normal(0, 1, 200_000))
    codec = MixtureCodec(Column("x", "continuous", dtype="float64"), fit_rows=2_000).fit(values, rng())
    assert 1 <= len(codec.means_) <= 10
    assert abs(codec.center_) < 0.1  # the subsample still represents the column


def test_mixture_separates_modes_and_encodes_in_range() -> None:
    gen = np.random.default_rng(2)
    values = pd.Series(np.concatenate([gen.normal(-10, 1, 3000), gen.normal(10, 1, 3000)]))
    codec = MixtureCodec(Column("x", "continuous", dtype="float64")).fit(values, rng())
    scalars, codes = codec.encode(values, rng())
    assert np.all(np.abs(scalars) <= 0.99)
    left = codes[:3000, 0]
    right = codes[3000:, 0]
    assert np.bincount(left).argmax() != np.bincount(right).argmax()


def test_nulls_are_a_mode_of_their_own() -> None:
    values = pd.Series([1.5, np.nan, 2.5, np.nan, 3.0] * 20)
    codec = MixtureCodec(Column("x", "continuous", dtype="float64", nullable=True)).fit(values, rng())
    scalars, codes = codec.encode(values, rng())
    assert codec.spans[1].width == len(codec.means_) + 1
    assert np.all(codes[values.isna().to_numpy(), 0] == len(codec.means_))
    assert codec.decode(scalars, codes, rng()).isna().sum() == 40


def test_integer_output_is_rounded_and_within_bounds() -> None:
    column = Column("n", "integer", dtype="int64", min=0, max=10)
    codec = MixtureCodec(column).fit(pd.Series(np.arange(11).repeat(10)), rng())
    scalars = np.array([[-1.0], [1.0], [0.3]], dtype=np.float32)
    codes = np.zeros((3, 1), dtype=np.int64)
    out = codec.decode(scalars, codes, rng())
    assert out.dtype == np.int64 and out.between(0, 10).all()


def test_categorical_folds_the_tail_into_other() -> None:
    labels = [f"c{i}" for i in range(30)]
    counts = np.arange(30, 0, -1) * 10
    values = pd.Series(np.repeat(labels, counts))
    codec = CategoricalCodec(Column("c", "categorical"), max_categories=10).fit(values, rng())
    assert codec.n_options == 10 and len(codec.tail_) == 21
    _, codes = codec.encode(values, rng())
    decoded = codec.decode(np.zeros((len(values), 0)), codes, rng())
    head = set(codec.categories_)
    kept = values.isin(head).to_numpy()
    assert (decoded[kept] == values[kept]).all()
    # folded labels come back as real tail labels, by frequency
    assert set(decoded[~kept]) <= set(codec.tail_)
    assert decoded[~kept].nunique() > 10


def test_numeric_categories_keep_their_type() -> None:
    column = Column("stars", "categorical", dtype="int64", categories=[1, 2, 3])
    values = pd.Series([1, 2, 3, 3, 2])
    codec = CategoricalCodec(column).fit(values, rng())
    out = codec.decode(np.zeros((5, 0)), codec.encode(values, rng())[1], rng())
    assert out.dtype == np.int64 and out.tolist() == [1, 2, 3, 3, 2]


def test_datetime_written_back_in_its_format() -> None:
    column = Column("day", "datetime", dtype="object", datetime_format="%d/%m/%Y", nullable=True)
    values = pd.Series(["01/02/2021", "15/03/2022", None, "30/12/2019"] * 25)
    codec = DatetimeCodec(column).fit(values, rng())
    assert codec.resolution_ == "D"
    scalars, codes = codec.encode(values, rng())
    out = codec.decode(scalars, codes, rng())
    assert out.isna().sum() == 25
    assert out.dropna().tolist() == values.dropna().tolist()


@pytest.mark.parametrize("values", [pd.Series(np.arange(1, 101)), pd.Series([f"U-{i:04d}" for i in range(100)])])
def test_ids_are_fresh_and_unique(values: pd.Series) -> None:
    column = Column("id", "id", dtype=str(values.dtype))
    codec = IdCodec(column).fit(values, rng())
    ids = codec.generate(5000, rng())
    assert ids.is_unique and len(ids) == 5000
    if values.dtype == object:
        assert ids.str.startswith("U-").all()
    else:
        assert ids.dtype == np.int64


def test_encoder_state_round_trips_through_json(mixed: pd.DataFrame) -> None:
    import json

    schema = infer_schema(mixed)
    encoder = TableEncoder(schema).fit(mixed, rng())
    state = json.loads(json.dumps(encoder.state()))
    again = TableEncoder.from_state(schema, state)
    a = encoder.decode(encoder.encode(mixed, rng()), rng())
    b = again.decode(again.encode(mixed, rng()), rng())
    pd.testing.assert_frame_equal(a, b)
    assert again.layout == encoder.layout


def test_a_spike_gets_its_own_mode_and_decodes_exactly() -> None:
    gen = np.random.default_rng(3)
    amounts = np.where(gen.random(5000) < 0.9, 0.0, gen.lognormal(8, 1, 5000).round())
    values = pd.Series(amounts)
    codec = MixtureCodec(Column("gain", "integer", dtype="int64", min=0)).fit(values, rng())
    assert codec.spikes_.tolist() == [0.0]
    scalars, codes = codec.encode(values, rng())
    zero_mode = len(codec.means_)
    assert np.all(codes[amounts == 0, 0] == zero_mode) and np.all(scalars[amounts == 0, 0] == 0)
    assert not np.any(codes[amounts != 0, 0] == zero_mode)
    # whatever offset a generator gives the spike's mode, the value comes back exactly
    offsets = np.linspace(-1, 1, 7, dtype=np.float32)[:, None]
    out = codec.decode(offsets, np.full((7, 1), zero_mode), rng())
    assert (out == 0).all()
    pd.testing.assert_series_equal(codec.decode(scalars, codes, rng()), values.astype("int64"), check_names=False)


def test_no_spikes_in_a_smooth_column_or_where_nothing_would_be_left_for_the_mixture() -> None:
    smooth = pd.Series(np.random.default_rng(4).normal(0, 1, 3000))
    assert MixtureCodec(Column("x", "continuous", dtype="float64")).fit(smooth, rng()).spikes_.size == 0
    two_values = pd.Series([1.0, 2.0, 3.0] * 100)
    assert MixtureCodec(Column("y", "continuous", dtype="float64")).fit(two_values, rng()).spikes_.size == 0


def test_a_mixture_state_saved_before_spikes_loads_without_them() -> None:
    codec = MixtureCodec(Column("x", "continuous", dtype="float64")).fit(pd.Series(np.arange(100.0)), rng())
    state = codec.state()
    del state["spikes"]
    loaded = MixtureCodec(Column("x", "continuous", dtype="float64"))
    loaded.load_state(state)
    assert loaded.spikes_.size == 0 and loaded.n_modes == len(codec.means_)


def test_generated_numbers_move_to_values_seen_often_enough() -> None:
    gen = np.random.default_rng(5)
    common = gen.choice([50.0, 100.0, 150.0, 200.0, 500.0], 4800)  # round amounts
    unique = gen.uniform(0, 600, 200).round(2)  # 4% one-off amounts
    values = pd.Series(np.r_[common, unique])
    codec = MixtureCodec(Column("amount", "continuous", dtype="float64"), support_min_count=5).fit(values, rng())
    assert codec.support_.tolist() == [50.0, 100.0, 150.0, 200.0, 500.0]
    scalars = gen.uniform(-1, 1, (3000, 1)).astype(np.float32)  # anything a generator may give
    codes = gen.integers(0, codec.n_modes, (3000, 1))
    out = codec.decode(scalars, codes, rng())
    assert set(out.unique()) <= set(codec.support_) and out.nunique() > 1
    assert not out.isin(unique).any()  # a value seen once is never generated
    fresh = MixtureCodec(Column("amount", "continuous", dtype="float64"))
    fresh.load_state(codec.state())
    pd.testing.assert_series_equal(fresh.decode(scalars, codes, rng()), out)


def test_no_snapping_where_common_values_are_not_most_of_the_column() -> None:
    smooth = pd.Series(np.random.default_rng(6).normal(0, 1, 3000))
    assert MixtureCodec(Column("x", "continuous", dtype="float64"), support_min_count=5).fit(smooth, rng()).support_.size == 0
    ages = pd.Series(np.random.default_rng(7).integers(18, 90, 3000).astype(float))
    assert MixtureCodec(Column("age", "integer", dtype="int64"), support_min_count=0).fit(ages, rng()).support_.size == 0
    assert MixtureCodec(Column("age", "integer", dtype="int64"), support_min_count=5).fit(ages, rng()).support_.size == 72


def test_snapping_is_off_under_differential_privacy() -> None:
    from tabgan.config import TabGANConfig

    assert TabGANConfig().support_min_count == 5
    assert TabGANConfig(rare_category_threshold=0).support_min_count == 1
    assert TabGANConfig(dp_epsilon=1.0).support_min_count == 0
    assert TabGANConfig(snap_to_common=False).support_min_count == 0


def test_calibration_maps_generated_numbers_onto_the_real_distribution() -> None:
    gen = np.random.default_rng(8)
    hours = np.r_[np.full(4700, 40.0), np.full(900, 50.0), np.full(450, 60.0), gen.integers(1, 99, 3950)]
    codec = MixtureCodec(Column("hours", "integer", dtype="int64"), quantile_levels=1000).fit(pd.Series(hours), rng())
    scalars = gen.uniform(-0.3, 0.3, (20000, 1)).astype(np.float32)  # a generator that smooths the heaps
    codes = gen.integers(0, codec.n_modes, (20000, 1))
    before = codec.decode(scalars, codes, rng())
    codec.fit_calibration(scalars, codes)
    after = codec.decode(scalars, codes, rng())
    real = pd.Series(hours).value_counts(normalize=True)
    for value in (40, 50, 60):
        assert abs(after.eq(value).mean() - real[value]) < 0.02
    assert abs(before.eq(50).mean() - real[50]) > 0.03  # the heap at 50 is smoothed away without calibration
    # monotone: a larger generated number never comes out smaller (ties aside)
    raw, _ = codec._raw_numbers(scalars, codes)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(after.to_numpy()[order]) >= -60)  # only tied points spread within their band
    assert np.corrcoef(raw, after)[0, 1] > 0.9
    fresh = MixtureCodec(Column("hours", "integer", dtype="int64"))
    fresh.load_state(codec.state())
    pd.testing.assert_series_equal(fresh.decode(scalars, codes, rng()), after)


def test_calibration_is_off_under_differential_privacy_and_when_asked() -> None:
    from tabgan.config import CALIBRATION_LEVELS, TabGANConfig

    assert TabGANConfig().quantile_levels == CALIBRATION_LEVELS
    assert TabGANConfig(dp_epsilon=1.0).quantile_levels == 0
    assert TabGANConfig(calibrate_numbers=False).quantile_levels == 0


def test_calibration_keeps_no_extreme_that_clipping_hides() -> None:
    values = pd.Series(np.r_[np.arange(1000.0), 1e6])  # one extreme value
    codec = MixtureCodec(Column("x", "continuous", dtype="float64"), clip_quantile=0.01, quantile_levels=100)
    codec.fit(values, rng())
    assert codec.real_quantiles_.max() <= codec.high_ < 1e6


def test_sparse_common_values_become_modes_of_their_own() -> None:
    gen = np.random.default_rng(9)
    listed = np.array([594.0, 2174.0, 3103.0, 5013.0, 7688.0, 15024.0, 99999.0])  # a fixed list of amounts
    gains = np.where(gen.random(6000) < 0.9, 0.0, gen.choice(listed, 6000))
    gains[:40] = gen.uniform(1, 90000, 40).round()  # a few one-off amounts
    column = Column("gain", "integer", dtype="int64", min=0)
    codec = MixtureCodec(column, support_min_count=5, quantile_levels=1000, heap_modes=100).fit(pd.Series(gains), rng())
    assert codec.heaped_ and codec.spikes_.tolist() == [0.0, *listed]
    scalars, codes = codec.encode(pd.Series(gains), rng())
    first_spike = len(codec.means_)
    listed_rows = np.isin(gains, codec.spikes_)
    assert np.all(codes[listed_rows, 0] == first_spike + np.searchsorted(codec.spikes_, gains[listed_rows]))
    codec.fit_calibration(scalars, codes)
    assert codec.generated_quantiles_.size == 0  # a heaped column's values are learned, not calibrated
    out = codec.decode(scalars, codes, rng())
    assert np.array_equal(out.to_numpy()[listed_rows], gains[listed_rows])  # each listed amount comes back as itself
    assert set(out.unique()) <= set(codec.spikes_)
    fresh = MixtureCodec(column)
    fresh.load_state(codec.state())
    assert fresh.heaped_ and fresh.n_modes == codec.n_modes


def test_dense_common_values_and_heap_modes_off_keep_the_mixture() -> None:
    ages = pd.Series(np.random.default_rng(10).integers(18, 90, 3000).astype(float))
    codec = MixtureCodec(Column("age", "integer", dtype="int64"), support_min_count=5, heap_modes=100).fit(ages, rng())
    assert not codec.heaped_ and codec.spikes_.size == 0  # 72 ages fill their range: a range, not heaps
    gains = pd.Series(np.random.default_rng(11).choice([0.0, 0.0, 0.0, 594.0, 7688.0, 15024.0], 3000))
    assert not MixtureCodec(Column("g", "integer", dtype="int64"), support_min_count=5).fit(gains, rng()).heaped_
    too_many = MixtureCodec(Column("g", "integer", dtype="int64"), support_min_count=5, heap_modes=2).fit(gains, rng())
    assert not too_many.heaped_
    from tabgan.config import TabGANConfig

    assert TabGANConfig(dp_epsilon=1.0).support_min_count == 0  # no common values, so no heaps, under DP
