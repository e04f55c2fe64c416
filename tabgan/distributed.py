"""Data-parallel training across processes started by ``torchrun`` (PyTorch DDP).

Every process (rank) reads the table, fits the same encoders (same data, same seed) and
keeps its own share of the encoded rows; each draws its own conditional batches, and
DistributedDataParallel averages the networks' gradients, so the weights stay identical on
every rank. Rank 0 scores checkpoints, decides when to stop, and writes the model.
Backend: NCCL when the ranks train on CUDA, gloo on CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from tabgan.errors import ConfigError

LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Cluster:
    """Where this process sits among the training processes (one process: rank 0 of 1)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_primary(self) -> bool:
        """Whether this process scores checkpoints and writes the model."""
        return self.rank == 0

    @property
    def parallel(self) -> bool:
        return self.world_size > 1

    def shard(self, rows: int) -> np.ndarray:
        """This rank's rows of a table of ``rows`` rows: every world_size-th row, so each rank
        gets an even share of a sorted table too."""
        return np.arange(self.rank, rows, self.world_size)

    def device(self, device: torch.device) -> torch.device:
        """One GPU per process on a machine: CUDA ranks use the GPU of their local rank."""
        if device.type == "cuda" and device.index is None:
            return torch.device("cuda", self.local_rank)
        return device

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        """``module`` under DistributedDataParallel (the module itself in one process)."""
        if not self.parallel:
            return module
        device_ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    def agree(self, flag: bool, device: torch.device) -> bool:
        """Rank 0's ``flag`` on every rank (so all ranks stop training at the same epoch)."""
        if not self.parallel:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.broadcast(value, src=0)
        return bool(value.item())

    def shared(self, value: int, device: torch.device) -> int:
        """Rank 0's integer ``value`` (below 2**63) on every rank."""
        if not self.parallel:
            return value
        tensor = torch.tensor([value], dtype=torch.int64, device=device)
        dist.broadcast(tensor, src=0)
        return int(tensor.item())


def join_cluster(device: torch.device) -> Cluster:
    """Join the process group ``torchrun`` set up (its environment variables); idempotent.

    Raises ConfigError, naming the missing variables, when the process was not started by
    torchrun (or a launcher that sets the same variables).
    """
    missing = [name for name in LAUNCH_VARIABLES if name not in os.environ]
    if missing:
        raise ConfigError(
            f"distributed training needs the variables torchrun sets ({', '.join(missing)} missing): start it "
            "with `torchrun --nproc-per-node N -m tabgan fit DATA -o MODEL_DIR --distributed`"
        )
    cluster = Cluster(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ["LOCAL_RANK"]))
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(cluster.local_rank)
        dist.init_process_group(backend=backend)
    if dist.get_world_size() != cluster.world_size or dist.get_rank() != cluster.rank:
        raise ConfigError("the process group does not match RANK / WORLD_SIZE of the environment")
    return cluster


def leave_cluster() -> None:
    """Tear the process group down (after the last collective call)."""
    if dist.is_initialized():
        dist.destroy_process_group()
