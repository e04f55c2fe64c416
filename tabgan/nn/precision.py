"""The precision of the generator's matrix products at sampling time.

Sampling spends a quarter of its time in the generator's float32 products. On CPUs with
native bfloat16 units (Intel AMX or AVX512-BF16), oneDNN can run those products with bfloat16
inputs and float32 accumulation and output, like TF32 on GPUs: Adult's generator went from
3.25 to 1.84 µs a row for 8,192 rows on 2 cores (benchmarks/sample_precision.py). Tensors stay
float32, so outputs are not rounded to bfloat16's grid; each product carries a relative error
of about 2^-9 of its terms. Training always runs in full float32.

``auto`` picks ``bf16`` where the CPU has native bfloat16 units and torch exposes the setting
(torch >= 2.9), and ``fp32`` everywhere else (CUDA included). ``fp32`` gives exact float32
products on any machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from tabgan.errors import TabganError

PRECISIONS = ("auto", "fp32", "bf16")


def _matmul_backend():  # noqa: ANN202  (torch.backends.mkldnn.matmul, or None before torch 2.9)
    matmul = getattr(torch.backends.mkldnn, "matmul", None)
    return matmul if matmul is not None and hasattr(matmul, "fp32_precision") else None


def native_bf16_products(device: torch.device) -> bool:
    """Whether float32 products on ``device`` can run on native bfloat16 units through oneDNN."""
    if device.type != "cpu" or _matmul_backend() is None or not torch.backends.mkldnn.is_available():
        return False
    cpu = getattr(torch, "cpu", None)
    checks = [getattr(cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    return any(check is not None and bool(check()) for check in checks)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``fp32`` or ``bf16`` for ``precision`` (one of PRECISIONS) on ``device``. ``bf16`` asked
    for where it cannot run (CUDA, or a torch without the setting) is refused by name."""
    if precision not in PRECISIONS:
        raise TabganError(f"unknown sampling precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bf16" if native_bf16_products(device) else "fp32"
    if precision == "bf16" and (device.type != "cpu" or _matmul_backend() is None):
        raise TabganError(
            f"sampling precision 'bf16' needs a CPU device and torch >= 2.9 (device {device.type}, torch {torch.__version__})"
        )
    return precision


@contextmanager
def product_precision(precision: str) -> Iterator[None]:
    """Inside, float32 CPU products run as ``precision`` (``fp32`` or ``bf16``, as resolved by
    :func:`resolve_precision`); the previous setting comes back on exit. The setting is
    process-wide: keep the block to the products (never around a ``yield``). A block inside
    one that already set it (another thread's included) changes nothing, on entry or exit."""
    matmul = _matmul_backend()
    if precision != "bf16" or matmul is None or matmul.fp32_precision == "bf16":
        yield
        return
    previous = matmul.fp32_precision
    matmul.fp32_precision = "bf16"
    try:
        yield
    finally:
        matmul.fp32_precision = previous
