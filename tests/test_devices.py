"""Device handling: the CUDA path (run where CUDA is present, skipped elsewhere) and precision checks."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from tabgan import ConfigError, TabGAN

TINY = {"epochs": 2, "batch_size": 200, "generator_dims": (32, 32), "critic_dims": (32, 32)}


def test_bf16_on_cpu_is_refused_with_a_clear_message(mixed: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="bf16.*CUDA"):
        TabGAN(device="cpu", precision="bf16", random_state=0, **TINY).fit(mixed)


def test_unknown_precision_is_refused(mixed: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="precision"):
        TabGAN(device="cpu", precision="fp8", random_state=0, **TINY).fit(mixed)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_cuda_fit_keeps_model_and_data_on_the_gpu_and_samples(mixed: pd.DataFrame, precision: str) -> None:
    model = TabGAN(device="auto", precision=precision, random_state=0, **TINY).fit(mixed)
    assert model.device_.type == "cuda"
    assert all(p.is_cuda for p in model.generator_.parameters())
    synthetic = model.sample(500)
    assert len(synthetic) == 500 and list(synthetic.columns) == list(mixed.columns)
    assert model.sample(300).equals(model.sample(300))  # seeded on the GPU too


@pytest.mark.slow
def test_compiled_training_saves_the_plain_generator(mixed: pd.DataFrame, tmp_path) -> None:
    """torch.compile only speeds up training; the saved weights are the ordinary module's."""
    model = TabGAN(device="cpu", compile=True, random_state=0, **TINY).fit(mixed)
    model.save(tmp_path / "model")
    again = TabGAN.load(tmp_path / "model")
    assert not any("_orig_mod" in name for name in again.generator_.state_dict())
    assert again.sample(200).equals(model.sample(200))
