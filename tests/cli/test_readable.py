"""The command line reads well: the demo's sign-in lines, amounts in the organisation's
locale, dates that say what is wrong, tables that never cut a number, the ageing
matrix and payment behaviour worst first. Every test runs the real CLI in a process."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import get_engine, unit_of_work


def tradeguard(
    db: str, cwd: Path, *args: str, columns: int = 200
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": str(columns)}
    environment.pop("TRADEGUARD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


# On 2024-03-01: B1 owes 1,234,527.00 (30 days overdue), B4 paid 20 days late,
# B2 and B3 have invoices not yet due (no evidence of how they pay).
LEDGER = {
    "buyers": "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,FR,chemicals\n"
    "B3,Gamma,IT,retail\nB4,Delta,DE,metals",
    "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
    "I1,B1,2024-01-01,2024-01-31,1234567.00,EUR\nI2,B2,2024-02-01,2024-03-02,50.00,EUR\n"
    "I3,B4,2023-12-01,2023-12-31,1000.00,EUR\nI4,B3,2024-02-15,2024-03-15,10.00,EUR",
    "payments": "payment_id,buyer_id,date,amount,currency\nP1,B1,2024-02-05,40.00,EUR\n"
    "P2,B4,2024-01-20,1000.00,EUR",
}


@pytest.fixture
def ledger(db_url: str, engine: Engine, tmp_path: Path) -> str:
    """A database with the organisation Acme (locale en_GB) and the ledger above, made in
    the test process (``init`` and ``import`` as processes are tests/cli/test_main.py's):
    only what each test reads is run as a command."""
    with unit_of_work(engine) as session:
        organisation, _ = create_or_get(session, "Acme", "EUR", "test")
        for kind, text in LEDGER.items():
            import_file(
                session, organisation, kind, write_csv(tmp_path, f"{kind}.csv", text), "test"
            )
    return db_url


def test_amounts_read_in_the_organisations_locale(ledger: str, tmp_path: Path) -> None:
    summary = ok(tradeguard(ledger, tmp_path, "summary", "--as-of", "2024-03-01"))
    assert "1,234,587.00" in summary  # open receivables
    assert "1,234,527.00" in summary  # overdue, and the 1-30 bucket
    document = json.loads(
        ok(tradeguard(ledger, tmp_path, "summary", "--as-of", "2024-03-01", "--format", "json"))
    )
    assert document["open_receivables"] == "1234587.00"  # JSON: plain decimal strings
    kpis = ok(tradeguard(ledger, tmp_path, "report", "kpis", "--as-of", "2024-03-01"))
    assert re.search(r"receivables\s*│\s*1,234,587\.00", kpis)
    cycle = ok(tradeguard(ledger, tmp_path, "cycle", "--as-of", "2024-03-01"))
    assert "1,234,587.00" in cycle
    request = ok(tradeguard(ledger, tmp_path, "limit", "request", "B1", "1500000"))
    assert "1,500,000.00" in request
    assert "1,500,000.00 EUR" in ok(tradeguard(ledger, tmp_path, "limit", "list"))

    changed = tradeguard(ledger, tmp_path, "init", "--org", "Acme", "--locale", "de-DE")
    assert changed.returncode == 0, changed.stderr
    assert "organisation 'Acme' already exists (locale de_DE)" in changed.stderr
    german = ok(tradeguard(ledger, tmp_path, "summary", "--as-of", "2024-03-01"))
    assert "1.234.587,00" in german
    with unit_of_work(get_engine(ledger)) as session:
        organisation = session.scalars(select(Organisation)).one()
        assert organisation.locale == "de_DE"
        change = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "organisation").order_by(AuditEntry.id)
        ).all()[-1]
        assert (change.action, change.before, change.after) == (
            "update",
            {"locale": "en_GB"},
            {"locale": "de_DE"},
        )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_init_refuses_an_unknown_locale(db_url: str, tmp_path: Path) -> None:
    done = tradeguard(db_url, tmp_path, "init", "--org", "Acme", "--locale", "xx_YY")
    assert done.returncode == 1
    assert "error: unknown locale 'xx_YY'" in done.stderr
    created = tradeguard(db_url, tmp_path, "init", "--org", "Acme")
    assert "organisation 'Acme' created (locale en_GB)" in created.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["summary", "--as-of", "2026-02-30"],
            "2026-02-30 is not a date: February 2026 has 28 days",
        ),
        (["cycle", "--as-of", "2024-02-30"], "2024-02-30 is not a date: February 2024 has 29 days"),
        (
            ["report", "ageing", "--as-of", "30/01/2026"],
            "'30/01/2026' is not a date: use YYYY-MM-DD",
        ),
        (["score", "--as-of", "2026-13-01"], "2026-13-01 is not a date: there is no month 13"),
        (
            ["stop-shipment", "set", "B1", "--reason", "x", "--until", "2026-04-31"],
            "2026-04-31 is not a date: April 2026 has 30 days",
        ),
    ],
)
def test_a_bad_date_says_what_is_wrong(
    db_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    done = tradeguard(db_url, tmp_path, *args)
    assert done.returncode == 2  # a usage error, as Click gives for bad parameters
    assert message in done.stderr
    assert "does not match the format" not in done.stderr


def test_ageing_by_country_is_one_matrix(ledger: str, tmp_path: Path) -> None:
    args = ("report", "ageing", "--as-of", "2024-03-01", "--buckets", "0,30", "--by", "country")
    wide = ok(tradeguard(ledger, tmp_path, *args))
    assert wide.count("Ageing on 2024-03-01") == 1
    lines = [line.split() for line in wide.splitlines()]
    assert ["country", "current", "1-30", "over", "30", "total"] in lines
    rows = [line for line in lines if line and line[0] in {"DE", "FR", "IT", "all"}]
    assert rows == [
        ["DE", "0.00", "1,234,527.00", "0.00", "1,234,527.00"],  # largest total first
        ["FR", "50.00", "0.00", "0.00", "50.00"],
        ["IT", "10.00", "0.00", "0.00", "10.00"],
        ["all", "60.00", "1,234,527.00", "0.00", "1,234,587.00"],
    ]
    document = json.loads(ok(tradeguard(ledger, tmp_path, *args, "--format", "json")))
    assert [group["group"] for group in document["groups"]] == ["DE", "FR", "IT"]
    assert document["total"] == "1234587.00"


def test_behaviour_is_worst_first_with_a_limit(ledger: str, tmp_path: Path) -> None:
    args = ("report", "behaviour", "--as-of", "2024-03-01")
    document = json.loads(ok(tradeguard(ledger, tmp_path, *args, "--format", "json")))
    assert set(document) == {"as_of", "buyers"}
    # 30 days beyond terms, then 20; no evidence last (by id).
    assert [b["buyer_id"] for b in document["buyers"]] == ["B1", "B4", "B2", "B3"]
    assert [b["avg_days_beyond_terms"] for b in document["buyers"]] == [30.0, 20.0, None, None]
    limited = json.loads(
        ok(tradeguard(ledger, tmp_path, *args, "--limit", "2", "--format", "json"))
    )
    assert [b["buyer_id"] for b in limited["buyers"]] == ["B1", "B4"]
    table = ok(tradeguard(ledger, tmp_path, *args, "--limit", "3"))
    assert re.findall(r"^(B\d)\s", table, re.MULTILINE) == ["B1", "B4", "B2"]
    refused = tradeguard(ledger, tmp_path, *args, "--limit", "0")
    assert refused.returncode == 2


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """A small generated company (SQLite), loaded by the demo command."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    ok(tradeguard(url, tmp_path, "demo", "--buyers", "60", "--years", "1", "--as-of", "2026-06-30"))
    return url


def test_score_at_80_columns_prints_every_number_whole(demo_db: str, tmp_path: Path) -> None:
    args = ("score", "--as-of", "2026-06-30", "--no-save")
    table = ok(tradeguard(demo_db, tmp_path, *args, columns=80))
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= 80
    rows = {line.split()[0]: line for line in table.splitlines() if re.match(r"B\d{6}\s", line)}
    buyers = json.loads(ok(tradeguard(demo_db, tmp_path, *args, "--format", "json")))["buyers"]
    assert len(rows) == len(buyers) == 60  # one table: each buyer on one line
    for buyer in buyers:
        row = rows[buyer["buyer_id"]].split()
        assert f"{buyer['pd']:.2%}" in row
        assert f"{Decimal(buyer['limit_recommended']):,.2f}" in row
        if buyer["altman"] is not None:
            assert str(buyer["altman"]["value"]) in row


def test_ageing_by_buyer_at_80_columns_cuts_no_number(demo_db: str, tmp_path: Path) -> None:
    args = ("report", "ageing", "--as-of", "2026-06-30", "--by", "buyer")
    table = ok(tradeguard(demo_db, tmp_path, *args, columns=80))
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= 80
    document = json.loads(ok(tradeguard(demo_db, tmp_path, *args, "--format", "json")))
    figures = set(re.findall(r"\d[\d,]*\.\d\d", table))
    for group in document["groups"]:
        assert f"{Decimal(group['total']):,.2f}" in figures
        for bucket in group["buckets"]:
            assert f"{Decimal(bucket['amount']):,.2f}" in figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sign_in(base: str, email: str, password: str) -> int:
    """Sign in through the login form as a browser does; the status of the answer."""
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    )
    with opener.open(f"{base}/login", timeout=10) as page:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert csrf is not None
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": csrf[1]})
    try:
        with opener.open(f"{base}/login", form.encode(), timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_demo_names_the_real_address_and_prints_the_password_alone(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    port = _free_port()
    done = tradeguard(
        db, tmp_path, "demo", "--buyers", "20", "--years", "1", "--port", str(port), columns=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    base = f"http://127.0.0.1:{port}"
    email = "admin@demo.tradeguard.example"
    assert f"Sign in at {base} as {email}" in lines
    shown = lines.index(f"Password (shown once; change it with `tradeguard user passwd {email}`):")
    password = lines[shown + 1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", password)  # whole, undecorated, on its own

    server = subprocess.Popen(
        [sys.executable, "-m", "tradeguard", "--db", db, "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        assert server.stderr.readline().strip() == f"TradeGuard on {base}  (Ctrl+C to stop)"
        deadline = time.monotonic() + 60
        while True:
            try:
                status = _sign_in(base, email, password)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert status == 200  # redirected to the dashboard, signed in
        assert _sign_in(base, email, password + "x") == 401
    finally:
        server.kill()
        server.wait()

    again = tradeguard(db, tmp_path, "demo", "--buyers", "20", "--years", "1", "--port", "9001")
    assert "Sign in at http://127.0.0.1:9001 (the demo administrator already exists)" in (
        again.stderr
    )
