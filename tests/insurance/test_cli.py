"""The insurance commands as real processes, on SQLite (each process costs a second
and a half, the service tests cover both databases): a policy loaded from its TOML and
shown, a bad one refused naming its key, the insurer's limits imported, the
notifications and a buyer's cover as JSON, and the ``claim compute`` contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.conftest import run_cli, write_csv
from tests.insurance.ledger import BUYERS_HEADER, INVOICES_HEADER, LIMITS_HEADER, TOML, load
from tradeguard.cli.main import app
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ORG = ("--org", "Acme Exports")
DAY = ("--as-of", "2024-03-15")


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    """B1 owes I1 100.00 (due 31 January, 40.00 paid), B2 owes I2 50.00 (due 2 March)."""
    with unit_of_work(engine) as session:
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "B1,Alpha,DE,x", "B2,Beta,FR,x")
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I1,B1,2024-01-01,2024-01-31,100.00,EUR,",
            "I2,B2,2024-02-01,2024-03-02,50.00,EUR,",
        )
        load(
            session,
            org,
            tmp_path,
            "payments",
            "payment_id,buyer_id,date,amount,currency,invoice_id",
            "P1,B1,2024-02-05,40.00,EUR,I1",
        )
    return org


@pytest.mark.usefixtures("ledger")
def test_policy_limits_notifications_cover_and_claim_compute(db_url: str, tmp_path: Path) -> None:
    bad = write_csv(tmp_path, "bad.toml", TOML + 'colour = "blue"')
    refused = run_cli(db_url, tmp_path, "policy", "load", str(bad), *ORG)
    assert refused.returncode == 1
    assert "unknown policy keys: colour" in refused.stderr

    loaded = run_cli(
        db_url, tmp_path, "policy", "load", str(write_csv(tmp_path, "p.toml", TOML)), *ORG
    )
    assert loaded.returncode == 0, loaded.stderr
    shown = run_cli(db_url, tmp_path, "policy", "show", *DAY, "--format", "json", *ORG)
    assert shown.returncode == 0, shown.stderr
    policy = json.loads(shown.stdout)
    assert {
        k: policy[k] for k in ("number", "start", "end", "insured_percentage", "excluded_countries")
    } == {
        "number": "P-2024",
        "start": "2024-01-01",
        "end": "2024-12-31",
        "insured_percentage": "0.9",
        "excluded_countries": ["RU"],
    }

    limits = write_csv(tmp_path, "limits.csv", f"{LIMITS_HEADER}\nB1,80,EUR,2024-01-01,,")
    imported = run_cli(
        db_url, tmp_path, "import", "insurer-limits", str(limits), "--format", "json", *ORG
    )
    assert imported.returncode == 0, imported.stderr
    assert (json.loads(imported.stdout)["inserted"], json.loads(imported.stdout)["rows"]) == (1, 1)

    listed = run_cli(db_url, tmp_path, "notifications", *DAY, "--format", "json", *ORG)
    assert listed.returncode == 0, listed.stderr
    # deadline = due date + 60 days: I1 31 March, 16 days away; I2 1 May
    assert [
        (n["invoice_id"], n["deadline"], n["days_left"], n["status"], n["open"])
        for n in json.loads(listed.stdout)["notifications"]
    ] == [
        ("I1", "2024-03-31", 16, "upcoming", "60.00"),
        ("I2", "2024-05-01", 47, "upcoming", "50.00"),
    ]

    cover = run_cli(db_url, tmp_path, "cover", "B1", *DAY, "--format", "json", *ORG)
    assert cover.returncode == 0, cover.stderr
    found = json.loads(cover.stdout)
    assert (found["limit"], found["covered"], found["insurer_limit"]["amount"]) == (
        "80.00",
        "60.00",
        "80.00",
    )
    assert [(i["invoice_id"], i["covered"], i["reason"]) for i in found["invoices"]] == [
        ("I1", "60.00", "over_limit")
    ]

    event = ("--event", "protracted_default")
    computed = run_cli(
        db_url,
        tmp_path,
        "claim",
        "compute",
        "--buyer",
        "B1",
        *DAY,
        *event,
        "--format",
        "json",
        *ORG,
    )
    assert computed.returncode == 0, computed.stderr
    claim = json.loads(computed.stdout)
    # 60.00 open, all insured (80.00 of I1 was, 40.00 is paid); × 90 % = 54.00; filed
    # once 180 days have run from 31 January
    assert {
        k: claim[k]
        for k in ("buyer_id", "ascertained_loss", "indemnity", "excluded", "earliest_claim_date")
    } == {
        "buyer_id": "B1",
        "ascertained_loss": "60.00",
        "indemnity": "54.00",
        "excluded": [],
        "earliest_claim_date": "2024-07-29",
    }
    assert claim["steps"][-1] == {
        "name": "indemnity",
        "amount": "54.00",
        "note": "the indemnity payable",
    }
    assert all(set(step) == {"name", "amount", "note"} for step in claim["steps"])


def _json(db_url: str, *args: str) -> Any:
    """A command run in this process (Typer's runner), its JSON answer."""
    result = CliRunner().invoke(app, ["--db", db_url, *args, "--format", "json", *ORG])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("ledger")
def test_insurer_limits_set_and_listed_and_a_notification_answer_json(
    db_url: str, tmp_path: Path
) -> None:
    _json(db_url, "policy", "load", str(write_csv(tmp_path, "p.toml", TOML)))
    set_ = ("insurer-limit", "set", "B1", "80", "--currency", "eur", "--effective", "2024-01-01")
    assert _json(db_url, *set_, "--conditions", "guarantee") == {
        "buyer_id": "B1",
        "amount": "80.00",
        "currency": "EUR",
        "effective_date": "2024-01-01",
        "expiry_date": None,
        "conditions": "guarantee",
    }
    _json(
        db_url, "insurer-limit", "set", "B1", "0", "--currency", "EUR", "--effective", "2024-04-01"
    )
    history = _json(db_url, "insurer-limit", "list", "B1")
    assert [(d["effective_date"], d["amount"]) for d in history] == [
        ("2024-04-01", "0.00"),  # the refusal, newest first
        ("2024-01-01", "80.00"),
    ]
    notified = _json(db_url, "notify", "B1", "--on", "2024-03-15", "--reference", "ATR-1")
    assert (notified["notified_on"], notified["overdue"], notified["invoices"]) == (
        "2024-03-15",
        "60.00",
        1,
    )
