"""Data-parallel training (PyTorch DDP, gloo on CPU): torchrun from the command line, and the
ranks' weights kept identical."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.multiprocessing as mp

from tabgan.distributed import Cluster, join_cluster
from tabgan.errors import ConfigError
from tabgan.synthesizer import TabGAN, _derive_seed
from tabgan.training import build_networks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def single_threaded_env() -> dict[str, str]:
    """Two processes on a 2-core machine: one thread each, or they fight over the cores."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def credit_csv(tmp_path_factory: pytest.TempPathFactory, credit: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("ddp") / "credit.csv"
    credit.head(1200).to_csv(path, index=False)
    return path


def test_torchrun_fit_with_two_gloo_processes_writes_a_model_that_samples(credit_csv: Path, tmp_path: Path) -> None:
    torchrun = Path(sys.executable).parent / "torchrun"
    model_dir = tmp_path / "model"
    command = [
        str(torchrun), "--nproc-per-node", "2", "--master-port", str(free_port()),
        "-m", "tabgan", "fit", str(credit_csv), "-o", str(model_dir), "--distributed",
        "--epochs", "3", "--seed", "5",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=single_threaded_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("model saved to") == 1  # rank 0 alone writes and reports
    assert "2 x cpu (DDP)" in done.stdout
    history = json.loads((model_dir / "history.json").read_text())
    assert len(history["epochs"]) == 3

    model = TabGAN.load(model_dir)
    rows = model.sample(500, seed=1)
    real = pd.read_csv(credit_csv)
    assert list(rows.columns) == list(real.columns)
    assert len(rows) == 500
    assert rows["Status"].isin(real["Status"].unique()).all()
    # the same model sampled twice with a seed gives the same rows, as a single-process one does
    pd.testing.assert_frame_equal(rows, TabGAN.load(model_dir).sample(500, seed=1))


def _fit_rank(rank: int, world: int, port: int, data_path: str, out: str) -> None:
    os.environ.update(
        {"RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank),
         "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    )
    torch.set_num_threads(1)
    data = pd.read_csv(data_path)
    model = TabGAN(epochs=2, batch_size=200, random_state=3, device="cpu", distributed=True, select_best=False)
    model.fit(data)
    # parameters (batch-norm running statistics are rank 0's at each forward, then each rank's own)
    weights = {k: v.detach().clone() for k, v in model.generator_.named_parameters()}
    # rank 0's initial weights, which DDP gave every rank
    initial = build_networks(model.layout_, model.config_, torch.device("cpu"), torch.Generator().manual_seed(_derive_seed(3, 1)))
    torch.save(
        {"weights": weights, "initial": initial[0].state_dict(), "rows": model.local_rows_}, Path(out) / f"rank{rank}.pt"
    )


def test_ranks_train_on_their_own_rows_and_end_with_identical_weights(credit_csv: Path, tmp_path: Path) -> None:
    mp.spawn(_fit_rank, args=(2, free_port(), str(credit_csv), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert ranks[0]["rows"] + ranks[1]["rows"] == 1200
    assert ranks[0]["rows"] == ranks[1]["rows"] == 600
    trained = list(ranks[0]["weights"])
    for key in trained:
        torch.testing.assert_close(ranks[0]["weights"][key], ranks[1]["weights"][key], rtol=0, atol=1e-6)
    # and training moved them away from where they started
    moved = [k for k in trained if not torch.equal(ranks[0]["weights"][k], ranks[0]["initial"][k])]
    assert len(moved) > len(trained) // 2


def test_shards_cover_every_row_once() -> None:
    shards = [Cluster(rank, 3).shard(10) for rank in range(3)]
    assert sorted(np.concatenate(shards).tolist()) == list(range(10))


def test_distributed_outside_torchrun_says_how_to_launch(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="torchrun --nproc-per-node"):
        join_cluster(torch.device("cpu"))


def test_distributed_and_differential_privacy_do_not_combine() -> None:
    frame = pd.DataFrame({"a": ["x", "y"] * 20, "b": np.arange(40.0)})
    with pytest.raises(ConfigError, match="distributed"):
        TabGAN(epochs=1, distributed=True, dp_epsilon=1.0).fit(frame)
