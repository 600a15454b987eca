"""Limit requests: the state machine, the limit in force, history and audit; stop-shipment."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.credit import service as credit
from tradeguard.domain.errors import NotFoundError, PermissionDeniedError
from tradeguard.domain.workflow import IllegalTransitionError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.limits import service as limits
from tradeguard.limits.models import CreditLimitRequest

TODAY = dt.date.today()  # the day of the decisions (a buyer without a score is scored then)


@pytest.fixture
def buyer(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        path = write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,Alpha,DE,Retail")
        import_file(session, org, "buyers", path, "test")
    return org


def _limit_in_force(session: Session, org: Organisation) -> Decimal | None:
    found = limits.buyer_limits(session, org, "B1", dt.date(2025, 3, 1)).limit
    return None if found is None else found.amount


def _stopped(session: Session, org: Organisation, on: dt.date) -> bool:
    stop = limits.current_stop(session, org, "B1", on)
    return stop is not None and stop.active


def test_request_approve_reject_and_history(engine: Engine, buyer: Organisation) -> None:
    with unit_of_work(engine) as session:
        first = limits.request_limit(session, buyer, "B1", Decimal("50000"), "new order", "sales")
        second = limits.request_limit(session, buyer, "B1", Decimal("90000"), None, "sales")
        assert _limit_in_force(session, buyer) is None
        limits.decide(
            session,
            buyer,
            first.id,
            "approve",
            "good payer",
            "cm",
            amount=Decimal("40000"),
            today=TODAY,
        )
        limits.decide(
            session, buyer, second.id, "reject", "too much for grade 6", "cm", today=TODAY
        )
        with pytest.raises(IllegalTransitionError, match="already approved"):
            limits.decide(session, buyer, first.id, "reject", "changed my mind", "cm", today=TODAY)
        third = limits.request_limit(session, buyer, "B1", Decimal("1"), None, "sales")
        with pytest.raises(limits.LimitWorkflowError, match="reason"):
            limits.decide(session, buyer, third.id, "approve", " ", "cm", today=TODAY)
        assert _limit_in_force(session, buyer) == Decimal("40000.00")
        history = limits.history(session, buyer, "B1")
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity.startswith("credit_limit"))
        ).all()
    assert [(h.status, h.approved_amount) for h in history] == [
        ("approved", Decimal("40000.00")),
        ("rejected", None),
        ("pending", None),
    ]
    assert history[0].decided_by == "cm"
    assert history[1].decision_reason == "too much for grade 6"
    assert sorted(actions) == ["approve", "insert", "reject", "request", "request", "request"]


def test_unknown_buyer_or_request(engine: Engine, buyer: Organisation) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(NotFoundError):
            limits.request_limit(session, buyer, "NOPE", Decimal("1"), None, "sales")
        with pytest.raises(NotFoundError):
            limits.decide(session, buyer, 999, "approve", "x", "cm", today=TODAY)


def test_stop_shipment_temporary_and_permanent(engine: Engine, buyer: Organisation) -> None:
    day = dt.date(2025, 3, 1)
    with unit_of_work(engine) as session:
        limits.stop_shipment(session, buyer, "B1", "overdue 60 days", "cm", until=day, today=day)
        assert _stopped(session, buyer, day)
        assert not _stopped(session, buyer, day + dt.timedelta(days=1))
        limits.stop_shipment(session, buyer, "B1", "insolvency filed", "cm", today=day)
        with pytest.raises(IllegalTransitionError, match="lift it first"):
            limits.stop_shipment(session, buyer, "B1", "short", "cm", until=day, today=day)
        assert _stopped(session, buyer, day + dt.timedelta(days=999))
        limits.lift_stop(session, buyer, "B1", "paid in full", "cm")
        assert not _stopped(session, buyer, day)
        with pytest.raises(NotFoundError):
            limits.lift_stop(session, buyer, "B1", "again", "cm")
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "stop_shipments")
        ).all()
    assert actions == ["stop_shipment", "stop_shipment", "lift_stop_shipment"]


def test_a_stop_until_a_past_day_is_refused(engine: Engine, buyer: Organisation) -> None:
    today = dt.date(2026, 6, 1)
    with unit_of_work(engine) as session:
        with pytest.raises(limits.LimitWorkflowError, match="2020-01-01 is in the past"):
            limits.stop_shipment(
                session, buyer, "B1", "x", "cm", until=dt.date(2020, 1, 1), today=today
            )
        limits.stop_shipment(session, buyer, "B1", "until today", "cm", until=today, today=today)
        with pytest.raises(limits.LimitWorkflowError, match="needs a reason"):
            limits.lift_stop(session, buyer, "B1", " ", "cm")


@pytest.fixture
def defaulted(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    """B1 owes an invoice due 2024-01-31, 138 days past due on 2024-06-17, scored then;
    B2 pays on time."""
    with unit_of_work(engine) as session:
        for kind, text in (
            ("buyers", "buyer_id,name,country,industry\nB1,Alpha,DE,retail\nB2,Beta,DE,retail"),
            (
                "invoices",
                "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
                "I1,B1,2024-01-01,2024-01-31,60000.00,EUR\nI2,B2,2024-05-01,2024-06-30,10.00,EUR",
            ),
        ):
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
        credit.score_buyers(session, org, dt.date(2024, 6, 17))
    return org


def test_the_default_trigger_is_the_first_reason(engine: Engine, defaulted: Organisation) -> None:
    with unit_of_work(engine) as session:
        score = credit.buyer_score(session, defaulted, "B1", today=dt.date.today())
        healthy = credit.buyer_score(session, defaulted, "B2", today=dt.date.today())
    assert (score.grade, score.credit_class, score.pd) == (10, "C", 1.0)
    assert score.reasons[0].code == "DEFAULT_DAYS_OVERDUE"
    assert score.reasons[0].message == "invoice 138 days past due (default at 90)"
    assert not any(r.code.startswith("DEFAULT_") for r in healthy.reasons)


def test_shipping_follows_class_grade_and_the_stop(engine: Engine, defaulted: Organisation) -> None:
    day = dt.date(2024, 6, 17)
    with unit_of_work(engine) as session:
        shipping = limits.buyer_limits(session, defaulted, "B1", day).shipping
        limits.stop_shipment(session, defaulted, "B2", "fraud check", "cm", until=day, today=day)
        stopped = limits.buyer_limits(session, defaulted, "B2", day).shipping
        later = limits.buyer_limits(session, defaulted, "B2", day + dt.timedelta(days=1))
    assert shipping.status == "cash_before_delivery"
    assert asdict(shipping.reasons[0]) == {
        "code": "DEFAULT_DAYS_OVERDUE",
        "message": "invoice 138 days past due (default at 90)",
    }
    assert asdict(shipping.reasons[-1]) == {
        "code": "CLASS_C",
        "message": "class C (grade 10): cash before delivery",
    }
    assert stopped.status == "stopped"
    assert stopped.reasons[0].message == "shipments stopped until 2024-06-17: fraud check"
    assert later.shipping.status != "stopped"


def test_approving_a_defaulted_buyer_needs_an_override_reason(
    engine: Engine, defaulted: Organisation
) -> None:
    with unit_of_work(engine) as session:
        request = limits.request_limit(session, defaulted, "B1", Decimal(5000), None, "sales")
    with (
        unit_of_work(engine) as session,
        pytest.raises(limits.LimitWorkflowError, match=r"grade 10, class C .*--override-reason"),
    ):
        limits.decide(session, defaulted, request.id, "approve", "big customer", "cm", today=TODAY)
    with unit_of_work(engine) as session:
        row = limits.decide(
            session,
            defaulted,
            request.id,
            "approve",
            "big customer",
            "cm",
            override_reason="parent company guarantee",
            today=TODAY,
        )
        assert row.override_reason == "parent company guarantee"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).one()
    assert entry.after is not None
    assert entry.after["override_reason"] == "parent company guarantee"


def test_four_eyes_above_the_threshold(engine: Engine, buyer: Organisation) -> None:
    with unit_of_work(engine) as session:
        small = limits.request_limit(session, buyer, "B1", Decimal(10000), None, "cm")
        large = limits.request_limit(session, buyer, "B1", Decimal("10000.01"), None, "cm")
        raised = limits.request_limit(session, buyer, "B1", Decimal(100), None, "cm")
        limits.decide(session, buyer, small.id, "approve", "known", "cm", today=TODAY)
        with pytest.raises(PermissionDeniedError, match="other than its requester"):
            limits.decide(session, buyer, large.id, "reject", "no", "cm", today=TODAY)
        with pytest.raises(PermissionDeniedError, match="four eyes"):
            limits.decide(
                session, buyer, raised.id, "approve", "more", "cm", Decimal(20000), today=TODAY
            )
        limits.decide(session, buyer, raised.id, "withdraw", "not needed", "cm", today=TODAY)
        limits.decide(session, buyer, large.id, "approve", "checked", "head of credit", today=TODAY)
        credit.save_settings(session, buyer, {"four_eyes_amount": 50000}, "admin")
        again = limits.request_limit(session, buyer, "B1", Decimal(40000), None, "cm")
        limits.decide(session, buyer, again.id, "approve", "within my authority", "cm", today=TODAY)


def test_two_concurrent_decisions_one_wins(engine: Engine, buyer: Organisation) -> None:
    """Both read the request as pending, then decide at once: one wins, one conflicts."""
    with unit_of_work(engine) as session:
        request_id = limits.request_limit(session, buyer, "B1", Decimal(500), None, "sales").id
    ready = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def decide(decision: str) -> None:
        try:
            with unit_of_work(engine) as session:
                assert session.get(CreditLimitRequest, request_id).status == "pending"  # type: ignore[union-attr]
                ready.wait()
                limits.decide(
                    session, buyer, request_id, decision, "at once", f"cm-{decision}", today=TODAY
                )
            outcomes[decision] = "won"
        except IllegalTransitionError as error:
            outcomes[decision] = str(error)

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values())[-1] == "won"
    # the loser's conditional update changed nothing (or, had it read the row after the
    # winner committed, its status check refused first): a conflict either way
    assert sorted(outcomes.values())[0] in {
        f"request {request_id} was decided by someone else meanwhile",
        f"request {request_id} is already approved",
        f"request {request_id} is already rejected",
    }
    with unit_of_work(engine) as session:
        decided = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "credit_limit_requests", AuditEntry.action != "request"
            )
        ).all()
        row = session.get_one(CreditLimitRequest, request_id)
    assert len(decided) == 1
    winner = next(d for d, outcome in outcomes.items() if outcome == "won")
    assert (decided[0].action, row.decided_by) == (winner, f"cm-{winner}")
