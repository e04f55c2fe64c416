"""DrawAhead: draws computed one ahead in a background thread, in order, errors raised in the
caller; and sampling through it gives rows that do not depend on the threads' timing."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from tabgan import TabGAN
from tabgan import draw_ahead
from tabgan.draw_ahead import DrawAhead, NetworkDraw


def _draw_of(rows: int) -> NetworkDraw:
    return NetworkDraw(np.full((rows, 1), rows, np.float32), np.zeros((rows, 0), np.int64), {})


def test_draws_come_in_order_one_ahead_in_another_thread() -> None:
    threads, started = [], []

    def draw(rows: int) -> NetworkDraw:
        threads.append(threading.current_thread().name)
        started.append(rows)
        return _draw_of(rows)

    with DrawAhead(draw, [3, 5, 2]) as ahead:
        assert started == []  # nothing runs before the first next()
        assert ahead.next().scalars.shape == (3, 1)
        ahead.settle()
        assert started == [3, 5]  # the second was started by the first next()
        assert [ahead.next().scalars.shape[0] for _ in range(2)] == [5, 2]
        with pytest.raises(IndexError, match="every draw was taken"):
            ahead.next()
    assert all(name.startswith("tabgan-draw") for name in threads)


def test_an_error_in_a_draw_is_raised_by_next_and_close_waits_for_a_running_draw() -> None:
    finished = []

    def draw(rows: int) -> NetworkDraw:
        if rows == 2:
            raise ValueError("draw of 2 rows failed")
        time.sleep(0.05)
        finished.append(rows)
        return _draw_of(rows)

    ahead = DrawAhead(draw, [1, 2])
    ahead.next()
    with pytest.raises(ValueError, match="draw of 2 rows failed"):
        ahead.next()
    ahead.close()
    finished.clear()

    slow = DrawAhead(draw, [4, 5])
    slow.next()  # starts the draw of 5
    slow.close()
    assert finished == [4, 5]  # close waited for it


def test_draws_in_the_calling_thread_come_in_the_same_order() -> None:
    threads = []

    def draw(rows: int) -> NetworkDraw:
        threads.append(threading.current_thread().name)
        return _draw_of(rows)

    with DrawAhead(draw, [3, 5], background=False) as ahead:
        assert [ahead.next().scalars.shape[0] for _ in range(2)] == [3, 5]
        with pytest.raises(IndexError):
            ahead.next()
    assert threads == [threading.current_thread().name] * 2


def test_sampling_gives_the_same_rows_with_or_without_the_thread(
    credit: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = TabGAN(epochs=1, batch_size=200, random_state=0, device="cpu", generator_dims=(32,), critic_dims=(32,))
    model.fit(credit.sample(500, random_state=4))
    in_chunks = pd.concat(list(model.iter_sample(900, seed=2, chunk_rows=300)))
    again = pd.concat(list(model.iter_sample(900, seed=2, chunk_rows=300)))
    pd.testing.assert_frame_equal(in_chunks, again)
    monkeypatch.setattr(draw_ahead, "IN_BACKGROUND", False)
    inline = pd.concat(list(model.iter_sample(900, seed=2, chunk_rows=300)))
    pd.testing.assert_frame_equal(in_chunks, inline)
    assert len(in_chunks) == 900 and list(in_chunks.columns) == list(credit.columns)
    assert not model._copies(in_chunks).any()  # no training row copied


def test_rows_made_up_for_dropped_copies_are_the_same_with_or_without_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # 60 rows over 100 possible (a, b) pairs: many generated rows copy one and are made up
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.choice(list("abcdefghij"), 60), "b": rng.choice(list("klmnopqrst"), 60)})
    model = TabGAN(epochs=1, batch_size=30, random_state=0, device="cpu", generator_dims=(16,), critic_dims=(16,))
    model.fit(table)
    first = model.iter_sample(400, seed=1, chunk_rows=100)
    assert model.copy_filter_ is not None
    threaded = pd.concat(list(first))
    monkeypatch.setattr(draw_ahead, "IN_BACKGROUND", False)
    inline = pd.concat(list(model.iter_sample(400, seed=1, chunk_rows=100)))
    pd.testing.assert_frame_equal(threaded, inline)
    assert len(threaded) == 400 and not model._copies(threaded).any()
    pairs = set(zip(table["a"], table["b"]))
    assert not any(pair in pairs for pair in zip(threaded["a"], threaded["b"]))
