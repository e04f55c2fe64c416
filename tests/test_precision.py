"""The generator's product precision at sampling time (tabgan.nn.precision): resolution,
the scoped setting, closeness to float32, and the way in from TabGAN, the CLI and exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from tabgan import TabGAN, TabganError
from tabgan.cli import main
from tabgan.export import write_partitioned
from tabgan.nn import Generator, build_module
from tabgan.nn import precision as precision_module
from tabgan.nn.precision import product_precision, resolve_precision

CPU = torch.device("cpu")
SETTING = precision_module._matmul_backend()
needs_setting = pytest.mark.skipif(SETTING is None, reason="torch < 2.9 has no oneDNN fp32_precision setting")


def test_auto_follows_the_cpu_and_bad_values_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_precision("fp32", CPU) == "fp32"
    assert not precision_module.native_bf16_products(torch.device("cuda"))
    monkeypatch.setattr(precision_module, "native_bf16_products", lambda device: False)
    assert resolve_precision("auto", CPU) == "fp32"
    monkeypatch.setattr(precision_module, "native_bf16_products", lambda device: True)
    assert resolve_precision("auto", CPU) == "bf16"
    with pytest.raises(TabganError, match="unknown sampling precision 'fp16'"):
        resolve_precision("fp16", CPU)
    with pytest.raises(TabganError, match="'bf16' needs a CPU device"):
        resolve_precision("bf16", torch.device("cuda"))


@needs_setting
def test_the_setting_holds_inside_the_block_only_even_on_error() -> None:
    before = SETTING.fp32_precision
    with product_precision("bf16"):
        assert SETTING.fp32_precision == "bf16"
    assert SETTING.fp32_precision == before
    with pytest.raises(ValueError), product_precision("bf16"):
        raise ValueError("inside")
    assert SETTING.fp32_precision == before
    with product_precision("fp32"):
        assert SETTING.fp32_precision == before


@needs_setting
def test_bf16_products_stay_float32_and_close_to_exact() -> None:
    gen = torch.Generator().manual_seed(0)
    net = build_module(lambda: Generator(32, 6, (64, 64), 20), CPU, gen).eval()
    noise, cond = torch.randn(4096, 32, generator=gen), torch.randint(6, (4096,), generator=gen)
    exact = net.infer(noise, cond)
    with product_precision("bf16"):
        fast = net.infer(noise, cond)
    assert fast.dtype == torch.float32
    # bfloat16 inputs carry 8 significant bits: each product is within about 1% of its size
    assert torch.allclose(fast, exact, rtol=0.02, atol=0.02 * float(exact.abs().max()))


@pytest.fixture(scope="module")
def model(credit: pd.DataFrame) -> TabGAN:
    small = credit.sample(600, random_state=2)
    return TabGAN(epochs=1, batch_size=200, random_state=0, device="cpu", generator_dims=(64, 64), critic_dims=(64, 64)).fit(small)


@needs_setting
def test_a_model_samples_at_either_precision_and_each_is_seeded(model: TabGAN) -> None:
    frames = {}
    for precision in ("fp32", "bf16"):
        model.sample_precision = precision
        frames[precision] = model.sample(500, seed=4)
        pd.testing.assert_frame_equal(model.sample(500, seed=4), frames[precision])
    model.sample_precision = "auto"
    assert list(frames["bf16"].columns) == list(frames["fp32"].columns)
    assert frames["bf16"].dtypes.to_dict() == frames["fp32"].dtypes.to_dict()
    # the same draws through nearly the same products: nearly every category agrees
    categorical = [c.name for c in model.schema_.columns if c.kind == "categorical"]
    assert categorical
    agree = (frames["bf16"][categorical].astype(str) == frames["fp32"][categorical].astype(str)).to_numpy().mean()
    assert agree > 0.9
    if precision_module.native_bf16_products(CPU):  # the setting reached the products: some cell moved
        assert not frames["bf16"].equals(frames["fp32"])


def test_fit_refuses_a_bad_precision_before_training(credit: pd.DataFrame) -> None:
    model = TabGAN(epochs=50, batch_size=200, device="cpu", sample_precision="fp8")
    with pytest.raises(TabganError, match="unknown sampling precision 'fp8'"):
        model.fit(credit.head(300))
    assert not model.is_fitted


def test_load_export_and_cli_take_the_precision_and_refuse_a_bad_one(model: TabGAN, tmp_path: Path) -> None:
    saved = model.save(tmp_path / "model")
    assert TabGAN.load(saved, device="cpu", sample_precision="fp32").sample_precision == "fp32"
    with pytest.raises(TabganError, match="unknown sampling precision 'half'"):
        TabGAN.load(saved, device="cpu", sample_precision="half")
    with pytest.raises(TabganError, match="unknown sampling precision 'half'"):
        write_partitioned(model, 100, tmp_path / "parts", part_rows=50, sample_precision="half")
    assert not (tmp_path / "parts").exists()

    exact = write_partitioned(model, 100, tmp_path / "exact", part_rows=50, seed=1, sample_precision="fp32")
    assert model.sample_precision == "auto"  # the caller's model keeps its own setting
    model.sample_precision = "fp32"
    again = write_partitioned(model, 100, tmp_path / "again", part_rows=50, seed=1)
    model.sample_precision = "auto"
    assert [(exact.path / f).read_bytes() for f in exact.files] == [(again.path / f).read_bytes() for f in again.files]

    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["sample", str(saved), "-n", "200", "-o", str(out), "--precision", "fp32"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 200
    bad = CliRunner().invoke(main, ["sample", str(saved), "-n", "200", "-o", str(tmp_path / "bad.csv"), "--precision", "fp8"])
    assert bad.exit_code == 2 and "fp8" in bad.output and not (tmp_path / "bad.csv").exists()


@needs_setting
def test_a_nested_block_leaves_the_outer_setting_alone() -> None:
    before = SETTING.fp32_precision
    with product_precision("bf16"):
        with product_precision("bf16"):
            pass
        assert SETTING.fp32_precision == "bf16"  # the inner block did not restore the earlier value
    assert SETTING.fp32_precision == before


@needs_setting
def test_a_failing_chunk_leaves_the_setting_as_it_was(model: TabGAN, monkeypatch: pytest.MonkeyPatch) -> None:
    before = SETTING.fp32_precision
    model.sample_precision = "bf16"

    def failing_decode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("decoding failed")

    monkeypatch.setattr(model, "_decode", failing_decode)
    with pytest.raises(RuntimeError, match="decoding failed"):
        list(model.iter_sample(300, chunk_rows=100))
    model.sample_precision = "auto"
    assert SETTING.fp32_precision == before
