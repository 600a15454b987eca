"""Unexpected failures answer RFC 9457 problem JSON, never a plain-text 500.

A transient database failure (a lock that cannot be had, a lost connection, an I/O
error) is 503 with ``Retry-After``: nothing was written and a retry can help.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from tests.web.conftest import World, bearer
from tradeguard.kit.db import get_engine, unit_of_work
from tradeguard.limits.models import CreditLimitRequest
from tradeguard.web.app import create_app

postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@postgres_only
def test_a_lock_that_cannot_be_had_is_503_with_retry_after(world: World, db_url: str) -> None:
    # The server's connections give up on a lock after 200 ms instead of waiting forever.
    impatient = get_engine(db_url + "%20-clock_timeout%3D200")
    holder = create_engine(db_url)
    try:
        with holder.begin() as connection:
            connection.exec_driver_sql("LOCK TABLE credit_limit_requests IN ACCESS EXCLUSIVE MODE")
            with TestClient(create_app(impatient)) as client:
                response = client.post(
                    "/api/v1/buyers/B1/limit-requests",
                    json={"amount": "1000"},
                    headers=bearer(world, "credit_manager"),
                )
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "2"
        assert response.json()["title"] == "Service unavailable"
        with unit_of_work(world.engine) as session:
            assert session.scalar(select(func.count()).select_from(CreditLimitRequest)) == 0
    finally:
        holder.dispose()
        impatient.dispose()


def test_an_unexpected_error_is_problem_json(world: World) -> None:
    app = create_app(world.engine)

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    response = TestClient(app, raise_server_exceptions=False).get("/test/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error; it is in the server's log",
    }
