"""API tokens for admins over HTTP, on both databases: list, create (the secret once,
optionally expiring), revoke (refused at once); one organisation never sees another's."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.web.conftest import World, bearer
from tradeguard.audit.models import AuditEntry
from tradeguard.identity.models import ApiToken
from tradeguard.kit.db import unit_of_work

FIELDS = {"id", "user", "created_at", "expires_at", "last_used_at", "revoked"}


def test_admins_list_create_and_revoke_tokens(client: TestClient, world: World) -> None:
    admin = bearer(world, "admin")
    assert client.get("/api/v1/tokens", headers=bearer(world, "credit_manager")).status_code == 403
    listed = client.get("/api/v1/tokens", headers=admin)
    assert listed.status_code == 200, listed.text
    tokens = listed.json()
    assert {t["user"] for t in tokens} == {
        "admin@acme.test",
        "credit_manager@acme.test",
        "sales@acme.test",
        "viewer@acme.test",
    }
    assert all(set(t) == FIELDS for t in tokens)
    assert not any(world.tokens["viewer"] in str(t) for t in tokens)

    created = client.post(
        "/api/v1/tokens", headers=admin, json={"user": "viewer@acme.test", "expires_in_days": 7}
    )
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["token"].startswith("tg_")
    expires = dt.datetime.fromisoformat(new["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(7)
    secret = {"Authorization": f"Bearer {new['token']}"}
    assert client.get("/api/v1/buyers", headers=secret).status_code == 200
    viewers = client.get("/api/v1/tokens?user=viewer@acme.test", headers=admin).json()
    assert [t["id"] for t in viewers][-1] == new["id"]
    assert viewers[-1]["last_used_at"] is not None  # the request above used it
    assert "token" not in viewers[-1]

    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/buyers", headers=secret).status_code == 401
    assert client.get("/api/v1/users/me", headers=secret).status_code == 401  # short reads too
    assert client.get("/api/v1/tokens?user=viewer@acme.test", headers=admin).json()[-1]["revoked"]
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=admin).status_code == 409

    for body in ({"user": "viewer@acme.test", "expires_in_days": 0}, {"user": "x"}):
        assert client.post("/api/v1/tokens", headers=admin, json=body).status_code in {404, 422}
    with unit_of_work(world.engine) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "api_tokens", AuditEntry.actor == "user:admin@acme.test")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["create", "revoke"]


def test_an_expired_token_is_refused(client: TestClient, world: World) -> None:
    viewer = bearer(world, "viewer")
    assert client.get("/api/v1/buyers", headers=viewer).status_code == 200
    with unit_of_work(world.engine) as session:
        session.execute(
            update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client.get("/api/v1/buyers", headers=viewer).status_code == 401


def test_another_organisations_tokens_are_not_found(client: TestClient, world: World) -> None:
    rival = bearer(world, "other_admin")
    own = client.get("/api/v1/tokens", headers=bearer(world, "admin")).json()
    assert [t["user"] for t in client.get("/api/v1/tokens", headers=rival).json()] == [
        "admin@rival.test"
    ]
    viewer_token = next(t["id"] for t in own if t["user"] == "viewer@acme.test")
    assert client.delete(f"/api/v1/tokens/{viewer_token}", headers=rival).status_code == 404
    assert client.get("/api/v1/tokens?user=viewer@acme.test", headers=rival).status_code == 404
    assert (
        client.post("/api/v1/tokens", headers=rival, json={"user": "viewer@acme.test"}).status_code
        == 404
    )
    assert client.get("/api/v1/buyers", headers=bearer(world, "viewer")).status_code == 200
