"""One copy of the SQLite library per process (see tests/test_processes.py for why).

Two copies in one process (Python's ``sqlite3`` and, say, an ADBC driver's own) break
SQLite's POSIX locking: closing a connection of one drops the locks of the other, and
another process then deletes the write-ahead log under this one.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.repository import load_snapshot
from tradeguard.receivables.service import ageing_report

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _sqlite_libraries() -> set[str]:
    maps = Path("/proc/self/maps").read_text().splitlines()
    return {line.split()[-1] for line in maps if "sqlite" in line.lower() and "/" in line}


@sqlite_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_whole_ledger_reads_use_the_one_sqlite_library(engine: Engine, org: Organisation) -> None:
    with unit_of_work(engine) as session:
        load_snapshot(session.connection(), org.id, org.base_currency)
        ageing_report(session, org, dt.date(2026, 1, 1))
    libraries = _sqlite_libraries()
    python_module = {p for p in libraries if "_sqlite3" in Path(p).name}
    others = libraries - python_module
    assert python_module, libraries
    # besides Python's extension module, at most the one shared library it links to
    assert len(others) <= 1, libraries
    assert all("libsqlite3" in Path(p).name for p in others), libraries
