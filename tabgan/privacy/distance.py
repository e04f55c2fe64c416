"""An optional filter at sampling time: drop generated rows that sit closer to a training row
than real unseen rows usually do.

Distances are those of the report (:class:`tabgan.evaluation.privacy.DistanceSpace`:
quantile-scaled numbers, one-hot labels; ids left out). The threshold is the ``quantile`` of
"holdout-to-train" distances: a random ``HOLDOUT_SHARE`` of the training rows (at most
``MAX_HOLDOUT`` rows) plays the holdout, and each of its rows is measured to its nearest row
among the others. A generated row closer to some training row than that threshold is
dropped and replaced. With ``quantile=0.05``, no kept row is closer to the training data than
the closest 5% of genuinely new real rows are.

It needs the training rows at sampling time (``tabgan sample --min-distance-quantile Q
--training-data DATA``). A nearest-neighbour search per generated chunk costs about
rows × training rows × columns operations, so it is much slower than plain sampling on big tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabgan.errors import ConfigError
from tabgan.evaluation.metadata import prepare_frame
from tabgan.evaluation.privacy import DistanceSpace, _nearest
from tabgan.schema import TableSchema

HOLDOUT_SHARE = 0.2
MAX_HOLDOUT = 2_000


class DistanceFilter:
    """Tells which rows of a frame are closer to a training row than the threshold."""

    def __init__(self, schema: TableSchema, space: DistanceSpace, training: np.ndarray, threshold: float) -> None:
        self.schema = schema
        self.space = space
        self.training = training
        self.threshold = threshold

    @classmethod
    def fit(cls, training: pd.DataFrame, schema: TableSchema, quantile: float, seed: int = 0) -> DistanceFilter:
        if not 0 < quantile < 1:
            raise ConfigError(f"the distance quantile must be between 0 and 1, not {quantile}")
        schema = TableSchema(columns=[c for c in schema.columns if c.kind != "id"])  # ids never compared
        frame = prepare_frame(training, schema, "training", strict=True).frame
        if len(frame) < 20:
            raise ConfigError("the distance filter needs at least 20 training rows")
        rng = np.random.default_rng(seed)
        held = min(MAX_HOLDOUT, max(1, int(HOLDOUT_SHARE * len(frame))))
        order = rng.permutation(len(frame))
        space = DistanceSpace.fit(frame, schema, seed)
        points = space.transform(frame)
        to_rest = _nearest(points[order[held:]], points[order[:held]], 1)[:, 0]
        return cls(schema, space, points, float(np.quantile(to_rest, quantile)))

    def too_close(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask: True where the row's nearest training row is nearer than the threshold."""
        if len(frame) == 0:
            return np.zeros(0, dtype=bool)
        points = self.space.transform(prepare_frame(frame, self.schema, "generated", strict=False).frame)
        return _nearest(self.training, points, 1)[:, 0] < self.threshold
