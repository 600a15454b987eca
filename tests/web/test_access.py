"""Every endpoint as every role and as another organisation: 401/403/404, and nothing changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import World, bearer
from tradeguard.audit.models import AuditEntry
from tradeguard.country.models import CountryOverride
from tradeguard.identity.models import User
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Buyer
from tradeguard.limits import service as limits
from tradeguard.limits.models import CreditLimit, CreditLimitRequest, StopShipment

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
    ("/api/v1/buyers/B1/score?as_of=2024-03-01", ALL),
    ("/api/v1/buyers/B1/score-history", ALL),
    ("/api/v1/buyers/B1/limits", ALL),
    ("/api/v1/credit/grades", ALL),
    ("/api/v1/credit/settings", ALL),
    ("/api/v1/countries/DE", ALL),
    ("/api/v1/countries/DE/report", ALL),
    ("/api/v1/countries/DE/report?format=pdf", ALL),
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
    "path",
    [
        "/api/v1/buyers/B1",
        "/api/v1/invoices/I1",
        "/api/v1/payments/P1",
        "/api/v1/buyers/B1/score",
        "/api/v1/buyers/B1/score-history",
        "/api/v1/buyers/B1/limits",
    ],
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


# Credit writes: (method, path, JSON body, roles allowed); ``{request}`` is a pending
# limit request of the first organisation, made before the test.
CREDIT_WRITES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    (
        "POST",
        "/api/v1/buyers/B1/limit-requests",
        {"amount": "5000", "reason": "x"},
        OPERATIONS | {"sales"},
    ),
    (
        "POST",
        "/api/v1/limit-requests/{request}/approve",
        {"reason": "good payer", "override_reason": "parent guarantee"},
        OPERATIONS,
    ),
    ("POST", "/api/v1/limit-requests/{request}/reject", {"reason": "too much"}, OPERATIONS),
    ("POST", "/api/v1/limit-requests/{request}/withdraw", {"reason": "not needed"}, OPERATIONS),
    ("PUT", "/api/v1/buyers/B1/stop-shipment", {"reason": "overdue"}, OPERATIONS),
    (
        "PUT",
        "/api/v1/buyers/B1/stop-shipment",
        {"reason": "overdue", "until": "2030-01-01"},
        OPERATIONS,
    ),
    ("DELETE", "/api/v1/buyers/B1/stop-shipment?reason=paid", None, OPERATIONS),
    ("PUT", "/api/v1/credit/settings", {"mode": "fitted"}, OPERATIONS),
    (
        "POST",
        "/api/v1/imports/countries",
        {"file": b"country,grade,political_risk,note\nDE,3,medium,own view\n"},
        OPERATIONS,
    ),
]


def _credit_state(world: World) -> tuple[int, ...]:
    """Rows of the audit log and the credit tables, and the pending limit requests."""
    queries = [
        select(func.count()).select_from(model)
        for model in (AuditEntry, CreditLimitRequest, CreditLimit, StopShipment, CountryOverride)
    ]
    queries.append(
        select(func.count())
        .select_from(CreditLimitRequest)
        .where(CreditLimitRequest.status == "pending")
    )
    with world.engine.connect() as connection:
        return tuple(connection.execute(query).scalar_one() for query in queries)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), CREDIT_WRITES)
def test_credit_writes_by_role_and_organisation_change_nothing_when_refused(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: set[str],
) -> None:
    with unit_of_work(world.engine) as session:
        pending = limits.request_limit(session, world.org, "B1", Decimal(100), None, "test")
        if method == "DELETE":
            limits.stop_shipment(session, world.org, "B1", "overdue", "test", today=dt.date.today())
    path = path.format(request=pending.id)
    if path.startswith("/api/v1/imports/"):
        payload: dict[str, Any] = {"files": {"file": ("c.csv", body["file"], "text/csv")}}  # type: ignore[index]
    else:
        payload = {} if body is None else {"json": body}
    before = _credit_state(world)
    assert client.request(method, path, **payload).status_code == 401
    for role in sorted(ALL - allowed):
        response = client.request(method, path, headers=bearer(world, role), **payload)
        assert response.status_code == 403, (role, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    # another organisation's admin: the buyer and the request do not exist for it
    rival = client.request(method, path, headers=bearer(world, "other_admin"), **payload)
    if "/B1/" in path or "/limit-requests/" in path:
        assert rival.status_code == 404, rival.text
    if rival.status_code == 404:
        assert _credit_state(world) == before
    else:  # settings and imports are the rival's own: they change only its rows
        with world.engine.connect() as connection:
            assert not connection.execute(
                select(AuditEntry).where(
                    AuditEntry.org_id == world.org.id, AuditEntry.actor == "user:admin@rival.test"
                )
            ).first()
        before = _credit_state(world)
    role = sorted(allowed)[0]
    response = client.request(method, path, headers=bearer(world, role), **payload)
    assert response.status_code in {200, 201, 204}, response.text
    assert _credit_state(world) != before
    with world.engine.connect() as connection:
        last = connection.execute(
            select(AuditEntry.actor)
            .where(AuditEntry.org_id == world.org.id)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar_one()
    assert last == f"user:{role}@acme.test"


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
