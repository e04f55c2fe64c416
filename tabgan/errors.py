"""Errors a user can cause. The CLI turns each into one line on stderr and a non-zero exit."""

from __future__ import annotations


class TabganError(Exception):
    """Base class of every error caused by input (data, schema, model files, options)."""


class SchemaError(TabganError):
    """The schema file is malformed, or the data does not fit the schema."""


class DataError(TabganError):
    """A data file cannot be read, is empty, or holds values of the wrong type."""


class ModelFileError(TabganError):
    """A saved model directory is missing, incomplete or not a tabgan model."""


class ConfigError(TabganError):
    """A setting is out of its allowed range."""


def preview(value: object, limit: int = 40) -> str:
    """Show a value in an error message, shortened so no long real value leaks into logs."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
