#!/usr/bin/env bash
# Set up, load a generated demo company into SQLite (tradeguard.db), run the daily
# cycle, print the summary and how to sign in, then serve the dashboard on
# http://127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TRADEGUARD_DB="${TRADEGUARD_DB:-sqlite:///tradeguard.db}"
port="${PORT:-8000}"
.venv/bin/tradeguard demo --host 127.0.0.1 --port "$port" "$@"
exec .venv/bin/tradeguard serve --host 127.0.0.1 --port "$port"
