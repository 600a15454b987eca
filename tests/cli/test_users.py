"""Users and tokens from the command line, and commands acting as a token's user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_csv

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def run(
    *args: str, db: str, cwd: Path, stdin: str = "", token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRADEGUARD_TOKEN"}
    if token:
        env["TRADEGUARD_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_users_tokens_and_roles(db_url: str, tmp_path: Path) -> None:
    assert run("init", "--org", "Acme", db=db_url, cwd=tmp_path).returncode == 0
    assert run("init", "--org", "Rival", db=db_url, cwd=tmp_path).returncode == 0
    added = run(
        "user",
        "add",
        "Boss@Acme.test",
        "--org",
        "Acme",
        "--role",
        "admin",
        db=db_url,
        cwd=tmp_path,
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr
    short = run(
        "user", "add", "x@acme.test", "--org", "Acme", db=db_url, cwd=tmp_path, stdin="short\n"
    )
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    run(
        "user",
        "add",
        "viewer@acme.test",
        "--org",
        "Acme",
        "--role",
        "viewer",
        db=db_url,
        cwd=tmp_path,
        stdin="another long one\n",
    )
    listed = run("user", "list", "--org", "Acme", "--format", "json", db=db_url, cwd=tmp_path)
    assert [u["email"] for u in json.loads(listed.stdout)["users"]] == [
        "boss@acme.test",
        "viewer@acme.test",
    ]

    viewer_token = run(
        "token", "create", "viewer@acme.test", db=db_url, cwd=tmp_path
    ).stdout.strip()
    admin_token = run("token", "create", "boss@acme.test", db=db_url, cwd=tmp_path).stdout.strip()
    assert viewer_token.startswith("tg_")
    buyers = write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,Alpha,DE,retail")
    refused = run("import", "buyers", str(buyers), db=db_url, cwd=tmp_path, token=viewer_token)
    assert refused.returncode == 1
    assert "your role (viewer) may not do this" in refused.stderr
    other_org = run("summary", "--org", "Rival", db=db_url, cwd=tmp_path, token=viewer_token)
    assert other_org.returncode == 1
    assert "may only work in 'Acme'" in other_org.stderr
    assert run("summary", db=db_url, cwd=tmp_path, token=viewer_token).returncode == 0
    done = run("import", "buyers", str(buyers), db=db_url, cwd=tmp_path, token=admin_token)
    assert done.returncode == 0, done.stderr
    bad = run("summary", db=db_url, cwd=tmp_path, token="tg_forged")
    assert "not a valid API token" in bad.stderr
    passwd = run(
        "user",
        "passwd",
        "viewer@acme.test",
        db=db_url,
        cwd=tmp_path,
        stdin="a new long password\n",
        token=viewer_token,
    )
    assert passwd.returncode == 1
