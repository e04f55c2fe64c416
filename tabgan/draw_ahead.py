"""Sampling's two halves overlapped: the network's draws for the next chunk run in a
background thread while the calling thread decodes the current chunk.

The network's half (condition draws, the generator, Gumbel-max draws) is torch work, which
releases the GIL while it computes; the decoding half (null calibration, columns, target head,
copy filter) is numpy and pandas work. Each draw reads only its own random streams, so the rows
do not depend on the threads' timing.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

# False runs every draw in the calling thread when it is asked for: the same rows, no overlap
# (for profilers that follow one thread, such as benchmarks/sample_profile.py).
IN_BACKGROUND = True


@dataclass
class NetworkDraw:
    """The generator's sampled output for some rows, before any numpy randomness: scalars in
    [-1, 1], each span's option, and per nullable span the null option's score and the best
    other option (for null calibration)."""

    scalars: np.ndarray  # float32 [rows, n_scalars]
    codes: np.ndarray  # int64 [rows, n_spans]
    null_choices: dict[int, tuple[np.ndarray, np.ndarray]]


class DrawAhead:
    """``draw(size)`` for each of ``sizes`` in order, each computed in a background thread
    while the caller works on the one before (``background=False``: in the caller's thread,
    when asked for; default: IN_BACKGROUND).

    ``next()`` returns the next draw and starts the one after it. ``settle()`` waits until
    no draw is running: call it before changing a process-wide setting the draws read (the
    product precision) and before handing control to code that might. ``close()`` (or
    leaving a ``with`` block) waits for a running draw and stops the thread.
    """

    def __init__(self, draw: Callable[[int], NetworkDraw], sizes: list[int], background: bool | None = None) -> None:
        self._draw = draw
        self._sizes = list(sizes)
        self._next_index = 0
        self._background = IN_BACKGROUND if background is None else background
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tabgan-draw")
        self._running: Future[NetworkDraw] | None = None

    def _submit(self) -> None:
        self._running = None
        if self._next_index < len(self._sizes):
            self._running = self._pool.submit(self._draw, self._sizes[self._next_index])
            self._next_index += 1

    def next(self) -> NetworkDraw:
        if self._next_index >= len(self._sizes) and self._running is None:
            raise IndexError("every draw was taken")
        if not self._background:
            self._next_index += 1
            return self._draw(self._sizes[self._next_index - 1])
        if self._running is None:
            self._submit()
        assert self._running is not None
        result = self._running.result()  # a draw's error is raised here, in the caller's thread
        self._submit()
        return result

    def settle(self) -> None:
        if self._running is not None:
            self._running.exception()  # waits; an error stays for next() to raise

    def close(self) -> None:
        self.settle()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> DrawAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
