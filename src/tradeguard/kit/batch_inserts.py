"""Rows of one table written by one thread, many to a transaction, for the event loop.

A request that must record a row (an order screening) but otherwise only reads would
pay a worker-thread hand-off and a commit of its own for it: under load that costs
several times the request's queries (BENCHMARKS.md, "Order screening"). Instead the
request hands the row to this table's writer thread and awaits it: the thread takes
every row waiting, inserts them in one statement and one transaction, and wakes each
waiting request with its row's id once the transaction has committed — so an answer is
never given for a row that was not written. A batch that fails is retried row by row,
so one bad row fails only its own request.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, insert
from starlette.requests import Request

from tradeguard.kit.db import unit_of_work

MAX_BATCH_ROWS = 500


@dataclass(frozen=True, slots=True)
class _Pending:
    row: Mapping[str, Any]
    future: asyncio.Future[int]
    loop: asyncio.AbstractEventLoop


def _settle(future: asyncio.Future[int], result: int | BaseException) -> None:
    if future.done():  # the request went away meanwhile
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class BatchInserts:
    """The writer of one table with an integer ``id`` primary key; its thread starts on
    the first row and stops on ``close`` (after writing what is queued)."""

    def __init__(self, engine: Engine, table: Table) -> None:
        self._engine = engine
        self._statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()

    async def insert(self, row: Mapping[str, Any]) -> int:
        """Write ``row``; its id once its transaction has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._start()
        self._queue.put(_Pending(row, future, loop))
        return await future

    def close(self) -> None:
        """Write what is queued, then stop the thread; no row is taken after this."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the server is stopping: no more rows are written")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"batch-inserts-{self._statement.table}", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH_ROWS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with unit_of_work(self._engine) as session:
                ids = list(session.scalars(self._statement, [p.row for p in batch]))
        except Exception as error:
            if len(batch) == 1:
                batch[0].loop.call_soon_threadsafe(_settle, batch[0].future, error)
                return
            for pending in batch:  # find the bad row: each one on its own
                self._write([pending])
            return
        for pending, new_id in zip(batch, ids, strict=True):
            pending.loop.call_soon_threadsafe(_settle, pending.future, new_id)


async def insert_soon(request: Request, table: Table, row: Mapping[str, Any]) -> int:
    """Write ``row`` into ``table`` through the application's writer of that table (one
    per table, made on first use, closed when the application stops); its new id."""
    writers: dict[str, BatchInserts] = request.app.state.batch_inserts
    writer = writers.get(table.name)
    if writer is None:
        writer = writers.setdefault(table.name, BatchInserts(request.app.state.engine, table))
    return await writer.insert(row)


def close_all(writers: dict[str, BatchInserts]) -> None:
    """Stop every writer once what it holds is written (the application's shutdown)."""
    for writer in writers.values():
        writer.close()
