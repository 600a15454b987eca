"""``tradeguard dispute open|resolve|list`` on both databases (Typer's runner)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.conftest import write_csv
from tradeguard.cli.main import app, main
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    files = {
        "buyers": "buyer_id,name,country,industry\nB1,Alpha,DE,retail",
        "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "I1,B1,2024-01-10,2024-03-10,1000.00,EUR",
        "payments": "payment_id,buyer_id,date,amount,currency\nP1,B1,2024-02-01,300.00,EUR",
    }
    with unit_of_work(engine) as session:
        for kind, text in files.items():
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
    return org


def _json(db_url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db_url, "dispute", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("ledger")
def test_open_resolve_and_list_a_dispute(db_url: str) -> None:
    opened = _json(
        db_url, "open", "I1", "--reason", "quality complaint", "--on", "2024-02-15", "--id", "D1"
    )
    assert opened == {
        "dispute_id": "D1",
        "invoice_id": "I1",
        "buyer_id": "B1",
        "opened_on": "2024-02-15",
        "reason": "quality complaint",
        "amount": "700.00",
        "currency": "EUR",
        "resolved_on": None,
        "outcome": None,
        "status": "open",
    }
    partial = _json(db_url, "open", "I1", "--reason", "price", "--amount", "120.5")
    assert (partial["amount"], partial["dispute_id"][:2]) == ("120.50", "D-")
    resolved = _json(
        db_url, "resolve", "D1", "--outcome", "valid", "--on", "2024-03-01", "--comment", "paid"
    )
    assert (resolved["status"], resolved["outcome"], resolved["resolved_on"]) == (
        "resolved",
        "valid",
        "2024-03-01",
    )
    assert [d["dispute_id"] for d in _json(db_url, "list", "--status", "resolved")] == ["D1"]
    assert [
        d["dispute_id"] for d in _json(db_url, "list", "--status", "open", "--buyer", "B1")
    ] == [partial["dispute_id"]]
    table = CliRunner().invoke(app, ["--db", db_url, "dispute", "list"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "700.00 EUR" in table.stdout
    assert "quality complaint" in table.stdout


@pytest.mark.usefixtures("ledger")
def test_refusals_are_errors_with_exit_code_1(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(*args: str) -> str:
        monkeypatch.setattr(sys, "argv", ["tradeguard", "--db", db_url, "dispute", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 1
        return capsys.readouterr().err.strip()

    assert refused("open", "NOPE", "--reason", "x") == "error: no invoice 'NOPE'"
    _json(db_url, "open", "I1", "--reason", "x", "--on", "2024-02-15", "--id", "D1")
    _json(db_url, "resolve", "D1", "--outcome", "justified", "--on", "2024-02-20")
    assert refused("resolve", "D1", "--outcome", "valid") == (
        "error: dispute 'D1' was already resolved on 2024-02-20 (justified)"
    )
    assert refused("resolve", "D9", "--outcome", "valid") == "error: no dispute 'D9'"
    bad_outcome = CliRunner().invoke(
        app, ["--db", db_url, "dispute", "resolve", "D1", "--outcome", "maybe"]
    )
    assert bad_outcome.exit_code == 2  # a usage error: valid or justified
