"""The target head: each generated row's target label drawn from a classifier of its features.

A GAN learns the whole table at once, and what a model trained on its rows needs most, the
target given the other columns, comes out blurred: on Adult a gradient-boosted model trained
on the generator's rows scored ROC AUC 0.892 on adult_test.csv, against 0.927 trained on the
real rows, though the features' own shapes and pairs matched closely (docs/FIDELITY.md).

When the schema names a categorical (or boolean) target, the fit also trains a small MLP on
the real rows, encoded as the generator sees them without the target's span, to predict the
target's option, with early stopping on a held-out tenth of the rows. Each generated row's
target is then drawn from the head's probabilities for that row's generated features: the
last step of an autoregressive synthesizer (synthpop's CART method draws every column so).
The generator still makes the features, and conditions on the target still steer it (the
asked value is written in afterwards). After training, the head's class priors are shifted
so that its labels on generated rows keep the real target's frequencies.

The head reads the real rows, so it is not used under differential privacy. Torch only; the
caller passes encoded arrays (:class:`~tabgan.transforms.encoder.EncodedTable`'s parts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from tabgan.nn import TargetClassifier, build_module, empty_module
from tabgan.transforms.encoder import NetworkLayout

HIDDEN = (128, 128)  # as good as 256-wide or deeper heads on Adult, and a tenth of the generator's work
MAX_EPOCHS = 50
PATIENCE = 5  # epochs without a better validation loss before training stops
EPOCH_ROWS = 100_000  # an epoch sees at most this many rows, so large tables train in bounded time
VALIDATION_SHARE = 0.1
MAX_VALIDATION_ROWS = 20_000
BATCH = 512
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-5
PRIOR_ITERATIONS = 50
DRAW_BATCH = 8_192  # rows per forward pass when drawing (small enough to stay in cache)


@dataclass
class TargetHead:
    """A trained head: which code column it draws, its network and its prior correction."""

    layout: NetworkLayout
    code_column: int  # the target's column among the one-hot spans (EncodedTable.codes)
    net: TargetClassifier
    frequencies: torch.Tensor  # float64 [options]: the real rows' share of each target option
    bias: torch.Tensor  # float32 [options]: added to the logits (prior correction)

    @property
    def options(self) -> int:
        return self.layout.onehot_widths[self.code_column]

    # -- features ----------------------------------------------------------------------------
    def features(self, scalars: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """``[scalars | one-hots of every span but the target's]``, float32, on the head's device."""
        return head_features(self.layout, self.code_column, scalars, codes)

    # -- drawing -----------------------------------------------------------------------------
    @torch.no_grad()
    def probabilities(self, scalars: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """float64 [n, options]: the head's distribution of the target for each encoded row."""
        self.net.eval()
        device = self.bias.device
        out = np.empty((len(scalars), self.options), dtype=np.float64)
        for start in range(0, len(scalars), DRAW_BATCH):
            stop = start + DRAW_BATCH
            part_scalars = torch.from_numpy(scalars[start:stop]).to(device)
            part_codes = torch.from_numpy(codes[start:stop]).to(device)
            if len(self.net.hidden):
                logits = self._logits(part_scalars, part_codes)
            else:  # no first hidden layer to look up into
                logits = self.net(self.features(part_scalars, part_codes))
            out[start:stop] = torch.softmax(logits.float() + self.bias, dim=1).double().cpu().numpy()
        return out

    def _logits(self, scalars: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """``net(features(scalars, codes))`` without building the one-hot vectors: a one-hot
        input's product with the first layer is the sum of the weight columns its options pick,
        an embedding-bag lookup (the same numbers up to rounding, a fraction of the work)."""
        first = self.net.hidden[0]
        n_scalars = self.layout.n_scalars
        positions = onehot_positions(self.layout, self.code_column, codes)
        if positions.shape[1]:
            table = first.weight[:, n_scalars:].t().contiguous()  # one row per one-hot input
            base = F.embedding_bag(positions, table, mode="sum") + first.bias
        else:
            base = first.bias.expand(len(scalars), -1)
        return self.net.after_first_layer(torch.addmm(base, scalars.float(), first.weight[:, :n_scalars].t()))

    def draw(self, scalars: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A target option for every encoded row, drawn from the head (int64 [n])."""
        probs = self.probabilities(scalars, codes)
        cdf = np.cumsum(probs, axis=1)
        u = rng.random(len(probs))[:, None] * cdf[:, -1:]
        return np.minimum((u >= cdf).sum(axis=1), self.options - 1).astype(np.int64)

    def calibrate(self, scalars: np.ndarray, codes: np.ndarray) -> None:
        """Shift the class priors so the mean probability of each option over these generated
        rows equals its real frequency (options the real rows never hold are never drawn)."""
        self.bias.zero_()
        seen = self.frequencies > 0
        self.bias[~seen.to(self.bias.device)] = -1e4
        logits = torch.from_numpy(np.log(np.maximum(self.probabilities(scalars, codes), 1e-300)))
        target = self.frequencies[seen]
        shift = torch.zeros(self.options, dtype=torch.float64)
        for _ in range(PRIOR_ITERATIONS):  # fixed-point iteration: each step moves each prior by its log ratio
            mean = torch.softmax(logits + shift, dim=1).mean(0)[seen]
            shift[seen] += torch.log(target) - torch.log(mean.clamp_min(1e-300))
        self.bias += shift.to(self.bias.device, torch.float32)
        self.bias[~seen.to(self.bias.device)] = -1e4

    # -- persistence -------------------------------------------------------------------------
    def weights(self) -> dict[str, torch.Tensor]:
        tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in self.net.state_dict().items()}
        tensors["bias"] = self.bias.detach().cpu().contiguous()
        tensors["frequencies"] = self.frequencies.detach().cpu().contiguous()
        return tensors

    def meta(self) -> dict[str, Any]:
        return {"code_column": self.code_column, "hidden": list(HIDDEN)}

    @classmethod
    def from_parts(
        cls, layout: NetworkLayout, meta: dict[str, Any], weights: dict[str, torch.Tensor], device: torch.device
    ) -> TargetHead:
        """The head of a saved model (``meta`` from model.json, ``weights`` from safetensors)."""
        code_column = int(meta["code_column"])
        hidden = tuple(int(h) for h in meta["hidden"])
        if not 0 <= code_column < len(layout.onehot_widths):
            raise ValueError(f"target head code column {code_column} is outside the layout")
        options = layout.onehot_widths[code_column]
        net = empty_module(lambda: TargetClassifier(layout.data_dim - options, hidden, options), device)
        net.load_state_dict({k[len("net.") :]: v for k, v in weights.items() if k.startswith("net.")}, strict=True)
        bias, frequencies = weights["bias"], weights["frequencies"]
        if bias.shape != (options,) or frequencies.shape != (options,):
            raise ValueError("target head prior tensors do not match the target's options")
        return cls(layout, code_column, net.eval(), frequencies.to(torch.float64), bias.to(device, torch.float32))


def feature_width(layout: NetworkLayout, code_column: int) -> int:
    """How many inputs the head reads: every scalar and every span's options but the target's."""
    return layout.n_scalars + sum(w for j, w in enumerate(layout.onehot_widths) if j != code_column)


def onehot_positions(layout: NetworkLayout, code_column: int, codes: torch.Tensor) -> torch.Tensor:
    """long [B, spans - 1]: where each span but ``code_column``'s has its option set within
    the head's one-hot block."""
    widths = torch.tensor(
        [w for j, w in enumerate(layout.onehot_widths) if j != code_column], dtype=torch.long, device=codes.device
    )
    others = torch.cat([codes[:, :code_column], codes[:, code_column + 1 :]], dim=1).long()
    return others + (torch.cumsum(widths, 0) - widths)[None, :]


def head_features(layout: NetworkLayout, code_column: int, scalars: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """``[scalars | one-hots of every span but code_column's]`` for encoded rows (float32)."""
    onehot = torch.zeros(codes.shape[0], feature_width(layout, code_column) - layout.n_scalars, device=codes.device)
    positions = onehot_positions(layout, code_column, codes)
    if positions.shape[1]:
        onehot.scatter_(1, positions, 1.0)
    return torch.cat([scalars.float(), onehot], dim=1)


def fit_target_head(
    layout: NetworkLayout,
    scalars: np.ndarray,
    codes: np.ndarray,
    code_column: int,
    device: torch.device,
    generator: torch.Generator,
) -> TargetHead:
    """Train a head on the real encoded rows: Adam on cross-entropy, an epoch of at most
    EPOCH_ROWS rows, the weights of the best validation loss kept, stopping after PATIENCE
    epochs without improvement. Every draw comes from ``generator``."""
    n = len(scalars)
    options = layout.onehot_widths[code_column]
    x_all = torch.from_numpy(scalars).to(device)
    c_all = torch.from_numpy(codes).to(device)
    y_all = c_all[:, code_column].long()
    order = torch.randperm(n, generator=generator, device=device)
    n_val = min(MAX_VALIDATION_ROWS, max(1, int(n * VALIDATION_SHARE))) if n >= 20 else 0
    val, train = order[:n_val], order[n_val:]
    net = build_module(lambda: TargetClassifier(feature_width(layout, code_column), HIDDEN, options), device, generator)
    optimiser = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)

    def inputs(rows: torch.Tensor) -> torch.Tensor:
        return head_features(layout, code_column, x_all[rows], c_all[rows])

    x_val = inputs(val) if n_val else None
    best_loss, best_state, waited = float("inf"), None, 0
    for _ in range(MAX_EPOCHS):
        net.train()
        picks = train[torch.randperm(len(train), generator=generator, device=device)[:EPOCH_ROWS]]
        for rows in picks.split(BATCH):
            loss = F.cross_entropy(net(inputs(rows)), y_all[rows])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        if x_val is None:
            continue
        net.eval()
        with torch.no_grad():
            val_loss = float(F.cross_entropy(net(x_val), y_all[val]))
        if val_loss < best_loss - 1e-5:
            best_loss, best_state, waited = val_loss, {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    counts = torch.bincount(y_all, minlength=options).to(torch.float64).cpu()
    frequencies = counts / counts.sum()
    head = TargetHead(layout, code_column, net.eval(), frequencies, torch.zeros(options, device=device))
    head.bias[(frequencies == 0).to(device)] = -1e4
    return head
