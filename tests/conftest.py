"""Shared fixtures: a fresh migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL tests use their own schema (dropped afterwards), so parallel and repeated
runs never collide. Where no PostgreSQL answers they are skipped with the reason,
unless TRADEGUARD_REQUIRE_POSTGRES=1 (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tradeguard.identity import service as identity_service
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.kit.db import get_engine, migrate, unit_of_work

POSTGRES_URL = os.environ.get(
    "TRADEGUARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TRADEGUARD_REQUIRE_POSTGRES") == "1"
# Real public data sets for validation tests (skipped where absent): the project's
# shared folder beside the checkout, or TRADEGUARD_SHARED_DATA.
SHARED_DATA = Path(
    os.environ.get(
        "TRADEGUARD_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its cheapest inside the test processes: a user made or signed in by a
    fixture costs about a millisecond instead of a third of a second. The commands and
    servers the tests start as processes hash with the real parameters, and every hash
    names its own, so each side verifies the other's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            identity_service, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        yield


_postgres_problem: str | None = None
_postgres_checked = False


def _postgres_unavailable() -> str | None:
    global _postgres_checked, _postgres_problem
    if not _postgres_checked:
        _postgres_checked = True
        try:
            engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
        except Exception as error:
            _postgres_problem = f"PostgreSQL at {POSTGRES_URL} not reachable: {error}"
    return _postgres_problem


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tradeguard.db'}"
        return
    problem = _postgres_unavailable()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"tg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        get_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}").dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Engine:
    engine = get_engine(db_url)
    migrate(engine)
    return engine


@pytest.fixture
def org(engine: Engine) -> Organisation:
    with unit_of_work(engine) as session:
        organisation, _ = create_or_get(session, "Acme Exports", "EUR", "test")
    return organisation


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A unit of work that the test may inspect; committed at the end like a command."""
    with unit_of_work(engine) as s:
        yield s


def write_csv(folder: Path, name: str, text_: str) -> Path:
    path = folder / name
    path.write_text("\n".join(line.strip() for line in text_.strip().splitlines()) + "\n")
    return path


def run_cli(
    db: str, cwd: Path, *args: str, token: str | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``tradeguard --db DB ARGS`` as a real process on a 200-column terminal, acting as
    the operator, or as the user of ``token`` (``TRADEGUARD_TOKEN``)."""
    env = {k: v for k, v in os.environ.items() if k != "TRADEGUARD_TOKEN"}
    env["COLUMNS"] = "200"
    if token:
        env["TRADEGUARD_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
