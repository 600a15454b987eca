"""The orders, disputes and events kinds on both databases: their rules row by row,
all or nothing, idempotent, audited; events whose buyer is unknown are skipped and
reported, not refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.cli.main import app
from tradeguard.domain.errors import ImportRejectedError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import BuyerEvent, Dispute, Order

BUYERS = """
buyer_id,name,country,industry,registration_number
B1,Alpha GmbH,DE,machinery,DE123
B2,Beta Ltd,GB,retail,GB456
B3,Gamma SA,FR,retail,DUP
B4,Delta SA,FR,retail,dup
"""
INVOICES = """
invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2024-01-10,2024-03-10,1000.00,EUR
I2,B2,2024-02-01,2024-03-01,250.00,GBP
"""
# I1: 300.00 paid on 2024-02-01, then 200.00 credited on 2024-03-01.
PAYMENTS = """
payment_id,buyer_id,date,amount,currency,invoice_id
P1,B1,2024-02-01,300.00,EUR,I1
"""
CREDIT_NOTES = """
credit_note_id,buyer_id,date,amount,currency,invoice_id
C1,B1,2024-03-01,200.00,EUR,I1
"""


def _import(engine: Engine, org: Organisation, kind: str, path: Path) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        return import_file(session, org, kind, path, "tester").as_dict()


def _refused(engine: Engine, org: Organisation, kind: str, path: Path) -> set[tuple[int, str, str]]:
    with pytest.raises(ImportRejectedError) as refused, unit_of_work(engine) as session:
        import_file(session, org, kind, path, "tester")
    return {(e.row, e.column, e.message) for e in refused.value.errors}


def _count(engine: Engine, model: type[Any]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def _updates(engine: Engine, entity: str) -> list[tuple[str | None, Any, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.entity_key, AuditEntry.before, AuditEntry.after).where(
                AuditEntry.entity == entity, AuditEntry.action == "update"
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    for kind, text in (
        ("buyers", BUYERS),
        ("invoices", INVOICES),
        ("payments", PAYMENTS),
        ("credit-notes", CREDIT_NOTES),
    ):
        _import(engine, org, kind, write_csv(tmp_path, f"{kind}.csv", text))
    return org


# ------------------------------------------------------------------------------- orders

ORDERS = """
order_id,buyer_id,date,amount,currency,terms_days,delivery_date,status
O1,B1,2024-05-01,1200.50,EUR,60,2024-05-20,delivered
O2,B2,2024-05-02,80,GBP,,,
"""


def test_orders_are_imported_with_status_open_by_default(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "orders.csv", ORDERS)
    assert _import(engine, ledger, "orders", path) == {
        "kind": "orders",
        "rows": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
    }
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Order.order_id,
                Order.buyer_id,
                Order.date,
                Order.amount,
                Order.currency,
                Order.terms_days,
                Order.delivery_date,
                Order.status,
            ).order_by(Order.order_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("O1", "B1", dt.date(2024, 5, 1), 120050, "EUR", 60, dt.date(2024, 5, 20), "delivered"),
        ("O2", "B2", dt.date(2024, 5, 2), 8000, "GBP", None, None, "open"),
    ]
    # the same file again changes nothing
    assert _import(engine, ledger, "orders", path) == {
        "kind": "orders",
        "rows": 2,
        "inserted": 0,
        "updated": 0,
        "unchanged": 2,
    }


def test_a_changed_order_is_updated_and_audited(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    _import(engine, ledger, "orders", write_csv(tmp_path, "orders.csv", ORDERS))
    cancelled = ORDERS.replace("2024-05-20,delivered", "2024-05-20,cancelled")
    result = _import(engine, ledger, "orders", write_csv(tmp_path, "orders2.csv", cancelled))
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 1, 1)
    assert _updates(engine, "orders") == [("O1", {"status": "delivered"}, {"status": "cancelled"})]


def test_bad_orders_are_refused_row_by_row_and_nothing_is_written(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    text = """
    order_id,buyer_id,date,amount,currency,status
    O1,NOPE,2024-05-01,10.00,EUR,open
    O2,B1,2024-05-01,10.00,EUR,shipped
    O3,B1,2024-05-01,-4,EUR,open
    O1,B1,2024-05-01,10.00,EUR,open
    """
    assert _refused(engine, ledger, "orders", write_csv(tmp_path, "orders.csv", text)) == {
        (2, "buyer_id", "unknown buyer 'NOPE'"),
        (3, "status", "status must be open, delivered or cancelled"),
        (4, "amount", "negative amount: '-4'"),
        (5, "order_id", "duplicate order_id 'O1' (first on row 2)"),
    }
    assert _count(engine, Order) == 0


# ----------------------------------------------------------------------------- disputes

DISPUTES = """
dispute_id,invoice_id,opened_on,reason,amount,resolved_on,outcome
D1,I1,2024-02-15,quality complaint,,,
D2,I1,2024-01-20,late delivery,150.00,2024-02-10,valid
D3,I2,2024-03-01,price discrepancy,,2024-03-05,justified
D4,I1,2024-03-01,missing documents,,,
"""


def test_disputes_default_to_the_open_amount_of_their_invoice_on_the_day(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "disputes.csv", DISPUTES)
    assert _import(engine, ledger, "disputes", path)["inserted"] == 4
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Dispute.dispute_id,
                Dispute.amount,
                Dispute.resolved_on,
                Dispute.outcome,
                Dispute.reason,
            ).order_by(Dispute.dispute_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        # 1000.00 less the 300.00 paid on 2024-02-01
        ("D1", 70000, None, None, "quality complaint"),
        ("D2", 15000, dt.date(2024, 2, 10), "valid", "late delivery"),
        # nothing settled on I2: all of its 250.00 GBP
        ("D3", 25000, dt.date(2024, 3, 5), "justified", "price discrepancy"),
        # the credit note of the same day counts: 1000.00 - 300.00 - 200.00
        ("D4", 50000, None, None, "missing documents"),
    ]
    assert _import(engine, ledger, "disputes", path) == {
        "kind": "disputes",
        "rows": 4,
        "inserted": 0,
        "updated": 0,
        "unchanged": 4,
    }


def test_a_changed_dispute_is_updated_and_audited_in_the_invoice_currency(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    _import(engine, ledger, "disputes", write_csv(tmp_path, "disputes.csv", DISPUTES))
    changed = DISPUTES.replace(
        "D1,I1,2024-02-15,quality complaint,,,",
        "D1,I1,2024-02-15,quality complaint,,2024-04-02,valid",
    ).replace("late delivery,150.00", "late delivery,175.25")
    result = _import(engine, ledger, "disputes", write_csv(tmp_path, "d2.csv", changed))
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 2, 2)
    assert sorted(_updates(engine, "disputes")) == [
        (
            "D1",
            {"resolved_on": None, "outcome": None},
            {"resolved_on": "2024-04-02", "outcome": "valid"},
        ),
        ("D2", {"amount": "150.00"}, {"amount": "175.25"}),
    ]


def test_bad_disputes_are_refused_row_by_row_and_nothing_is_written(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    text = """
    dispute_id,invoice_id,opened_on,reason,amount,resolved_on,outcome
    D1,NOPE,2024-02-15,quality,,,
    D2,I1,2024-02-15,quality,,2024-02-14,valid
    D3,I1,2024-02-15,quality,,,valid
    D4,I1,2024-02-15,quality,,2024-02-20,
    D5,I1,2024-02-15,quality,1000.01,,
    D6,I1,2024-02-15,quality,,2024-02-20,maybe
    D7,I2,2024-02-15,,,,
    D8,I2,2024-02-15,quality,1.001,,
    """
    assert _refused(engine, ledger, "disputes", write_csv(tmp_path, "disputes.csv", text)) == {
        (2, "invoice_id", "unknown invoice 'NOPE'"),
        (3, "resolved_on", "resolved before it was opened"),
        (4, "resolved_on", "an outcome needs the day the dispute was resolved"),
        (5, "outcome", "a resolved dispute needs an outcome (valid or justified)"),
        (6, "amount", "dispute amount is larger than the invoice amount"),
        (7, "outcome", "outcome must be valid or justified"),
        (8, "reason", "missing value"),
        (9, "amount", "'1.001' has more decimal places than GBP allows"),
    }
    assert _count(engine, Dispute) == 0


# ------------------------------------------------------------------------------- events

EVENTS = """
event_id,date,type,buyer_id,registration_number,source,details
E1,2024-05-01,insolvency,B1,,credit bureau,petition filed
E2,2024-05-02,rating_downgrade,,de123,credit bureau,
E3,2024-05-03,payment_default,NOPE,,credit insurer,
E4,2024-05-04,legal_proceedings,,XX999,,
E5,2024-05-05,management_change,,DUP,,
E6,2024-05-06,management_change,B2,XX999,,new CEO
"""
UNMATCHED = [
    {"row": 4, "event_id": "E3", "message": "unknown buyer 'NOPE'"},
    {"row": 5, "event_id": "E4", "message": "no buyer has registration number 'XX999'"},
    {"row": 6, "event_id": "E5", "message": "several buyers have registration number 'DUP'"},
]


def test_events_match_buyers_by_id_or_registration_number_and_report_the_rest(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "events.csv", EVENTS)
    assert _import(engine, ledger, "events", path) == {
        "kind": "events",
        "rows": 6,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "unmatched": UNMATCHED,
    }
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                BuyerEvent.event_id,
                BuyerEvent.buyer_id,
                BuyerEvent.date,
                BuyerEvent.type,
                BuyerEvent.source,
                BuyerEvent.details,
            ).order_by(BuyerEvent.event_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("E1", "B1", dt.date(2024, 5, 1), "insolvency", "credit bureau", "petition filed"),
        ("E2", "B1", dt.date(2024, 5, 2), "rating_downgrade", "credit bureau", None),
        # a buyer_id wins over a registration number
        ("E6", "B2", dt.date(2024, 5, 6), "management_change", None, "new CEO"),
    ]
    again = _import(engine, ledger, "events", path)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["unmatched"] == UNMATCHED


def test_a_changed_event_is_updated_and_audited(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    _import(engine, ledger, "events", write_csv(tmp_path, "events.csv", EVENTS))
    changed = EVENTS.replace("credit bureau,petition filed", "credit bureau,court opened it")
    result = _import(engine, ledger, "events", write_csv(tmp_path, "e2.csv", changed))
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 1, 2)
    assert _updates(engine, "buyer_events") == [
        ("E1", {"details": "petition filed"}, {"details": "court opened it"})
    ]


def test_bad_events_are_refused_row_by_row_and_nothing_is_written(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    text = """
    event_id,date,type,buyer_id,registration_number
    E1,2024-05-01,bankruptcy,B1,
    E2,2024-05-01,insolvency,,
    E3,2024-13-01,insolvency,B1,
    E4,2024-05-01,insolvency,NOPE,
    """
    assert _refused(engine, ledger, "events", write_csv(tmp_path, "events.csv", text)) == {
        (
            2,
            "type",
            "unknown event type 'bankruptcy' (one of insolvency, payment_default,"
            " legal_proceedings, rating_downgrade, management_change)",
        ),
        (3, "buyer_id", "give the buyer_id or the registration_number"),
        (4, "date", "not a date in YYYY-MM-DD form: '2024-13-01'"),
    }
    assert _count(engine, BuyerEvent) == 0


def test_an_events_file_without_a_buyer_column_is_refused(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "events.csv", "event_id,date,type\nE1,2024-05-01,insolvency")
    assert _refused(engine, ledger, "events", path) == {
        (1, "buyer_id", "give a buyer_id or a registration_number column")
    }


@pytest.mark.usefixtures("ledger")
def test_the_cli_reports_unmatched_events_in_its_table_and_its_json(
    db_url: str, tmp_path: Path
) -> None:
    path = str(write_csv(tmp_path, "events.csv", EVENTS))
    runner = CliRunner()
    table = runner.invoke(app, ["--db", db_url, "import", "events", path], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "Skipped: no buyer matches these events" in table.stdout
    assert "several buyers have registration number 'DUP'" in table.stdout
    document = runner.invoke(app, ["--db", db_url, "import", "events", path, "--format", "json"])
    assert document.exit_code == 0, document.output
    assert '"unmatched": [' in document.stdout
    assert '"message": "no buyer has registration number \'XX999\'"' in document.stdout
