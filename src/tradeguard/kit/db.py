"""Engine, unit of work and schema migrations.

The database URL comes from ``--db``, else ``TRADEGUARD_DB``, else a SQLite file
``tradeguard.db`` in the working directory (``kit.settings``). A command or request is
one unit of work: ``unit_of_work`` commits at the end or rolls everything back. A unit of work whose
writes depend on what it read (an import, the daily cycle) first calls ``serialise``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tradeguard.domain.errors import UnavailableError
from tradeguard.kit.settings import settings

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def resolve_url(explicit: str | None = None) -> str:
    return explicit or settings().db


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# How long a SQLite connection waits for another's write lock before it gives up, and
# how long ``serialise`` waits for another unit of work holding the same step.
SQLITE_BUSY_TIMEOUT_S = 30
SERIALISE_WAIT_S = SQLITE_BUSY_TIMEOUT_S
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


def is_sqlite_memory(url: str) -> bool:
    parsed = make_url(url)
    database = parsed.database or ""
    return database in ("", ":memory:") or parsed.query.get("mode") == "memory"


@cache
def get_engine(url: str) -> Engine:
    """One engine per URL for the life of the process, its pool sized by the settings."""
    configured = settings()
    pool = {"pool_size": configured.pool_size, "max_overflow": configured.max_overflow}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A file database gets a queue pool sized like PostgreSQL's; an in-memory one
        # keeps SQLAlchemy's own pool (one connection per thread or a static one).
        sizing = {} if is_sqlite_memory(url) else pool
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **sizing)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **pool)
    return engine


_SESSION_FACTORIES: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    """One ``sessionmaker`` per engine (building one costs more than the session itself)."""
    factory = _SESSION_FACTORIES.get(engine)
    if factory is None:
        factory = _SESSION_FACTORIES.setdefault(
            engine, sessionmaker(engine, expire_on_commit=False)
        )
    return factory


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """All or nothing: commit when the block ends normally, roll back on any error."""
    with _session_factory(engine)() as session, session.begin():
        yield session


def serialise(session: Session, key: str, busy: str) -> None:
    """Make the rest of this unit of work the only one under ``key`` until it ends.

    Called before the reads that a unit of work's writes depend on, so that no other
    unit of work under the same key can commit in between (a lost update, a duplicate
    insert). PostgreSQL: a transaction-scoped advisory lock on the key. SQLite has one
    writer at a time: its write lock is taken now (``BEGIN IMMEDIATE``, or a write that
    changes nothing where a transaction or savepoint is already open). Either waits at
    most ``SERIALISE_WAIT_S`` seconds, then raises ``TradeGuardError(busy)``; nothing
    was written.
    """
    connection = session.connection()
    try:
        if connection.dialect.name == "postgresql":
            previous = connection.scalar(text("SELECT current_setting('lock_timeout')"))
            wait = text("SELECT set_config('lock_timeout', :wait, true)")
            connection.execute(wait, {"wait": f"{SERIALISE_WAIT_S}s"})
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            connection.execute(wait, {"wait": previous})
        else:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(SERIALISE_WAIT_S * 1000)}")
            try:
                if connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
                    connection.exec_driver_sql("UPDATE organisations SET id = id WHERE 0")
                else:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    except OperationalError as error:
        timed_out = getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE
        if timed_out or "database is locked" in str(error.orig):
            raise UnavailableError(busy) from error
        raise


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creating it on an empty database)."""
    command.upgrade(alembic_config(engine), "head")


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
