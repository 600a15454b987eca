#!/usr/bin/env bash
# Set up, then run the linters, the type checker and the whole test suite
# (SQLite and PostgreSQL; PostgreSQL tests skip with a reason where none answers,
# unless TRADEGUARD_REQUIRE_POSTGRES=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest -n 2 "$@"
