"""What drawing text ids costs in memory and time: all at once, or chunk by chunk as sampling does.

Usage: python benchmarks/text_ids.py [--rows 10000000] [--chunk 100000]

Fits an id codec on 50,000 ids like ``C0000001`` and, each way in its own process, draws
``--rows`` fresh ids: ``once`` (one ``generate`` call), ``chunks`` (``--chunk`` rows a call,
as ``Synthesizer.iter_sample`` draws them) and ``chunks_pandas_str`` (the same chunks built
with pandas' ``.str.zfill``, the way ids.py built them before 2026-12-01). Records the peak
RSS above the process's state after fitting (VmHWM) and the seconds. Results go to
benchmarks/results/text_ids.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from generator_calls import memory_mb  # beside this file

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "text_ids.json"
WAYS = ("once", "chunks", "chunks_pandas_str")


def draw(way: str, rows: int, chunk: int) -> dict[str, float]:
    """Draw ``rows`` text ids ``way`` in this process; peak MB above the fitted state, seconds."""
    sys.path.insert(0, str(REPO))
    import numpy as np
    import pandas as pd

    from tabgan.schema import Column
    from tabgan.transforms import IdCodec

    real = pd.Series([f"C{i:07d}" for i in range(50_000)])
    codec = IdCodec(Column(name="customer_id", kind="id")).fit(real, np.random.default_rng(0))
    rng = np.random.default_rng(0)
    base = memory_mb()["peak"]
    started = time.perf_counter()
    if way == "once":
        codec.generate(rows, rng)
    else:
        for start in range(0, rows, chunk):
            count = min(chunk, rows - start)
            if way == "chunks":
                codec.generate(count, rng, start, rows)
            else:
                space = 10**codec.digits_
                low, high = start * space // rows, (start + count) * space // rows
                numbers = rng.choice(high - low, size=count, replace=False) + low
                codec.prefix_ + pd.Series(numbers.astype(str), dtype=object).str.zfill(codec.digits_)
    return {"peak_rss_above_fitted_mb": memory_mb()["peak"] - base, "seconds": round(time.perf_counter() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.way:
        print(json.dumps(draw(args.way, args.rows, args.chunk)))
        return
    result = {
        "command": " ".join(["python benchmarks/text_ids.py", *sys.argv[1:]]),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": args.rows, "chunk": args.chunk, "ways": {},
    }
    for way in WAYS:
        command = [sys.executable, __file__, "--way", way, "--rows", str(args.rows), "--chunk", str(args.chunk)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result["ways"][way] = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(result, indent=1))
    RESULTS.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
