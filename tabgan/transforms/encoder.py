"""The whole-table encoder: one codec per column and the span layout of the data vector.

The encoded table is held compactly: a float32 matrix of the scalar spans and a small
integer matrix (int16) of the one-hot spans' codes. The dense vector the networks see, ``[scalars |
one-hot spans end to end]`` (:class:`NetworkLayout`), is built per batch on the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabgan.errors import ModelFileError
from tabgan.schema import Column, TableSchema
from tabgan.transforms.base import Codec, Span
from tabgan.transforms.categorical import CategoricalCodec
from tabgan.transforms.ids import IdCodec
from tabgan.transforms.mixture import fit_mixtures
from tabgan.transforms.numeric import DatetimeCodec, MixtureCodec

CODECS: dict[str, type[Codec]] = {
    "mixture": MixtureCodec,
    "datetime": DatetimeCodec,
    "categorical": CategoricalCodec,
    "id": IdCodec,
}


@dataclass
class EncoderSettings:
    """How columns are encoded (see each codec's module for the meaning)."""

    max_modes: int = 10
    mixture_fit_rows: int = 10_000
    max_categories: int = 100
    condition_on_modes: bool = True  # numeric columns' modes (and nulls) join the condition vector
    rare_threshold: int = 0  # categorical labels seen fewer times (plus a random margin) are never emitted
    rare_margin: int = 0
    clip_quantile: float = 0.0  # numbers generated within the q and 1-q training quantiles
    spike_share: float = 0.1  # a number this common gets a mode of its own, decoded exactly (0: off)
    support_min_count: int = 0  # generated numbers move to values seen this often, when those dominate (0: off)
    quantile_levels: int = 0  # numbers' marginals calibrated on this many quantile levels (0: off)
    heap_modes: int = 0  # a column's common values become modes when they are this few and sparse (0: off)


def make_codec(column: Column, settings: EncoderSettings) -> Codec:
    """The codec for a column, by its kind."""
    if column.kind in ("continuous", "integer"):
        return MixtureCodec(
            column, max_modes=settings.max_modes, fit_rows=settings.mixture_fit_rows,
            clip_quantile=settings.clip_quantile, spike_share=settings.spike_share,
            support_min_count=settings.support_min_count, quantile_levels=settings.quantile_levels,
            heap_modes=settings.heap_modes,
        )
    if column.kind == "datetime":
        return DatetimeCodec(
            column, max_modes=settings.max_modes, fit_rows=settings.mixture_fit_rows,
            clip_quantile=settings.clip_quantile, spike_share=settings.spike_share,
            quantile_levels=settings.quantile_levels,
        )
    if column.kind in ("categorical", "boolean"):
        return CategoricalCodec(
            column, max_categories=settings.max_categories, rare_threshold=settings.rare_threshold,
            rare_margin=settings.rare_margin,
        )
    return IdCodec(column)


@dataclass
class EncodedTable:
    """A table in the model's compact form."""

    scalars: np.ndarray  # float32 [n, n_scalars]
    codes: np.ndarray  # int16 (int32 for spans over 32,767 options) [n, n_onehots]

    def __len__(self) -> int:
        return int(self.scalars.shape[0])


@dataclass(frozen=True)
class NetworkLayout:
    """How the networks see an encoded row: ``[scalars | one-hot spans end to end]``.

    Pure data (no pandas, no codecs), shared by the encoder, the trainer and saved models.
    """

    n_scalars: int
    onehot_widths: tuple[int, ...]  # width of every one-hot span, in code-column order
    cond_columns: tuple[int, ...]  # code-column index of every discrete (conditionable) column

    @property
    def data_dim(self) -> int:
        return self.n_scalars + sum(self.onehot_widths)

    @property
    def cond_widths(self) -> list[int]:
        return [self.onehot_widths[j] for j in self.cond_columns]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_scalars": self.n_scalars,
            "onehot_widths": list(self.onehot_widths),
            "cond_columns": list(self.cond_columns),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkLayout:
        return cls(int(data["n_scalars"]), tuple(data["onehot_widths"]), tuple(data["cond_columns"]))


class TableEncoder:
    """Fits one codec per schema column; encodes a frame to an :class:`EncodedTable` and back."""

    def __init__(self, schema: TableSchema, settings: EncoderSettings | None = None) -> None:
        self.schema = schema
        self.settings = settings or EncoderSettings()
        self.codecs: list[Codec] = [make_codec(c, self.settings) for c in schema.columns]

    def fit(self, df: pd.DataFrame, rng: np.random.Generator) -> TableEncoder:
        """Fit every codec; the numeric columns' mixtures are solved together in one batch."""
        mixtures: list[MixtureCodec] = []
        problems = []
        for codec in self.codecs:
            if isinstance(codec, MixtureCodec):  # datetimes too (a MixtureCodec subclass)
                problem = codec.prepare(df[codec.column.name], rng)
                if problem is not None:
                    mixtures.append(codec)
                    problems.append(problem)
            else:
                codec.fit(df[codec.column.name], rng)
        fitted = fit_mixtures([p[0] for p in problems], [p[1] for p in problems])
        for codec, mixture in zip(mixtures, fitted):
            codec.adopt(mixture)
        return self

    @property
    def spans(self) -> list[Span]:
        return [span for codec in self.codecs for span in codec.spans]

    @property
    def layout(self) -> NetworkLayout:
        spans = self.spans
        onehots = [s for s in spans if s.kind == "onehot"]
        return NetworkLayout(
            n_scalars=sum(1 for s in spans if s.kind == "scalar"),
            onehot_widths=tuple(s.width for s in onehots),
            cond_columns=tuple(j for j, s in enumerate(onehots) if self._conditionable(s)),
        )

    def _conditionable(self, span: Span) -> bool:
        return span.role == "category" or (span.role == "mode" and self.settings.condition_on_modes)

    def category_code_column(self, name: str | None) -> int | None:
        """The code column (index among the one-hot spans) of categorical column ``name``'s
        options; None for a column without one (numeric, id, absent)."""
        onehots = [s for s in self.spans if s.kind == "onehot"]
        return next((j for j, s in enumerate(onehots) if s.column == name and s.role == "category"), None)

    def condition_index(self) -> dict[str, int]:
        """Categorical column name -> its position among the condition vector's columns."""
        spans = [s for s in self.spans if s.kind == "onehot" and self._conditionable(s)]
        return {s.column: i for i, s in enumerate(spans) if s.role == "category"}

    def condition_counts(self, encoded: EncodedTable) -> np.ndarray:
        """Count of every option of every conditionable column in ``encoded``, end to end."""
        layout = self.layout
        parts = [
            np.bincount(encoded.codes[:, j], minlength=layout.onehot_widths[j]) for j in layout.cond_columns
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def code_dtype(self) -> type[np.signedinteger]:
        """The smallest integer type that holds every one-hot span's codes."""
        widest = max((span.width for codec in self.codecs for span in codec.spans if span.kind == "onehot"), default=0)
        return np.int16 if widest <= np.iinfo(np.int16).max else np.int32

    def encode(self, df: pd.DataFrame, rng: np.random.Generator) -> EncodedTable:
        """The compact form of ``df``: filled column by column into float32 scalars and small
        integer codes, so memory holds the result plus one column's work at a time."""
        n = len(df)
        layout = self.layout
        scalars = np.empty((n, layout.n_scalars), dtype=np.float32)
        codes = np.empty((n, len(layout.onehot_widths)), dtype=self.code_dtype())
        s_at = c_at = 0
        for codec in self.codecs:
            part_scalars, part_codes = codec.encode(df[codec.column.name], rng)
            scalars[:, s_at : s_at + part_scalars.shape[1]] = part_scalars
            codes[:, c_at : c_at + part_codes.shape[1]] = part_codes
            s_at, c_at = s_at + part_scalars.shape[1], c_at + part_codes.shape[1]
        return EncodedTable(scalars, codes)

    def decode(
        self,
        encoded: EncodedTable,
        rng: np.random.Generator,
        ids: dict[str, pd.Series] | None = None,
        omit_ids: bool = False,
    ) -> pd.DataFrame:
        """Back to a frame. Id columns come from ``ids`` when given (so ids stay unique across
        chunks of one sample), else they are generated for these rows alone; with ``omit_ids``
        they are left out (the caller adds them)."""
        return self.decode_parts(encoded, rng, ids, omit_ids)[0]

    def decode_parts(
        self,
        encoded: EncodedTable,
        rng: np.random.Generator,
        ids: dict[str, pd.Series] | None = None,
        omit_ids: bool = False,
    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """:meth:`decode`, and each numeric column's decoded numbers before rounding and dtype
        (NaN: null), for :meth:`reencode`."""
        columns: dict[str, pd.Series] = {}
        numbers: dict[str, np.ndarray] = {}
        s_at = c_at = 0
        n = len(encoded)
        for codec in self.codecs:
            ns, nc = codec.n_scalars, codec.n_onehots
            name = codec.column.name
            if isinstance(codec, IdCodec) and omit_ids:
                continue
            if ids is not None and name in ids:
                columns[name] = ids[name].reset_index(drop=True)
                continue
            scalars = encoded.scalars[:, s_at : s_at + ns] if ns else np.zeros((n, 0), np.float32)
            codes = encoded.codes[:, c_at : c_at + nc] if nc else np.zeros((n, 0), np.int64)
            if isinstance(codec, MixtureCodec):
                numbers[name] = codec.decode_numbers(scalars, codes, rng)
                columns[name] = codec.from_numbers(numbers[name]).reset_index(drop=True)
            else:
                columns[name] = codec.decode(scalars, codes, rng).reset_index(drop=True)
            s_at, c_at = s_at + ns, c_at + nc
        return pd.DataFrame(columns), numbers

    def reencode(self, encoded: EncodedTable, numbers: dict[str, np.ndarray], rng: np.random.Generator) -> EncodedTable:
        """``encoded`` with every numeric column encoded again from its decoded ``numbers``
        (:meth:`decode_parts`): the rows as :meth:`encode` would give them for their final
        values, after calibration and common values; discrete codes are kept."""
        scalars, codes = encoded.scalars.copy(), encoded.codes.copy()
        s_at = c_at = 0
        for codec in self.codecs:
            ns, nc = codec.n_scalars, codec.n_onehots
            if isinstance(codec, MixtureCodec) and codec.column.name in numbers:
                scalars[:, s_at : s_at + ns], codes[:, c_at : c_at + nc] = codec.encode_numbers(numbers[codec.column.name], rng)
            s_at, c_at = s_at + ns, c_at + nc
        return EncodedTable(scalars, codes)

    def fit_calibration(self, generated: EncodedTable) -> None:
        """Record each numeric column's quantiles in ``generated`` (the trained generator's
        unconditional output), for marginal calibration (see :mod:`tabgan.transforms.numeric`)."""
        s_at = c_at = 0
        for codec in self.codecs:
            ns, nc = codec.n_scalars, codec.n_onehots
            if isinstance(codec, MixtureCodec):
                codec.fit_calibration(generated.scalars[:, s_at : s_at + ns], generated.codes[:, c_at : c_at + nc])
            s_at, c_at = s_at + ns, c_at + nc

    def generate_ids(
        self, n: int, rng: np.random.Generator, start: int = 0, total: int | None = None
    ) -> dict[str, pd.Series]:
        """Fresh unique ids for ``n`` rows, for every id column; with ``total``, for rows
        [start, start + n) of a run of ``total`` rows drawn in pieces that never share an id
        (:meth:`IdCodec.generate <tabgan.transforms.ids.IdCodec.generate>`)."""
        return {c.column.name: c.generate(n, rng, start, total) for c in self.codecs if isinstance(c, IdCodec)}

    def null_options(self) -> dict[int, int]:
        """Code column -> its null option, for every one-hot span of a nullable column
        (the last option of a nullable column's mode or category span stands for null)."""
        out: dict[int, int] = {}
        j = 0
        for codec in self.codecs:
            for span in codec.spans:
                if span.kind != "onehot":
                    continue
                if codec.column.nullable and span.role in ("mode", "category"):
                    out[j] = span.width - 1
                j += 1
        return out

    def null_rates(self, encoded: EncodedTable) -> dict[int, float]:
        """Code column -> the share of rows whose code is the null option."""
        return {j: float(np.mean(encoded.codes[:, j] == option)) for j, option in self.null_options().items()}

    def network_to_encoded(
        self,
        scalars: np.ndarray,
        codes: np.ndarray,
        null_choices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
        null_rates: dict[int, float] | None = None,
        rng: np.random.Generator | None = None,
    ) -> EncodedTable:
        """The generator's sampled output (its scalars and each span's chosen option) as an
        :class:`EncodedTable`.

        With ``null_rates``, each nullable column's nulls are *calibrated*: the rows the
        generator finds most null-like (highest null probability) become null, as many as
        the training null rate asks for (rounded at random), and the rest take their most
        likely non-null option. Which rows are null still comes from the generator; how many
        matches the real table, where a GAN's free-running null rate can drift by points.
        ``null_choices`` gives, per nullable code column, the null option's probability and
        the best non-null option of every row (:meth:`null_options` says which columns).
        """
        codes = np.array(codes, dtype=np.int64, copy=True)
        options = self.null_options() if null_choices else {}
        for j, (null_score, non_null) in (null_choices or {}).items():
            if null_rates is None or j not in null_rates:
                continue
            null = options[j]
            k = int(np.floor(null_rates[j] * len(codes) + (rng.random() if rng is not None else 0.5)))
            codes[:, j] = non_null
            if k > 0:
                most_null = np.argpartition(-null_score, min(k, len(codes)) - 1)[:k]
                codes[most_null, j] = null
        return EncodedTable(np.asarray(scalars, dtype=np.float32), codes)

    # -- persistence ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "settings": vars(self.settings),
            "codecs": [{"codec": c.codec_name, "column": c.column.name, "state": c.state()} for c in self.codecs],
        }

    @classmethod
    def from_state(cls, schema: TableSchema, state: dict[str, Any]) -> TableEncoder:
        try:
            encoder = cls(schema, EncoderSettings(**state["settings"]))
            if len(state["codecs"]) != len(encoder.codecs):
                raise ModelFileError("the encoder state does not match the schema's columns")
            for codec, saved in zip(encoder.codecs, state["codecs"]):
                if saved["column"] != codec.column.name or saved["codec"] != codec.codec_name:
                    raise ModelFileError(f"encoder state for column {saved['column']!r} does not match the schema")
                codec.load_state(saved["state"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"the encoder state is malformed ({type(exc).__name__}: {exc})") from None
        return encoder
