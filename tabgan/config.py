"""Model and training settings, validated, each with its range and meaning."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch

from tabgan.conditioning import FREQUENCIES
from tabgan.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "bf16")
CALIBRATION_LEVELS = 1000  # quantile levels of the numbers' marginal calibration
CALIBRATION_ROWS = 50_000  # generated rows whose quantiles are recorded after training


def _setting(default: Any, low: float | None, high: float | None, help: str) -> Any:
    return field(default=default, metadata={"low": low, "high": high, "help": help})


@dataclass
class TabGANConfig:
    """Every setting of a TabGAN model. ``validate()`` checks ranges and names the bad one."""

    epochs: int | None = _setting(
        None, 1, 100_000, "passes over the training table; None: as many as make auto_steps training steps"
    )
    auto_steps: int = _setting(
        5000, 1, 10_000_000, "training steps when epochs is None (10 to 2,000 epochs; 5,000 fit Adult in under 4 "
        "minutes on 2 cores)"
    )
    batch_size: int = _setting(
        1000, 10, 1_000_000, "rows per training step; a multiple of pac (1,000: best quality per second on Adult, "
        "docs/BENCHMARKS.md)"
    )
    noise_dim: int = _setting(128, 1, 4096, "size of the generator's noise input")
    generator_dims: tuple[int, ...] = _setting((256, 256), 1, 16384, "widths of the generator's residual blocks")
    critic_dims: tuple[int, ...] = _setting((256, 256), 1, 16384, "widths of the critic's hidden layers")
    pac: int = _setting(
        2, 1, 64, "rows the critic judges together (PacGAN); 2 scored best on Adult against 1 and 10 (docs/FIDELITY.md)"
    )
    generator_lr: float = _setting(2e-4, 1e-7, 1.0, "Adam learning rate of the generator")
    critic_lr: float = _setting(2e-4, 1e-7, 1.0, "Adam learning rate of the critic")
    weight_decay: float = _setting(1e-6, 0.0, 1.0, "Adam weight decay of both networks")
    critic_steps: int = _setting(1, 1, 20, "critic updates per generator update")
    classifier_weight: float = _setting(
        0.0, 0.0, 100.0, "weight of the auxiliary target-classifier loss of the generator (when the schema names a "
        "categorical target; not under differential privacy); 0: off (on Adult it cost quality: docs/FIDELITY.md)"
    )
    target_head: bool = _setting(
        True, None, None, "when the schema names a categorical or boolean target, draw each generated row's target "
        "from a classifier of the other columns trained on the real rows (its priors matched to the real target's "
        "frequencies); not under differential privacy (docs/FIDELITY.md)"
    )
    ema_decay: float = _setting(
        0.0, 0.0, 0.99999, "keep an exponential moving average of the generator's weights (this decay per step, "
        "warmed up) and sample from it; 0: sample from the last weights"
    )
    gp_weight: float = _setting(10.0, 0.0, 1000.0, "weight of the WGAN-GP gradient penalty")
    gp_every: int = _setting(1, 1, 64, "critic updates per gradient penalty (lazy regularisation, weighted to match)")
    critic_dropout: float = _setting(0.5, 0.0, 0.95, "dropout in the critic's hidden layers")
    gumbel_tau: float = _setting(0.2, 0.01, 10.0, "temperature of the Gumbel-softmax on one-hot outputs")
    max_modes: int = _setting(10, 1, 100, "mixture components per numeric column")
    mixture_fit_rows: int = _setting(10_000, 100, 10_000_000, "rows subsampled to fit each mixture")
    spike_share: float = _setting(
        0.1, 0.0, 1.0, "a number held by this share of a column's values (a zero-inflated amount's zeros) gets a "
        "mode of its own and is generated exactly; 0: off"
    )
    snap_to_common: bool = _setting(
        True, None, None, "move each generated number to the nearest value seen at least rare_category_threshold "
        "times (once when 0), when such values hold 90% of a continuous or integer column (ages, round amounts, "
        "values from a fixed list); not under differential privacy"
    )
    heap_modes: int = _setting(
        0, 0, 1000, "a numeric column whose common values (see snap_to_common) are at most this many and sparse "
        "(capital gains from a fixed list, not ages) gets a mode for each, learned like a categorical's labels; 0: off"
    )
    calibrate_numbers: bool = _setting(
        True, None, None, "after training, map each numeric column's generated values onto the real quantiles "
        "(a monotone map that keeps the generator's ordering of rows); not under differential privacy"
    )
    condition_frequency: str = _setting(
        "log", None, None, "how training conditions pick an option of a discrete column: log (log(1 + count), "
        "rare options seen more often, as in CTGAN), real (their real frequency) or uniform"
    )
    max_categories: int = _setting(100, 2, 100_000, "one-hot options per column before rare labels fold into 'other'")
    condition_on_modes: bool = _setting(
        True, None, None, "also condition on numeric columns' mixture modes and nulls (training-by-sampling)"
    )
    time_budget: float | None = _setting(
        None, 1, 10_000_000, "seconds the whole fit may take; training stops before an epoch would overrun it"
    )
    select_best: bool = _setting(
        True, None, None, "keep the generator of the epoch with the best validation fidelity (a cheap probe)"
    )
    no_copies: bool | None = _setting(
        None, None, None, "never emit a row equal to a training row on every non-id column; None: on unless "
        "dp_epsilon is set (the filter reads the training rows, which the DP guarantee does not cover)"
    )
    rare_category_threshold: int = _setting(
        5, 0, 1_000_000, "categorical labels seen fewer times (plus a random margin) are never emitted; 0: off"
    )
    rare_category_margin: int = _setting(
        3, 0, 1_000_000, "each column's threshold is rare_category_threshold + a random 0..margin, unknown to readers"
    )
    clip_quantile: float = _setting(
        0.0, 0.0, 0.2, "numbers are generated within the q and 1-q training quantiles, hiding extremes; 0: off"
    )
    dp_epsilon: float | None = _setting(
        None, 0.01, 1000.0, "train with DP-SGD to this (epsilon, delta) budget; None: no differential privacy"
    )
    dp_delta: float | None = _setting(
        None, 1e-12, 0.1, "delta of the DP budget; None: min(1e-5, 1 / (10 x training rows))"
    )
    dp_max_grad_norm: float = _setting(1.0, 1e-4, 1e4, "per-row gradient norm bound of DP-SGD")
    device: str = _setting("auto", None, None, "auto (CUDA when present), cpu or cuda")
    precision: str = _setting("fp32", None, None, "fp32, or bf16 (autocast of both networks; CUDA only)")
    compile: bool = _setting(False, None, None, "torch.compile the generator for training (needs a C++ compiler on CPU)")
    distributed: bool = _setting(
        False, None, None, "train data-parallel across the processes torchrun started (PyTorch DDP; gloo on CPU, "
        "NCCL on CUDA); each rank keeps 1/world_size of the rows"
    )

    def validate(self) -> TabGANConfig:
        for name in ("generator_dims", "critic_dims"):  # lists (from JSON, YAML or Python) become tuples
            if isinstance(getattr(self, name), list):
                setattr(self, name, tuple(getattr(self, name)))
        for f in fields(self):
            value = getattr(self, f.name)
            low, high = f.metadata.get("low"), f.metadata.get("high")
            if value is None and f.name in ("epochs", "time_budget", "no_copies", "dp_epsilon", "dp_delta"):
                continue
            items = value if isinstance(value, tuple) else (value,)
            if f.name.endswith("_dims") and not items:
                raise ConfigError(f"{f.name} needs at least one layer")
            for item in items:
                if low is not None and not isinstance(item, (int, float)):
                    raise ConfigError(f"{f.name}={item!r} is not a number")
                if low is not None and not (low <= item <= high):
                    raise ConfigError(f"{f.name}={item!r} is outside {low}..{high} ({f.metadata['help']})")
        if self.condition_frequency not in FREQUENCIES:
            raise ConfigError(
                f"condition_frequency={self.condition_frequency!r} is not one of {', '.join(FREQUENCIES)}"
            )
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision={self.precision!r} is not one of {', '.join(PRECISIONS)}")
        if self.no_copies is not None and not isinstance(self.no_copies, bool):
            raise ConfigError(f"no_copies={self.no_copies!r} is not true, false or None")
        for name in (
            "condition_on_modes", "snap_to_common", "calibrate_numbers", "select_best", "compile", "distributed", "target_head",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name}={getattr(self, name)!r} is not true or false")
        if self.device not in DEVICES:
            raise ConfigError(f"device={self.device!r} is not one of {', '.join(DEVICES)}")
        if self.distributed and self.dp_epsilon is not None:
            raise ConfigError("dp_epsilon and distributed cannot be combined: DP-SGD trains in one process")
        if self.batch_size % self.pac:
            raise ConfigError(f"batch_size={self.batch_size} is not a multiple of pac={self.pac}")
        return self

    @property
    def support_min_count(self) -> int:
        """How often a value must be seen to be generated exactly (``snap_to_common``); 0: off."""
        if not self.snap_to_common or self.dp_epsilon is not None:
            return 0
        return max(1, self.rare_category_threshold)

    @property
    def quantile_levels(self) -> int:
        """Quantile levels of the numbers' marginal calibration (``calibrate_numbers``); 0: off."""
        return 0 if not self.calibrate_numbers or self.dp_epsilon is not None else CALIBRATION_LEVELS

    @property
    def filters_copies(self) -> bool:
        """Whether sampling drops copies of training rows (``no_copies``, resolved)."""
        return self.dp_epsilon is None if self.no_copies is None else self.no_copies

    def resolved_dp_delta(self, rows: int) -> float:
        """``dp_delta``, or min(1e-5, 1 / (10 * rows)) when not given."""
        return self.dp_delta if self.dp_delta is not None else min(1e-5, 1.0 / (10 * rows))

    def resolved_epochs(self, rows: int, private: bool = False) -> int:
        """``epochs``, or when it is None enough epochs for ``auto_steps`` steps on ``rows`` rows
        (with a time budget and no ``epochs``: as many as the budget allows, except under
        differential privacy (``private``), whose noise is planned for a known number of steps)."""
        if self.epochs is not None:
            return self.epochs
        if self.time_budget is not None and not private:
            return 100_000
        steps_per_epoch = max(1, rows // self.effective_batch_size(rows))
        return int(min(2000, max(10, -(-self.auto_steps // steps_per_epoch))))

    def effective_batch_size(self, rows: int) -> int:
        """``batch_size``, shrunk (to a multiple of pac) for tables smaller than one batch."""
        if rows >= self.batch_size:
            return self.batch_size
        return max(self.pac, rows // self.pac * self.pac)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TabGANConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}")
        values = {k: tuple(v) if k.endswith("_dims") else v for k, v in data.items()}
        return cls(**values).validate()


# settings the command line sets through options of their own, not through --set
OWN_OPTIONS = {
    "epochs": "--epochs", "batch_size": "--batch-size", "time_budget": "--time-budget", "device": "--device",
    "dp_epsilon": "--dp-epsilon", "dp_delta": "--dp-delta", "no_copies": "--allow-copies",
    "rare_category_threshold": "--rare-threshold", "clip_quantile": "--clip-quantile", "distributed": "--distributed",
}


def parse_setting(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` from the command line: a TabGANConfig setting and its value read as YAML
    (``pac=10``, ``generator_dims=[512,512]``, ``calibrate_numbers=false``). The value's range
    is checked when the model is configured."""
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise ConfigError(f"--set {text!r}: expected NAME=VALUE, e.g. --set pac=10")
    known = {f.name for f in fields(TabGANConfig)}
    if name not in known:
        raise ConfigError(f"--set {text!r}: unknown setting {name!r} (settings: {', '.join(sorted(known))})")
    if name in OWN_OPTIONS:
        raise ConfigError(f"--set {text!r}: use the option {OWN_OPTIONS[name]} for {name}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"--set {text!r}: cannot read the value {raw!r}") from None
    if name.endswith("_dims") and isinstance(value, int):
        value = (value,)
    return name, value


def parse_settings(texts: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Every ``--set NAME=VALUE`` of a command, parsed (a later one of a name wins)."""
    return dict(parse_setting(text) for text in texts)


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for but CUDA is not available on this machine")
    if name not in DEVICES:
        raise ConfigError(f"device={name!r} is not one of {', '.join(DEVICES)}")
    return torch.device(name)
