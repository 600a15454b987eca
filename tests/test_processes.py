"""A real ``tradeguard serve`` process and real CLI processes on one database.

The regression guarded here lost data for good: with the server running on a SQLite
file, any CLI command (even a read) made the server's WAL disappear, and every write
the server took afterwards (API limit requests, browser sessions) was gone once it
stopped. The cause was a second copy of the SQLite library in each process (the ADBC
driver's): closing one copy's connection dropped the POSIX locks the other copy held,
so the CLI process believed it was alone, checkpointed and deleted the WAL. The test
alternates real CLI commands (reads, the daily cycle, an import) with API writes, stops
the server and checks that every write is on disk; the same on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_csv

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ADMIN = "admin@acme.test"
PASSWORD = "correct horse battery staple"


def _cli(db: str, cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, f"tradeguard {' '.join(args)}: {done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with _DIRECT.open(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``tradeguard serve`` in its own process; stopped (SIGINT, as Ctrl+C) by the test."""
    _cli(db_url, tmp_path, "init", "--org", "Acme")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tradeguard", "--db", db_url, "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with _DIRECT.open(f"{base}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the server did not start: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        time.sleep(0.1)
    try:
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_writes_survive_cli_commands_beside_the_server(
    db_url: str, tmp_path: Path, server: tuple[subprocess.Popen[bytes], str]
) -> None:
    process, base = server
    db, cwd = db_url, tmp_path
    _cli(db, cwd, "user", "add", ADMIN, "--org", "Acme", "--role", "admin", stdin=PASSWORD)
    token = _cli(db, cwd, "token", "create", ADMIN).strip()
    api = Api(base, token)
    buyers = write_csv(
        cwd, "buyers.csv", "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,FR,food"
    )
    invoices = write_csv(
        cwd,
        "invoices.csv",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2026-01-05,2026-02-04,1000.00,EUR\nI2,B2,2026-02-01,2026-03-03,500.00,EUR",
    )
    _cli(db, cwd, "import", "buyers", str(buyers))

    # the server reads the whole ledger (the analytics path), then a CLI process reads it
    assert api.call("GET", "/api/v1/reports/ageing?as_of=2026-06-30")["total"] == "0.00"
    _cli(db, cwd, "summary", "--as-of", "2026-06-30")
    first = api.call("POST", "/api/v1/buyers/B1/limit-requests", {"amount": "5000"})

    # an import and the daily cycle from the command line, between API writes
    _cli(db, cwd, "import", "invoices", str(invoices))
    assert api.call("GET", "/api/v1/reports/ageing?as_of=2026-06-30")["total"] == "1500.00"
    second = api.call("POST", "/api/v1/buyers/B2/limit-requests", {"amount": "7000"})
    _cli(db, cwd, "cycle", "--as-of", "2026-06-30")
    _cli(db, cwd, "report", "kpis", "--as-of", "2026-06-30", "--format", "json")
    decided = api.call(
        "POST", f"/api/v1/limit-requests/{first['id']}/reject", {"reason": "too much"}
    )
    assert decided["status"] == "rejected"

    # the CLI sees the server's writes while it runs ...
    listed = json.loads(_cli(db, cwd, "limit", "list", "--format", "json"))
    assert [(r["id"], r["status"]) for r in listed] == [
        (first["id"], "rejected"),
        (second["id"], "pending"),
    ]
    third = api.call("POST", "/api/v1/buyers/B1/limit-requests", {"amount": "100"})

    # ... and every write is still there once the server has stopped
    _stop(process)
    assert process.returncode is not None
    after = json.loads(_cli(db, cwd, "limit", "list", "--format", "json"))
    assert [(r["id"], r["status"]) for r in after] == [
        (first["id"], "rejected"),
        (second["id"], "pending"),
        (third["id"], "pending"),
    ]
    audit = _cli(db, cwd, "summary", "--as-of", "2026-06-30", "--format", "json")
    assert json.loads(audit)["open_receivables"] == "1500.00"
    if db.startswith("sqlite"):
        database = Path(db.removeprefix("sqlite:///"))
        assert database.exists()
