"""The daily monitoring on both databases: each condition raises one alert on the day it
starts holding, never twice (reruns, catch-up, a resolved alert), again once it came
back; insolvency cuts the limit at once; downgrades propose cuts; organisations apart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.credit import repository as credit_repository
from tradeguard.cycle.service import run_cycle
from tradeguard.domain.credit.scores import BuyerScore
from tradeguard.domain.errors import NotFoundError
from tradeguard.domain.workflow import IllegalTransitionError
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import BuyerEvent
from tradeguard.ledger.repository import load_snapshot
from tradeguard.limits import repository as limits_repository
from tradeguard.limits import service as limits
from tradeguard.monitoring import service as monitoring
from tradeguard.monitoring.models import Alert


def _ledger(engine: Engine, org: Organisation, folder: Path) -> None:
    """Three buyers of equal receivables (no concentration); B1's invoice falls due on
    31 January 2024, the others' at the end of June. Invoices overdue more than 30 days
    raise an alert (the scenarios are dated for that threshold)."""
    with unit_of_work(engine) as session:
        monitoring.save_settings(session, org, {"overdue_days": 30}, "t")
        import_file(
            session,
            org,
            "buyers",
            write_csv(
                folder,
                "b.csv",
                "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,DE,retail\nB3,Gamma,FR,retail",
            ),
            "t",
        )
        import_file(
            session,
            org,
            "invoices",
            write_csv(
                folder,
                "i.csv",
                "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
                "I1,B1,2024-01-01,2024-01-31,100,EUR\n"
                "I2,B2,2024-01-01,2024-06-30,100,EUR\n"
                "I3,B3,2024-01-01,2024-06-30,100,EUR",
            ),
            "t",
        )


def _cycle(engine: Engine, org: Organisation, day: str) -> list[dt.date]:
    with unit_of_work(engine) as session:
        return run_cycle(session, org, dt.date.fromisoformat(day), "t").caught_up


def _alerts(engine: Engine, org: Organisation, rule: str) -> list[Alert]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(Alert).where(Alert.org_id == org.id, Alert.rule == rule).order_by(Alert.id)
            )
        )


def test_an_overdue_invoice_raises_once_on_the_day_it_passes_the_threshold(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    _ledger(engine, org, tmp_path)
    assert _cycle(engine, org, "2024-03-01") == []  # 30 days overdue: not yet
    assert _alerts(engine, org, "overdue") == []
    # Two days later: the missed day is caught up, and it is the day the alert is raised.
    assert _cycle(engine, org, "2024-03-03") == [dt.date(2024, 3, 2)]
    assert _cycle(engine, org, "2024-03-03") == []  # twice does nothing twice
    [alert] = _alerts(engine, org, "overdue")
    assert (alert.buyer_id, alert.raised_on, alert.severity, alert.status) == (
        "B1",
        dt.date(2024, 3, 2),
        "medium",
        "open",
    )
    assert alert.evidence == {
        "days_overdue": 31,
        "invoice_id": "I1",
        "long_overdue": "100.00",
        "receivables": "100.00",
        "currency": "EUR",
    }

    with unit_of_work(engine) as session:
        acknowledged = monitoring.acknowledge(session, org, alert.id, "calling them", "user:cm")
        assert (acknowledged.status, acknowledged.acknowledged_by) == ("acknowledged", "user:cm")
        assert acknowledged.acknowledged_comment == "calling them"
    with pytest.raises(IllegalTransitionError), unit_of_work(engine) as session:
        monitoring.acknowledge(session, org, alert.id, None, "user:cm")
    with unit_of_work(engine) as session:
        resolved = monitoring.resolve(session, org, alert.id, "promised to pay", "user:cm")
        assert resolved.status == "resolved"
        assert resolved.resolved_at is not None
    with pytest.raises(IllegalTransitionError), unit_of_work(engine) as session:
        monitoring.resolve(session, org, alert.id, None, "user:cm")

    # Still overdue the next day, alert resolved: the same condition does not raise again.
    _cycle(engine, org, "2024-03-04")
    assert len(_alerts(engine, org, "overdue")) == 1
    # Paid on the 5th: the condition is gone; a new invoice long overdue brings it back.
    with unit_of_work(engine) as session:
        import_file(
            session,
            org,
            "payments",
            write_csv(
                tmp_path,
                "p.csv",
                "payment_id,buyer_id,date,amount,currency,invoice_id\nP1,B1,2024-03-05,100,EUR,I1",
            ),
            "t",
        )
    _cycle(engine, org, "2024-03-05")
    assert len(_alerts(engine, org, "overdue")) == 1
    with unit_of_work(engine) as session:
        import_file(
            session,
            org,
            "invoices",
            write_csv(
                tmp_path,
                "i4.csv",
                "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI4,B1,2024-01-02,2024-02-01,100,EUR",
            ),
            "t",
        )
    _cycle(engine, org, "2024-03-06")
    again = _alerts(engine, org, "overdue")
    assert [(a.raised_on, a.evidence["invoice_id"]) for a in again] == [
        (dt.date(2024, 3, 2), "I1"),
        (dt.date(2024, 3, 6), "I4"),
    ]
    with unit_of_work(engine) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.entity == "alerts",
                AuditEntry.entity_key.in_([str(a.id) for a in again]),
            )
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["raise", "acknowledge", "resolve", "raise"]


def test_another_organisation_never_sees_the_alerts(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    _ledger(engine, org, tmp_path)
    _cycle(engine, org, "2024-03-03")
    [alert] = _alerts(engine, org, "overdue")
    with unit_of_work(engine) as session:
        other, _ = create_or_get(session, "Rival Trading", "EUR", "t")
        assert monitoring.list_alerts(session, other).total == 0
        assert monitoring.list_alerts(session, org, status="open").total >= 1
    with pytest.raises(NotFoundError), unit_of_work(engine) as session:
        monitoring.resolve(session, other, alert.id, None, "user:rival")


def test_an_insolvency_cuts_the_limit_to_zero_and_stops_shipments_once(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    _ledger(engine, org, tmp_path)
    with unit_of_work(engine) as session:
        limits_repository.save_limit(
            session,
            org.id,
            "B2",
            amount=500_000,
            currency="EUR",
            request_id=None,
            set_by="t",
            set_at=dt.datetime.now(dt.UTC),
        )
        session.add(
            BuyerEvent(
                org_id=org.id,
                event_id="E1",
                buyer_id="B2",
                date=dt.date(2024, 3, 1),
                type="insolvency",
                source="credit bureau",
            )
        )
    _cycle(engine, org, "2024-02-29")  # the day before the news: nothing
    assert _alerts(engine, org, "severe_event") == []
    _cycle(engine, org, "2024-03-01")
    _cycle(engine, org, "2024-03-02")
    [alert] = _alerts(engine, org, "severe_event")
    assert (alert.buyer_id, alert.condition, alert.severity) == ("B2", "E1", "high")
    assert alert.evidence == {
        "event_id": "E1",
        "event_type": "insolvency",
        "event_date": "2024-03-01",
    }
    with unit_of_work(engine) as session:
        in_force = limits.buyer_limits(session, org, "B2", dt.date(2024, 3, 2))
        cuts = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_key == "B2", AuditEntry.action.in_(["cut", "stop_shipment"])
            )
        ).all()
    assert in_force.limit is not None
    assert in_force.limit.amount == Decimal("0.00")
    assert in_force.stop_shipment is not None
    assert (in_force.stop_shipment.kind, in_force.stop_shipment.reason) == (
        "permanent",
        "insolvency event E1",
    )
    assert sorted(cuts) == ["cut", "stop_shipment"]


def _score(session: Session, org: Organisation, buyer: str, day: dt.date, grade: int) -> None:
    credit_repository.replace_scores(
        session,
        org.id,
        day,
        [
            BuyerScore(
                buyer_id=buyer,
                as_of=day,
                model="expert",
                score=50.0,
                confidence=1.0,
                pd=0.02,
                grade=grade,
                credit_class="A" if grade <= 5 else "B",
                limit_recommended=Decimal("30000.00"),
                currency="EUR",
                altman=None,
                country_grade=2,
                reasons=(),
            )
        ],
    )


def test_a_downgrade_proposes_a_cut_that_a_credit_manager_decides(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    _ledger(engine, org, tmp_path)
    day = dt.date(2024, 3, 1)
    with unit_of_work(engine) as session:
        limits_repository.save_limit(
            session,
            org.id,
            "B3",
            amount=10_000_000,
            currency="EUR",
            request_id=None,
            set_by="t",
            set_at=dt.datetime.now(dt.UTC),
        )
        _score(session, org, "B3", day - dt.timedelta(days=10), 4)
        _score(session, org, "B3", day, 6)
        snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
        result = monitoring.monitor(session, org, day, snapshot)
    assert result["alerts_raised"] == {"grade_downgrade": 1}  # B1 is 30 days overdue: not yet
    assert result["limit_actions"] == {"propose_cut": 1}
    with unit_of_work(engine) as session:
        [proposal] = limits.pending_limit_requests(session, org)
        record = limits.limit_request(session, org, proposal.id)
        assert (record.origin, record.amount, record.requested_by) == (
            "proposal",
            Decimal("30000.00"),
            "tradeguard:monitoring",
        )
        assert record.reason == (
            "downgrade from grade 4 to 6: proposed cut from 100000.00 to 30000.00"
        )
        decided = limits.decide(
            session, org, proposal.id, "approve", "agreed", "user:cm", today=day
        )
        assert decided.status == "approved"
    with unit_of_work(engine) as session:
        next_day = day + dt.timedelta(days=1)
        _score(session, org, "B3", next_day, 6)
        snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
        again = monitoring.monitor(session, org, next_day, snapshot)
        assert again["limit_actions"] == {}  # the downgrade still holds: nothing new
        assert limits.buyer_limits(session, org, "B3", next_day).limit.amount == Decimal(  # type: ignore[union-attr]
            "30000.00"
        )
