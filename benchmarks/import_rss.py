"""Peak RSS of a process that only imports: the floor under any tabgan command's memory.

Usage: python benchmarks/import_rss.py

The last two also build an Adult-sized generator, through torch's ``Module.to_empty`` (which
imports sympy) and through ``tabgan.nn.empty_module`` (which does not). Each runs as its own
fresh ``python -c`` process and its peak RSS is read from
os.wait4 (no data is touched), best of three. Writes benchmarks/results/import_rss.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "import_rss.json"
IMPORTS = {
    "nothing (the interpreter)": "pass",
    "numpy": "import numpy",
    "pandas": "import pandas",
    "pyarrow": "import pyarrow, pyarrow.parquet",
    "torch": "import torch",
    "torch, pandas and pyarrow": "import torch, pandas, pyarrow, pyarrow.parquet",
    "tabgan's command line (tabgan.cli)": "import tabgan.cli",
    # an Adult-sized generator (noise 128, 100 condition options, 256-256, 155 outputs), made empty
    "tabgan.cli and a generator built by torch's Module.to_empty": (
        "import tabgan.cli, torch; from tabgan.nn import Generator\n"
        "with torch.device('meta'): g = Generator(128, 100, (256, 256), 155)\n"
        "g.to_empty(device='cpu')"
    ),
    "tabgan.cli and a generator built by tabgan.nn.empty_module": (
        "import tabgan.cli, torch; from tabgan.nn import Generator, empty_module\n"
        "empty_module(lambda: Generator(128, 100, (256, 256), 155), torch.device('cpu'))"
    ),
}


def peak_rss_mb(code: str) -> float:
    """The smallest of three peaks of ``python -c code`` (MB)."""
    peaks = []
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"python -c {code!r} failed")
        peaks.append(usage.ru_maxrss / 1024)
    return min(peaks)


def main() -> None:
    result = {"command": "python benchmarks/import_rss.py",
              "peak_rss_mb": {name: round(peak_rss_mb(code), 1) for name, code in IMPORTS.items()}}
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
