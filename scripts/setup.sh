#!/usr/bin/env bash
# Create the virtual environment in .venv and install TradeGuard with its dev tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
# The editable install reads the catalogues from src/: compile them there (setup.py does
# it for built packages).
.venv/bin/pybabel compile -d src/tradeguard/locale -D messages
