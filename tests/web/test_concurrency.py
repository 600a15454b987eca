"""A real server (uvicorn, one process) under concurrent load, on SQLite and PostgreSQL.

Regressions guarded here: the server hung once 16 or more authenticated requests were
in flight (an ``async`` authentication dependency did blocking database work on the
event loop while the worker threads held every pooled connection), and a client that
read right after a write could miss it (the unit of work committed after the response
had been sent). Every endpoint now authenticates, works and commits in one worker-thread
trip (``deps.Access``); these tests keep both failures out. Both show only over a real socket, not through ``TestClient``, which
waits for the whole request, cleanup included, before it returns.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
import uvicorn
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.web.conftest import PASSWORD, World, bearer
from tradeguard.audit import service as audit
from tradeguard.audit.models import AuditEntry
from tradeguard.identity.dependencies import Admin, Caller, Reader
from tradeguard.kit.db import unit_of_work
from tradeguard.web.app import create_app

CONCURRENT = 32
DEADLINE_S = 60.0  # the hang left requests waiting for the pool's 30 s timeout, then failed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """``create_app`` served by uvicorn on a free loopback port, in a background thread."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(world.engine), host="127.0.0.1", port=port, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=30)


async def _burst(base: str, headers: dict[str, str], paths: list[str]) -> list[int]:
    limits = httpx2.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx2.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=DEADLINE_S, trust_env=False
    ) as client:
        responses = await asyncio.wait_for(
            asyncio.gather(*(client.get(path) for path in paths)), timeout=DEADLINE_S
        )
    return [response.status_code for response in responses]


def test_many_concurrent_authenticated_requests_all_succeed(world: World, server: str) -> None:
    paths = [
        "/api/v1/buyers/B1",
        "/api/v1/buyers/B2",
        "/api/v1/invoices",
        "/api/v1/users/me",
    ] * (CONCURRENT // 4)
    for _ in range(2):  # twice: the second burst finds the pool as the first left it
        started = time.monotonic()
        statuses = asyncio.run(_burst(server, bearer(world, "viewer"), paths))
        elapsed = time.monotonic() - started
        assert statuses == [200] * len(paths)
        assert elapsed < DEADLINE_S


def test_a_write_is_visible_as_soon_as_its_response_arrives(world: World, server: str) -> None:
    admin = bearer(world, "admin")
    with httpx2.Client(base_url=server, headers=admin, trust_env=False, timeout=30) as client:
        for number in range(10):
            email = f"new{number}@acme.test"
            created = client.post(
                "/api/v1/users", json={"email": email, "role": "viewer", "password": PASSWORD}
            )
            assert created.status_code == 201, created.text
            listed = client.get("/api/v1/users")
            assert email in {user["email"] for user in listed.json()}


def test_an_error_after_a_write_rolls_the_write_back(world: World) -> None:
    app = create_app(world.engine)

    @app.post("/test/write-then-fail")
    async def write_then_fail(admin: Admin) -> None:
        def work(session: Session, caller: Caller) -> None:
            audit.record(
                session, org_id=caller.org.id, actor="test", action="create", entity="probe"
            )
            session.flush()
            raise HTTPException(409, "refused after writing")

        await admin.run(work)

    def probes() -> int:
        with unit_of_work(world.engine) as session:
            query = select(func.count()).where(AuditEntry.entity == "probe")
            return session.execute(query).scalar_one()

    response = TestClient(app).post("/test/write-then-fail", headers=bearer(world, "admin"))
    assert response.status_code == 409
    assert probes() == 0


# A short read never waits for a writer: on SQLite because a WAL reader does not, on
# PostgreSQL because its queries await on the event loop (MVCC readers do not wait
# either). Shown here for SQLite, where a wait would stall the event loop.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@sqlite_only
def test_a_short_read_answers_while_a_writer_holds_the_lock(world: World) -> None:
    """A buyer read on the event loop never waits for SQLite's write lock (WAL reader)."""
    writer = world.engine.raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")  # what a long import holds
        writer.execute("UPDATE buyers SET name = 'renamed' WHERE buyer_id = 'B1'")
        client = TestClient(create_app(world.engine))
        started = time.monotonic()
        response = client.get("/api/v1/buyers/B1", headers=bearer(world, "viewer"))
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Alpha"  # the last committed state
        assert time.monotonic() - started < 1.0
    finally:
        writer.rollback()
        writer.close()


def test_a_short_read_cannot_write(world: World) -> None:
    """``Access.read`` runs where a write is an error, never a wait for a lock."""
    app = create_app(world.engine)

    @app.get("/test/write-in-a-read")
    async def write_in_a_read(viewer: Reader) -> None:
        def work(session: Session, caller: Caller) -> None:
            audit.record(
                session, org_id=caller.org.id, actor="test", action="create", entity="probe"
            )
            session.flush()

        await viewer.read(work)

    with TestClient(app) as client:  # the lifespan opens PostgreSQL's short reads
        refused = client.get("/test/write-in-a-read", headers=bearer(world, "viewer"))
    # the database refused the write (problem JSON, never a plain-text 500)
    assert refused.status_code in (500, 503), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    with unit_of_work(world.engine) as session:
        query = select(func.count()).where(AuditEntry.entity == "probe")
        assert session.execute(query).scalar_one() == 0


def test_a_short_read_is_authenticated_and_authorised(world: World) -> None:
    app = create_app(world.engine)

    @app.get("/test/short-read")
    async def short_read(admin: Admin) -> dict[str, str]:
        return {"org": await admin.read(lambda _session, caller: caller.org.name)}

    with TestClient(app) as client:
        assert app.state.short_reads is not None  # the path under test, on both databases
        assert client.get("/test/short-read").status_code == 401
        wrong = {"Authorization": "Bearer not-a-token"}
        assert client.get("/test/short-read", headers=wrong).status_code == 401
        assert client.get("/test/short-read", headers=bearer(world, "viewer")).status_code == 403
        allowed = client.get("/test/short-read", headers=bearer(world, "admin"))
        assert allowed.json() == {"org": "Acme Exports"}
        buyer = client.get("/api/v1/buyers/B1", headers=bearer(world, "viewer"))
        assert buyer.json()["exposure"]["open_amount"] == "60.00"
