"""Short reads without a worker thread, for the web server's event loop.

A short read is a unit of work that reads a handful of indexed rows (one buyer with its
open invoices, one invoice). Handing one to a worker thread costs more than the read:
under load about 1.2 ms of CPU per request for the hand-off and the contention for the
interpreter lock, against 0.3 ms for the query (BENCHMARKS.md, API). So:

- SQLite file: the read runs at once, on the event loop's thread. The database is a
  library in this process; a reader in WAL mode never waits for a writer. Its
  connections are opened with ``query_only`` (a write is an error, never a wait for the
  write lock) and a short busy timeout for the rare waits that remain (recovery after a
  crash).
- PostgreSQL: the read runs in SQLAlchemy's asyncio bridge (``AsyncSession.run_sync``):
  the same synchronous service code, but each query awaits the network on the event
  loop (psycopg's async connection) instead of blocking a thread. The connections are
  read-only (``default_transaction_read_only``) and in autocommit: each query is its own
  read-only transaction, two round trips (BEGIN, COMMIT) fewer per read. Its
  connections belong to the event loop, so they are opened when the server starts and
  closed when it stops (``web.app``'s lifespan).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from tradeguard.kit.db import is_sqlite_memory, unit_of_work

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_S = 0.2
SQLITE_POOL_SIZE = 2  # the reads run one at a time, on the event loop's thread
_READ_ONLY = "-c default_transaction_read_only=on"  # PostgreSQL, for every transaction
# Each read holds a connection only for its two queries, and a read waiting for one
# waits on the event loop, holding nothing: with the main engine's 20 + 20 this stays
# well inside PostgreSQL's default of 100 connections.
POSTGRES_POOL_SIZE = 10


class ShortReads(Protocol):
    async def run(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a unit of work that can only read."""
        ...


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _read_only_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")  # as ``get_engine``'s; kept by the file
    dbapi_connection.execute("PRAGMA query_only = ON")


class SqliteShortReads:
    """On the event loop's thread; ``query_only`` stays on these connections for their
    life (switching it per read made SQLite prepare every statement again, which cost
    more than the read)."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=0,
        )
        event.listen(self._engine, "connect", _read_only_sqlite)

    async def run(self, work: Callable[[Session], T]) -> T:
        with unit_of_work(self._engine) as session:
            return work(session)


class PostgresShortReads:
    """Queries await on the event loop; must be created and closed in that loop."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url
        given = url.query.get("options", "")  # e.g. the tests' search_path
        options = " ".join([*([given] if isinstance(given, str) else given), _READ_ONLY]).strip()
        self._engine: AsyncEngine = create_async_engine(
            url.update_query_dict({"options": options}),
            pool_pre_ping=True,
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_POOL_SIZE,
            isolation_level="AUTOCOMMIT",
        )

    async def run(self, work: Callable[[Session], T]) -> T:
        async with AsyncSession(self._engine, expire_on_commit=False) as session:
            return await session.run_sync(work)

    async def close(self) -> None:
        await self._engine.dispose()


@cache
def _sqlite_short_reads(url: str) -> SqliteShortReads:
    return SqliteShortReads(url)


def sqlite_short_reads(engine: Engine) -> ShortReads | None:
    """Short reads for a SQLite file (ready at once, one per file), else None."""
    url = _url(engine)
    if engine.dialect.name != "sqlite" or is_sqlite_memory(url):
        return None
    return _sqlite_short_reads(url)


def loop_bound_short_reads(engine: Engine) -> PostgresShortReads | None:
    """Short reads for PostgreSQL, to create inside the running event loop, else None."""
    return PostgresShortReads(engine) if engine.dialect.name == "postgresql" else None
