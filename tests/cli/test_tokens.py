"""API tokens from the command line against a running server, on both databases:
``token create --expires-in``, ``token list``, ``token revoke`` (refused at once by the
server already running) and ``user passwd`` revoking the user's tokens."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import Engine

from tests.conftest import run_cli as tradeguard
from tests.e2e.conftest import _serve
from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PASSWORD = "correct horse battery staple"


def status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with _DIRECT.open(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_tokens_listed_revoked_and_expiring_beside_a_running_server(
    db_url: str, engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        users.add_user(session, org, "viewer@acme.test", Role.VIEWER, PASSWORD, "test")
        users.add_user(session, org, "boss@acme.test", Role.ADMIN, PASSWORD, "test")
    made = tradeguard(db_url, tmp_path, "token", "create", "viewer@acme.test", "--expires-in", "30")
    assert made.returncode == 0, made.stderr
    expiring = made.stdout.strip()
    forever = tradeguard(db_url, tmp_path, "token", "create", "viewer@acme.test").stdout.strip()
    tradeguard(db_url, tmp_path, "token", "create", "boss@acme.test")
    bad = tradeguard(db_url, tmp_path, "token", "create", "viewer@acme.test", "--expires-in", "0")
    assert bad.returncode == 1
    assert "expires in 1 to 3650 days" in bad.stderr

    with _serve(engine) as url:
        assert status(f"{url}/api/v1/buyers", expiring) == 200
        listed = tradeguard(
            db_url, tmp_path, "token", "list", "--user", "viewer@acme.test", "--format", "json"
        )
        assert listed.returncode == 0, listed.stderr
        tokens = json.loads(listed.stdout)
        assert [set(t) for t in tokens] == [
            {"id", "user", "created_at", "expires_at", "last_used_at", "revoked"}
        ] * 2
        assert expiring not in listed.stdout
        assert forever not in listed.stdout
        first, second = tokens
        assert (first["user"], first["revoked"], second["expires_at"]) == (
            "viewer@acme.test",
            False,
            None,
        )
        left = dt.datetime.fromisoformat(first["expires_at"]) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(days=29) < left <= dt.timedelta(days=30)
        assert first["last_used_at"] is not None
        assert second["last_used_at"] is None
        everyone = json.loads(
            tradeguard(db_url, tmp_path, "token", "list", "--format", "json").stdout
        )
        assert [t["user"] for t in everyone] == ["viewer@acme.test"] * 2 + ["boss@acme.test"]

        revoked = tradeguard(db_url, tmp_path, "token", "revoke", str(first["id"]))
        assert revoked.returncode == 0, revoked.stderr
        assert f"API token {first['id']} of viewer@acme.test revoked" in revoked.stderr
        assert status(f"{url}/api/v1/buyers", expiring) == 401
        assert status(f"{url}/api/v1/users/me", expiring) == 401  # a short read, too
        assert status(f"{url}/api/v1/users/me", forever) == 200
        missing = tradeguard(db_url, tmp_path, "token", "revoke", "9999")
        assert (missing.returncode, "no API token 9999" in missing.stderr) == (1, True)

        changed = tradeguard(
            db_url, tmp_path, "user", "passwd", "viewer@acme.test", stdin="a brand new password\n"
        )
        assert changed.returncode == 0, changed.stderr
        assert "1 API token revoked" in changed.stderr
        assert status(f"{url}/api/v1/users/me", forever) == 401
    final = json.loads(
        tradeguard(
            db_url, tmp_path, "token", "list", "--user", "viewer@acme.test", "--format", "json"
        ).stdout
    )
    assert [t["revoked"] for t in final] == [True, True]
