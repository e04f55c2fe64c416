"""Model directories: data, not code.

A saved model is a directory of:

- ``model.json``: format marker, version, settings, seed, network layout;
- ``schema.yaml``: the table schema;
- ``encoder.json``: every column codec's learned state;
- ``history.json``: the per-epoch training record;
- ``generator.safetensors``: the generator's weights;
- ``target_head.safetensors`` (when the model has a target head, :mod:`tabgan.target_head`):
  the head's weights and prior correction;
- ``fingerprints.npy`` (when the copy filter is on): keyed 64-bit hashes of the training rows,
  read with ``allow_pickle=False`` (:mod:`tabgan.privacy.copies`).

Loading reads JSON/YAML with safe parsers and weights with safetensors, which holds only
tensors: nothing is ever unpickled, so a crafted file cannot run code; a file that is not a
valid safetensors file is refused with a clear error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from tabgan import __version__
from tabgan.config import TabGANConfig, resolve_device
from tabgan.constraints import ConstraintSet
from tabgan.errors import ModelFileError, TabganError
from tabgan.io import atomic_directory, check_replaceable
from tabgan.nn import Generator, empty_module
from tabgan.privacy.copies import FINGERPRINT_FILE, CopyFilter
from tabgan.schema import TableSchema
from tabgan.target_head import TargetHead
from tabgan.training import History
from tabgan.transforms.encoder import NetworkLayout, TableEncoder

if TYPE_CHECKING:
    from tabgan.synthesizer import TabGAN

FORMAT = "tabgan-model"
FORMAT_VERSION = 1
FILES = ("model.json", "schema.yaml", "encoder.json", "history.json", "generator.safetensors")
HEAD_FILE = "target_head.safetensors"


def _write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False), encoding="utf-8")


def check_model_destination(path: str | Path) -> None:
    """Refuse a ``path`` a model may not replace: anything but nothing, an empty directory or
    an earlier tabgan model (so a mistyped ``-o`` cannot wipe a directory of other files)."""
    check_replaceable(
        path, lambda d: [] if _is_model(d) else sorted(p.name for p in d.iterdir()), "a tabgan model", ModelFileError
    )


def _is_model(path: Path) -> bool:
    """Whether ``path`` holds a tabgan model's marker file (model.json with its format)."""
    try:
        return json.loads((path / "model.json").read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def save_model(model: TabGAN, path: Path) -> Path:
    """Write ``model`` to the directory ``path``; an existing model there is replaced whole,
    anything else is refused (:func:`check_model_destination`)."""
    check_model_destination(path)
    with atomic_directory(path) as tmp:
        _write_json(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "tabgan_version": __version__,
                "config": model.config_.to_dict(),
                "seed": model.seed_,
                "n_training_rows": model.n_training_rows_,
                "layout": model.layout_.to_dict(),
                "constraints": model.constraints_.state(),
                "condition_counts": model.condition_counts_,
                "null_rates": [[j, rate] for j, rate in sorted(model.null_rates_.items())],
                "copy_filter": None if model.copy_filter_ is None else {"salt": model.copy_filter_.salt},
                "target_head": None if model.target_head_ is None else model.target_head_.meta(),
                "privacy": model.privacy_,
            },
            tmp / "model.json",
        )
        model.schema_.to_yaml(tmp / "schema.yaml")
        _write_json(model.encoder_.state(), tmp / "encoder.json")
        _write_json(model.history_.to_dict(), tmp / "history.json")
        weights = {k: v.detach().cpu().contiguous() for k, v in model.generator_.state_dict().items()}
        save_file(weights, str(tmp / "generator.safetensors"), metadata={"format": FORMAT})
        if model.target_head_ is not None:
            save_file(model.target_head_.weights(), str(tmp / HEAD_FILE), metadata={"format": FORMAT})
        if model.copy_filter_ is not None:
            model.copy_filter_.save(tmp)
    return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path.name} in the model directory is not valid JSON ({exc})") from None


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file; anything else (a pickle, say) is refused."""
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            f"{path.name} is not a valid safetensors weights file; refusing to load it "
            f"(tabgan never unpickles model files): {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None


def read_privacy_record(path: Path) -> dict[str, Any]:
    """The privacy record of a saved model (model.json's ``privacy``), without loading it."""
    meta = _read_json(path / "model.json") if (path / "model.json").is_file() else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not a tabgan model directory")
    record = meta.get("privacy")
    if not isinstance(record, dict):
        raise ModelFileError(f"{str(path)!r} was saved by a tabgan without privacy records; fit it again")
    return record


def load_model(path: Path, device: str = "auto") -> TabGAN:
    """Read a model directory written by :func:`save_model`."""
    from tabgan.synthesizer import TabGAN

    if not path.is_dir():
        raise ModelFileError(f"{str(path)!r} is not a model directory")
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise ModelFileError(f"{str(path)!r} is not a complete tabgan model: {missing[0]} is missing")
    meta = _read_json(path / "model.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not a tabgan model (model.json has no tabgan format marker)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"model format version {meta.get('format_version')!r} is not supported")
    try:
        config = TabGANConfig.from_dict(dict(meta["config"]))
        config.device = device
        schema = TableSchema.from_yaml(path / "schema.yaml")
        constraints = ConstraintSet.from_schema(schema)
        constraints.load_state(list(meta.get("constraints", [])))
        encoder = TableEncoder.from_state(constraints.model_schema(), _read_json(path / "encoder.json"))
        layout = NetworkLayout.from_dict(meta["layout"])
        saved_history = _read_json(path / "history.json")
        history = History(
            epochs=list(saved_history["epochs"]),
            timings=dict(saved_history.get("timings", {})),
            selected=dict(saved_history.get("selected", {})),
        )
        seed, n_rows = int(meta["seed"]), int(meta["n_training_rows"])
        condition_counts = [int(v) for v in meta["condition_counts"]]
        if len(condition_counts) != sum(layout.cond_widths):
            raise ModelFileError("model.json's condition counts do not match its layout")
        null_rates = {int(j): float(rate) for j, rate in meta["null_rates"]}
        copy_filter = None
        if meta.get("copy_filter") is not None:
            if not (path / FINGERPRINT_FILE).is_file():
                raise ModelFileError(f"{str(path)!r} is not a complete tabgan model: {FINGERPRINT_FILE} is missing")
            copy_filter = CopyFilter.load(path, schema, str(meta["copy_filter"]["salt"]))
        privacy = dict(meta.get("privacy") or {})
    except ModelFileError:
        raise
    except TabganError as exc:
        raise ModelFileError(f"the model's files are inconsistent: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"model.json is malformed ({type(exc).__name__}: {exc})") from None
    if layout != encoder.layout:
        raise ModelFileError("the model's layout does not match its encoder state")
    weights = load_weights(path / "generator.safetensors")
    target = resolve_device(device)
    generator = empty_module(
        lambda: Generator(config.noise_dim, sum(layout.cond_widths), tuple(config.generator_dims), layout.data_dim), target
    )
    try:
        generator.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(f"generator weights do not fit the model's settings: {str(exc).splitlines()[0]}") from None
    head = _load_target_head(path, meta.get("target_head"), layout, target)
    return TabGAN._from_parts(
        config, seed, schema, constraints, encoder, layout, history, generator, condition_counts, null_rates, n_rows,
        target, copy_filter, privacy, head,
    )


def _load_target_head(
    path: Path, meta: Any, layout: NetworkLayout, device: torch.device
) -> TargetHead | None:
    """The saved target head, or None when the model has none (or predates heads)."""
    if meta is None:
        return None
    if not (path / HEAD_FILE).is_file():
        raise ModelFileError(f"{str(path)!r} is not a complete tabgan model: {HEAD_FILE} is missing")
    weights = load_weights(path / HEAD_FILE)
    try:
        return TargetHead.from_parts(layout, dict(meta), weights, device)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"the target head does not fit the model: {str(exc).splitlines()[0]}") from None
