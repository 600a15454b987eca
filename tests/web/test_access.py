"""Every endpoint as every role and as another organisation: 401/403/404, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import World, bearer
from tradeguard.store.models import AuditEntry, Buyer, User

ALL = {"admin", "credit_manager", "sales", "viewer"}
OPERATIONS = {"admin", "credit_manager"}
ADMIN = {"admin"}

READS: list[tuple[str, set[str]]] = [
    ("/api/v1/buyers", ALL),
    ("/api/v1/buyers/B1", ALL),
    ("/api/v1/invoices", ALL),
    ("/api/v1/invoices/I1", ALL),
    ("/api/v1/payments", ALL),
    ("/api/v1/payments/P1", ALL),
    ("/api/v1/financials", ALL),
    ("/api/v1/orders", ALL),
    ("/api/v1/summary?as_of=2024-03-01", ALL),
    ("/api/v1/users/me", ALL),
    ("/api/v1/audit", OPERATIONS),
    ("/api/v1/users", ADMIN),
]


def _state(world: World) -> tuple[int, int, int]:
    with world.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Buyer, User, AuditEntry)
        )


@pytest.mark.parametrize(("path", "allowed"), READS)
def test_reads_by_role(client: TestClient, world: World, path: str, allowed: set[str]) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer tg_not-a-token"}).status_code == 401
    for role in ALL:
        response = client.get(path, headers=bearer(world, role))
        assert response.status_code == (200 if role in allowed else 403), (role, response.text)
        if response.status_code == 403:
            assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/api/v1/buyers/B1", "/api/v1/invoices/I1", "/api/v1/payments/P1"]
)
def test_other_organisation_gets_404_for_guessed_ids(
    client: TestClient, world: World, path: str
) -> None:
    response = client.get(path, headers=bearer(world, "other_admin"))
    assert response.status_code == 404
    assert response.json()["status"] == 404
    # ...while its own rows with the R prefix are visible
    own = path.replace("/B1", "/RB1").replace("/I1", "/RI1").replace("/P1", "/RP1")
    assert client.get(own, headers=bearer(world, "other_admin")).status_code == 200


def test_lists_only_show_the_callers_organisation(client: TestClient, world: World) -> None:
    mine = client.get("/api/v1/buyers", headers=bearer(world, "viewer")).json()
    theirs = client.get("/api/v1/buyers", headers=bearer(world, "other_admin")).json()
    assert [b["buyer_id"] for b in mine["items"]] == ["B1", "B2"]
    assert [b["buyer_id"] for b in theirs["items"]] == ["RB1", "RB2"]
    audit = client.get("/api/v1/audit", headers=bearer(world, "other_admin")).json()
    assert all("acme.test" not in (a["entity_key"] or "") for a in audit["items"])
    users = client.get("/api/v1/users", headers=bearer(world, "other_admin")).json()
    assert [u["email"] for u in users] == ["admin@rival.test"]


WRITES: list[tuple[str, dict[str, Any], set[str]]] = [
    (
        "/api/v1/imports/buyers",
        {
            "files": {
                "file": (
                    "b.csv",
                    b"buyer_id,name,country,industry\nB9,Nine,IT,retail\n",
                    "text/csv",
                )
            }
        },
        OPERATIONS,
    ),
    (
        "/api/v1/users",
        {"json": {"email": "new@acme.test", "role": "viewer", "password": "long enough password"}},
        ADMIN,
    ),
]


@pytest.mark.parametrize(("path", "payload", "allowed"), WRITES)
def test_writes_by_role_change_nothing_when_refused(
    client: TestClient, world: World, path: str, payload: dict[str, Any], allowed: set[str]
) -> None:
    before = _state(world)
    assert client.post(path, **payload).status_code == 401
    for role in sorted(ALL - allowed):
        assert client.post(path, headers=bearer(world, role), **payload).status_code == 403
    assert _state(world) == before
    role = sorted(allowed)[0]
    response = client.post(path, headers=bearer(world, role), **payload)
    assert response.status_code in {200, 201}, response.text
    assert _state(world) != before


def test_import_by_api_is_audited_with_the_user(client: TestClient, world: World) -> None:
    payload = WRITES[0][1]
    response = client.post(
        "/api/v1/imports/buyers", headers=bearer(world, "credit_manager"), **payload
    )
    assert response.json() == {
        "kind": "buyers",
        "rows": 1,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
    }
    audit = client.get("/api/v1/audit?entity=buyers", headers=bearer(world, "admin")).json()
    assert audit["items"][0]["actor"] == "user:credit_manager@acme.test"


def test_bad_import_by_api_is_a_problem_listing_every_row(client: TestClient, world: World) -> None:
    before = _state(world)
    bad = b"buyer_id,name,country,industry\nB9,Nine,XX,retail\nB10,,IT,retail\n"
    response = client.post(
        "/api/v1/imports/buyers",
        headers=bearer(world, "admin"),
        files={"file": ("bad.csv", bad, "text/csv")},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid_params"] == [
        {"name": "country", "reason": "unknown country code 'XX' (ISO 3166 alpha-2)", "row": 2},
        {"name": "name", "reason": "missing value", "row": 3},
    ]
    assert _state(world) == before


def test_lists_paginate_filter_and_sort(client: TestClient, world: World) -> None:
    headers = bearer(world, "viewer")
    page = client.get("/api/v1/buyers?sort=-name&limit=1", headers=headers).json()
    assert (page["total"], page["limit"], [b["buyer_id"] for b in page["items"]]) == (2, 1, ["B2"])
    assert client.get("/api/v1/buyers?q=alp", headers=headers).json()["total"] == 1
    assert (
        client.get("/api/v1/buyers?country=FR", headers=headers).json()["items"][0]["buyer_id"]
        == "B2"
    )
    invoice = client.get("/api/v1/invoices?buyer_id=B1", headers=headers).json()["items"][0]
    assert (invoice["amount"], invoice["settled"], invoice["open_amount"]) == (
        "100.00",
        "40.00",
        "60.00",
    )
    wrong = client.get("/api/v1/buyers?sort=secret", headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["invalid_params"][0]["name"] == "sort"
    assert client.get("/api/v1/buyers?limit=0", headers=headers).status_code == 422


def test_buyer_exposure(client: TestClient, world: World) -> None:
    body = client.get("/api/v1/buyers/B1?as_of=2024-03-01", headers=bearer(world, "sales")).json()
    assert body["exposure"] == {
        "as_of": "2024-03-01",
        "currency": "EUR",
        "open_amount": "60.00",
        "overdue_amount": "60.00",
        "open_invoices": 1,
        "oldest_days_overdue": 30,
    }
