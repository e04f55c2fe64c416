"""Reversible per-column codecs and the whole-table encoder."""

from tabgan.transforms.base import Codec, Span
from tabgan.transforms.categorical import CategoricalCodec
from tabgan.transforms.encoder import EncodedTable, EncoderSettings, NetworkLayout, TableEncoder
from tabgan.transforms.ids import IdCodec
from tabgan.transforms.numeric import DatetimeCodec, MixtureCodec

__all__ = [
    "Codec", "Span", "CategoricalCodec", "DatetimeCodec", "EncodedTable", "EncoderSettings",
    "IdCodec", "MixtureCodec", "NetworkLayout", "TableEncoder",
]
