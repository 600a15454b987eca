"""The limit and stop-shipment commands as a credit department runs them, on both
databases: a defaulted buyer, the override reason, four eyes, amounts, stop rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from tests.conftest import run_cli as tradeguard
from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import get_engine, migrate, unit_of_work


def _buyer(db: str, cwd: Path) -> None:
    """The organisation Acme and its buyer B1, made in the test process (the commands
    under test run as processes)."""
    engine = get_engine(db)
    migrate(engine)
    text = "buyer_id,name,country,industry\nB1,Alpha,DE,retail"
    with unit_of_work(engine) as session:
        organisation, _ = create_or_get(session, "Acme", "EUR", "test")
        import_file(session, organisation, "buyers", write_csv(cwd, "buyers.csv", text), "test")


def _defaulted_buyer(db: str, cwd: Path) -> None:
    """B1 owes an invoice 138 days past due on 2024-06-17, the day it is scored."""
    _buyer(db, cwd)
    text = (
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2024-01-01,2024-01-31,60000.00,EUR"
    )
    done = tradeguard(db, cwd, "import", "invoices", str(write_csv(cwd, "invoices.csv", text)))
    assert done.returncode == 0, done.stderr
    scored = tradeguard(db, cwd, "score", "--as-of", "2024-06-17", "--format", "json")
    assert scored.returncode == 0, scored.stderr
    reason = json.loads(scored.stdout)["buyers"][0]["reasons"][0]
    assert (reason["code"], reason["message"]) == (
        "DEFAULT_DAYS_OVERDUE",
        "invoice 138 days past due (default at 90)",
    )


def test_approving_a_defaulted_buyer_needs_an_override_and_four_eyes(
    db_url: str, tmp_path: Path
) -> None:
    _defaulted_buyer(db_url, tmp_path)
    added = tradeguard(
        db_url,
        tmp_path,
        *("user", "add", "head@acme.test", "--org", "Acme", "--role", "credit_manager"),
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    head = tradeguard(db_url, tmp_path, "token", "create", "head@acme.test").stdout.strip()
    requested = tradeguard(db_url, tmp_path, "limit", "request", "B1", "50000", "--format", "json")
    assert requested.returncode == 0, requested.stderr
    request_id = str(json.loads(requested.stdout)["id"])

    plain = tradeguard(db_url, tmp_path, "limit", "approve", request_id, "--reason", "big")
    assert plain.returncode == 1
    assert "grade 10, class C (invoice 138 days past due (default at 90))" in plain.stderr
    assert "--override-reason" in plain.stderr
    own = tradeguard(
        db_url,
        tmp_path,
        *("limit", "approve", request_id, "--reason", "big", "--override-reason", "guarantee"),
    )
    assert own.returncode == 1
    assert "four eyes" in own.stderr
    approved = tradeguard(
        db_url,
        tmp_path,
        *("limit", "approve", request_id, "--reason", "big", "--amount", "40000"),
        *("--override-reason", "parent guarantee", "--format", "json"),
        token=head,
    )
    assert approved.returncode == 0, approved.stderr
    decision = json.loads(approved.stdout)
    assert (decision["status"], decision["override_reason"], decision["decided_by"]) == (
        "approved",
        "parent guarantee",
        "user:head@acme.test",
    )
    again = tradeguard(db_url, tmp_path, "limit", "reject", request_id, "--reason", "x", token=head)
    assert again.returncode == 1
    assert f"request {request_id} is already approved" in again.stderr

    table = tradeguard(db_url, tmp_path, "limit", "list")
    assert table.returncode == 0, table.stderr
    assert "approved" in table.stdout
    header = next(line for line in table.stdout.splitlines() if "requested" in line)
    assert header.index("requested") < header.index("status") < header.rindex("approved")
    row = next(line for line in table.stdout.splitlines() if "50,000.00" in line)
    assert "40,000.00" in row  # amounts in the organisation's locale (en_GB)


def test_limit_amounts_must_be_positive(db_url: str, tmp_path: Path) -> None:
    _buyer(db_url, tmp_path)
    for amount in ("-5", "0"):
        done = tradeguard(db_url, tmp_path, "limit", "request", "B1", amount)
        assert done.returncode == 2, (amount, done.stderr)
        assert "the amount must be positive" in done.stderr
        assert "No such option" not in done.stderr
    garbage = tradeguard(db_url, tmp_path, "limit", "request", "B1", "lots")
    assert (garbage.returncode, "not an amount: 'lots'" in garbage.stderr) == (2, True)
    huge = tradeguard(db_url, tmp_path, "limit", "request", "B1", "1e400")
    assert (huge.returncode, "a limit is at most" in huge.stderr) == (1, True)
    request_id = json.loads(
        tradeguard(db_url, tmp_path, "limit", "request", "B1", "100", "--format", "json").stdout
    )["id"]
    negative = tradeguard(
        db_url, tmp_path, "limit", "approve", str(request_id), "--reason", "x", "--amount", "-5"
    )
    assert negative.returncode == 2
    assert "the amount must be positive" in negative.stderr


def test_stop_shipment_rules(db_url: str, tmp_path: Path) -> None:
    _buyer(db_url, tmp_path)
    past = tradeguard(
        db_url, tmp_path, "stop-shipment", "set", "B1", "--reason", "x", "--until", "2020-01-01"
    )
    assert past.returncode == 1
    assert "2020-01-01 is in the past" in past.stderr
    assert (
        tradeguard(db_url, tmp_path, "stop-shipment", "set", "B1", "--reason", "fraud").returncode
        == 0
    )
    later = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    shorter = tradeguard(
        db_url, tmp_path, "stop-shipment", "set", "B1", "--reason", "paid half", "--until", later
    )
    assert shorter.returncode == 1
    assert "lift it first" in shorter.stderr
    lifted = tradeguard(db_url, tmp_path, "stop-shipment", "lift", "B1", "--reason", "cleared")
    assert lifted.returncode == 0, lifted.stderr
    temporary = tradeguard(
        db_url, tmp_path, "stop-shipment", "set", "B1", "--reason", "paid half", "--until", later
    )
    assert temporary.returncode == 0, temporary.stderr
    with get_engine(db_url).connect() as connection:
        actions = connection.execute(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "stop_shipments")
            .order_by(AuditEntry.id)
        ).scalars()
        assert list(actions) == ["stop_shipment", "lift_stop_shipment", "stop_shipment"]
