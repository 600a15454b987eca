"""Limit requests: the state machine, the limit in force, history and audit; stop-shipment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.conftest import write_csv
from tradeguard.services import limits
from tradeguard.services.imports import import_file
from tradeguard.services.ledger import NotFoundError
from tradeguard.store.db import unit_of_work
from tradeguard.store.models import AuditEntry, Organisation


@pytest.fixture
def buyer(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        path = write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,Alpha,DE,Retail")
        import_file(session, org, "buyers", path, "test")
    return org


def test_request_approve_reject_and_history(engine: Engine, buyer: Organisation) -> None:
    with unit_of_work(engine) as session:
        first = limits.request_limit(session, buyer, "B1", Decimal("50000"), "new order", "sales")
        second = limits.request_limit(session, buyer, "B1", Decimal("90000"), None, "sales")
        assert limits.limit_in_force(session, buyer, "B1") is None
        limits.decide(
            session, buyer, first.id, "approve", "good payer", "cm", amount=Decimal("40000")
        )
        limits.decide(session, buyer, second.id, "reject", "too much for grade 6", "cm")
        with pytest.raises(limits.LimitWorkflowError, match="already approved"):
            limits.decide(session, buyer, first.id, "reject", "changed my mind", "cm")
        third = limits.request_limit(session, buyer, "B1", Decimal("1"), None, "sales")
        with pytest.raises(limits.LimitWorkflowError, match="reason"):
            limits.decide(session, buyer, third.id, "approve", " ", "cm")
        assert limits.limit_in_force(session, buyer, "B1") == Decimal("40000.00")
        history = limits.history(session, buyer, "B1")
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity.startswith("credit_limit"))
        ).all()
    assert [(h["status"], h["approved_amount"]) for h in history] == [
        ("approved", Decimal("40000.00")),
        ("rejected", None),
        ("pending", None),
    ]
    assert history[0]["decided_by"] == "cm"
    assert history[1]["decision_reason"] == "too much for grade 6"
    assert sorted(actions) == ["approve", "insert", "reject", "request", "request", "request"]


def test_unknown_buyer_or_request(engine: Engine, buyer: Organisation) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(NotFoundError):
            limits.request_limit(session, buyer, "NOPE", Decimal("1"), None, "sales")
        with pytest.raises(NotFoundError):
            limits.decide(session, buyer, 999, "approve", "x", "cm")


def test_stop_shipment_temporary_and_permanent(engine: Engine, buyer: Organisation) -> None:
    day = dt.date(2025, 3, 1)
    with unit_of_work(engine) as session:
        limits.stop_shipment(session, buyer, "B1", "overdue 60 days", "cm", until=day)
        assert limits.is_stopped(session, buyer, "B1", day)
        assert not limits.is_stopped(session, buyer, "B1", day + dt.timedelta(days=1))
        limits.stop_shipment(session, buyer, "B1", "insolvency filed", "cm")
        assert limits.is_stopped(session, buyer, "B1", day + dt.timedelta(days=999))
        limits.lift_stop(session, buyer, "B1", "paid in full", "cm")
        assert not limits.is_stopped(session, buyer, "B1", day)
        with pytest.raises(NotFoundError):
            limits.lift_stop(session, buyer, "B1", "again", "cm")
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "stop_shipments")
        ).all()
    assert actions == ["stop_shipment", "stop_shipment", "lift_stop_shipment"]
