"""tabgan: learn a table of real records and generate synthetic ones with a conditional GAN."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from tabgan.errors import ConfigError, DataError, ModelFileError, SchemaError, TabganError  # noqa: E402
from tabgan.schema import Column, TableSchema, infer_schema, validate  # noqa: E402
from tabgan.synthesizer import TabGAN  # noqa: E402


def evaluate(*args: Any, **kwargs: Any) -> Any:
    """Score a synthetic table against the real one (see :mod:`tabgan.evaluation`)."""
    from tabgan.evaluation import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


__all__ = [
    "Column", "ConfigError", "DataError", "ModelFileError", "SchemaError", "TabGAN", "TableSchema",
    "TabganError", "__version__", "evaluate", "infer_schema", "validate",
]
