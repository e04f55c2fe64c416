#!/usr/bin/env bash
# Create .venv (if missing) and install tabgan with its test dependencies.
# torch==2.13.0 first: on this project's machines it is a CPU build on local disk; with CUDA
# machines, install the torch build you want first and this script keeps it (torch>=2.2).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
python -c "import torch" 2>/dev/null || python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[test]"
