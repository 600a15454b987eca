"""``/api/v1/disputes`` on both databases: roles, the rules' answers, organisations apart."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import World, bearer, client, world  # noqa: F401 (fixtures)

# The world's ledger: invoice I1 of buyer B1 is 100.00 EUR, 40.00 of it paid on 2024-02-05.


def test_a_credit_manager_opens_and_resolves_a_viewer_only_reads(
    client: TestClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    body = {"invoice_id": "I1", "reason": "quality complaint", "opened_on": "2024-02-10"}
    denied = client.post("/api/v1/disputes", json=body, headers=bearer(world, "viewer"))
    assert denied.status_code == 403
    sales = client.post("/api/v1/disputes", json=body, headers=bearer(world, "sales"))
    assert sales.status_code == 403
    opened = client.post(
        "/api/v1/disputes",
        json={**body, "dispute_id": "D1"},
        headers=bearer(world, "credit_manager"),
    )
    assert opened.status_code == 201, opened.text
    assert opened.json() == {
        "dispute_id": "D1",
        "invoice_id": "I1",
        "buyer_id": "B1",
        "opened_on": "2024-02-10",
        "reason": "quality complaint",
        "amount": "60.00",
        "currency": "EUR",
        "resolved_on": None,
        "outcome": None,
        "status": "open",
    }
    listed = client.get("/api/v1/disputes?status=open&buyer=B1", headers=bearer(world, "viewer"))
    assert [d["dispute_id"] for d in listed.json()] == ["D1"]
    resolve = {"outcome": "justified", "resolved_on": "2024-02-20", "comment": "damaged"}
    assert (
        client.post(
            "/api/v1/disputes/D1/resolve", json=resolve, headers=bearer(world, "viewer")
        ).status_code
        == 403
    )
    resolved = client.post(
        "/api/v1/disputes/D1/resolve", json=resolve, headers=bearer(world, "admin")
    )
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["outcome"]) == ("resolved", "justified")
    again = client.post("/api/v1/disputes/D1/resolve", json=resolve, headers=bearer(world, "admin"))
    assert again.status_code == 409
    assert "already resolved on 2024-02-20" in again.text
    assert client.get("/api/v1/disputes?status=open", headers=bearer(world, "viewer")).json() == []


def test_the_rules_answer_404_409_and_422(
    client: TestClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    admin = bearer(world, "admin")
    unknown = client.post(
        "/api/v1/disputes", json={"invoice_id": "NOPE", "reason": "x"}, headers=admin
    )
    assert unknown.status_code == 404
    too_much = client.post(
        "/api/v1/disputes",
        json={"invoice_id": "I1", "reason": "x", "amount": "100.01"},
        headers=admin,
    )
    assert too_much.status_code == 422
    assert "larger than invoice I1's amount of 100.00 EUR" in too_much.text
    first = {"invoice_id": "I1", "reason": "x", "dispute_id": "D1", "opened_on": "2024-02-10"}
    assert client.post("/api/v1/disputes", json=first, headers=admin).status_code == 201
    assert client.post("/api/v1/disputes", json=first, headers=admin).status_code == 409
    early = client.post(
        "/api/v1/disputes/D1/resolve",
        json={"outcome": "valid", "resolved_on": "2024-02-09"},
        headers=admin,
    )
    assert early.status_code == 422
    bad = client.post("/api/v1/disputes/D1/resolve", json={"outcome": "maybe"}, headers=admin)
    assert bad.status_code == 422
    assert client.get("/api/v1/disputes?status=closed", headers=admin).status_code == 422


def test_another_organisations_disputes_are_invisible(
    client: TestClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    mine = {"invoice_id": "I1", "reason": "x", "dispute_id": "D1", "opened_on": "2024-02-10"}
    assert (
        client.post("/api/v1/disputes", json=mine, headers=bearer(world, "admin")).status_code
        == 201
    )
    rival = bearer(world, "other_admin")
    assert client.get("/api/v1/disputes", headers=rival).json() == []
    assert client.get("/api/v1/disputes?buyer=B1", headers=rival).status_code == 404
    assert (
        client.post(
            "/api/v1/disputes/D1/resolve", json={"outcome": "valid"}, headers=rival
        ).status_code
        == 404
    )
    assert client.post("/api/v1/disputes", json=mine, headers=rival).status_code == 404
