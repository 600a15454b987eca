"""Opening, resolving and listing disputes on both databases: amounts, refusals, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.disputes import service as disputes
from tradeguard.domain.disputes import DisputeStatus
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work

FILES = {
    "buyers": "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,GB,retail",
    "invoices": "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
    "I1,B1,2024-01-10,2024-03-10,1000.00,EUR\nI2,B2,2024-02-01,2024-03-01,250.00,GBP",
    "payments": "payment_id,buyer_id,date,amount,currency,invoice_id\n"
    "P1,B1,2024-02-01,300.00,EUR,I1",
}


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        for kind, text in FILES.items():
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
    return org


def _open(session: Session, org: Organisation, **given: object) -> disputes.DisputeRecord:
    arguments: dict[str, object] = {"opened_on": dt.date(2024, 2, 15), **given}
    return disputes.open_dispute(
        session,
        org,
        str(arguments.pop("invoice_id", "I1")),
        str(arguments.pop("reason", "quality complaint")),
        "tester",
        **arguments,  # type: ignore[arg-type]
    )


def test_a_dispute_is_over_what_was_open_unless_an_amount_is_given(
    session: Session, ledger: Organisation
) -> None:
    whole = _open(session, ledger, dispute_id="D1")
    assert whole == disputes.DisputeRecord(
        dispute_id="D1",
        invoice_id="I1",
        buyer_id="B1",
        opened_on=dt.date(2024, 2, 15),
        reason="quality complaint",
        amount=Decimal("700.00"),  # 1000.00 less the 300.00 paid on 2024-02-01
        currency="EUR",
        resolved_on=None,
        outcome=None,
        status=DisputeStatus.OPEN,
    )
    before_payment = _open(session, ledger, opened_on=dt.date(2024, 1, 31))
    assert before_payment.amount == Decimal("1000.00")
    assert before_payment.dispute_id.startswith("D-")
    assert len(before_payment.dispute_id) == 14
    part = _open(session, ledger, invoice_id="I2", amount=Decimal("80.5"), dispute_id="D3")
    assert (part.amount, part.currency, part.buyer_id) == (Decimal("80.50"), "GBP", "B2")


def test_opening_refuses_unknown_invoices_too_large_amounts_and_taken_ids(
    session: Session, ledger: Organisation
) -> None:
    with pytest.raises(NotFoundError, match="no invoice 'NOPE'"):
        _open(session, ledger, invoice_id="NOPE")
    with pytest.raises(InvalidInputError, match=r"larger than invoice I1.s amount of 1000\.00 EUR"):
        _open(session, ledger, amount=Decimal("1000.01"))
    with pytest.raises(InvalidInputError, match=r"1\.001 has more than 2 decimal places for EUR"):
        _open(session, ledger, amount=Decimal("1.001"))
    with pytest.raises(InvalidInputError, match="needs a reason"):
        _open(session, ledger, reason="  ")
    _open(session, ledger, dispute_id="D1")
    with pytest.raises(ConflictError, match="dispute 'D1' already exists"):
        _open(session, ledger, dispute_id="D1")


def test_a_dispute_is_resolved_once_and_both_steps_are_audited(
    session: Session, ledger: Organisation
) -> None:
    _open(session, ledger, dispute_id="D1")
    with pytest.raises(InvalidInputError, match="cannot be resolved before, on 2024-02-14"):
        disputes.resolve_dispute(
            session, ledger, "D1", "valid", "tester", resolved_on=dt.date(2024, 2, 14)
        )
    with pytest.raises(InvalidInputError, match="unknown outcome 'maybe'"):
        disputes.resolve_dispute(
            session, ledger, "D1", "maybe", "tester", resolved_on=dt.date(2024, 3, 1)
        )
    resolved = disputes.resolve_dispute(
        session,
        ledger,
        "D1",
        "justified",
        "tester",
        resolved_on=dt.date(2024, 3, 1),
        comment="goods were damaged",
    )
    assert (resolved.status, resolved.outcome, resolved.resolved_on) == (
        DisputeStatus.RESOLVED,
        "justified",
        dt.date(2024, 3, 1),
    )
    with pytest.raises(ConflictError, match="already resolved on 2024-03-01 \\(justified\\)"):
        disputes.resolve_dispute(
            session, ledger, "D1", "valid", "tester", resolved_on=dt.date(2024, 3, 2)
        )
    with pytest.raises(NotFoundError, match="no dispute 'D9'"):
        disputes.resolve_dispute(
            session, ledger, "D9", "valid", "tester", resolved_on=dt.date(2024, 3, 2)
        )
    entries = session.execute(
        select(AuditEntry.action, AuditEntry.entity_key, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity == "disputes")
        .order_by(AuditEntry.id)
    ).all()
    assert [(a, k) for a, k, _, _ in entries] == [("open_dispute", "D1"), ("resolve_dispute", "D1")]
    opened_after = entries[0][3]
    assert (opened_after["amount"], opened_after["status"]) == ("700.00", "open")
    _, _, before, after = entries[1]
    assert (before["status"], before["outcome"]) == ("open", None)
    assert (after["status"], after["outcome"], after["resolved_on"], after["comment"]) == (
        "resolved",
        "justified",
        "2024-03-01",
        "goods were damaged",
    )


def test_disputes_are_listed_by_status_and_buyer_within_the_organisation(
    session: Session, ledger: Organisation
) -> None:
    _open(session, ledger, dispute_id="D1")
    _open(session, ledger, dispute_id="D2", invoice_id="I2", opened_on=dt.date(2024, 2, 2))
    disputes.resolve_dispute(
        session, ledger, "D2", "valid", "tester", resolved_on=dt.date(2024, 2, 20)
    )

    def ids(**filters: object) -> list[str]:
        return [r.dispute_id for r in disputes.list_disputes(session, ledger, **filters)]  # type: ignore[arg-type]

    assert ids() == ["D2", "D1"]  # oldest first
    assert ids(status=DisputeStatus.OPEN) == ["D1"]
    assert ids(status=DisputeStatus.RESOLVED) == ["D2"]
    assert ids(buyer_id="B2") == ["D2"]
    with pytest.raises(NotFoundError, match="no buyer 'NOPE'"):
        ids(buyer_id="NOPE")
    other, _ = create_or_get(session, "Rival Trading", "USD", "test")
    assert disputes.list_disputes(session, other) == []
    with pytest.raises(NotFoundError):
        disputes.resolve_dispute(
            session, other, "D1", "valid", "x", resolved_on=dt.date(2024, 3, 1)
        )
    with pytest.raises(NotFoundError):
        disputes.open_dispute(session, other, "I1", "mine", "x", opened_on=dt.date(2024, 3, 1))
