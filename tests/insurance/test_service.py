"""Insurance through its service on a real ledger, on both databases: policies, the
insurer's limits, cover judged from imported invoices, notifications, claims through
their workflow with recoveries, premium declarations. Every number is worked by hand
in the test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.insurance.ledger import (
    BUYERS_HEADER,
    INVOICES_HEADER,
    LIMITS_HEADER,
    audited,
    covered,
    insure,
    load,
    provide_documents,
    terms,
)
from tradeguard.audit.models import AuditEntry
from tradeguard.domain.errors import (
    ConflictError,
    ImportRejectedError,
    InvalidInputError,
    NotFoundError,
)
from tradeguard.domain.insurance.claim import ClaimEvent
from tradeguard.domain.insurance.policy import InvalidPolicyError
from tradeguard.domain.insurance.workflow import ClaimStatus
from tradeguard.domain.workflow import IllegalTransitionError
from tradeguard.identity.models import Organisation
from tradeguard.insurance import service as insurance
from tradeguard.kit.db import unit_of_work
from tradeguard.limits import service as limits

D = dt.date
ZERO = Decimal(0)


# --- policies -----------------------------------------------------------------------


def test_a_policy_names_each_missing_and_unknown_key(session: Session, org: Organisation) -> None:
    partial = terms(colour="blue", rebate="0.1")
    del partial["insurer"], partial["waiting_period_days"]
    with pytest.raises(InvalidPolicyError) as refused:
        insurance.load_policy(session, org, partial, "cm")
    assert str(refused.value) == (
        "unknown policy keys: colour, rebate; missing policy keys: insurer, waiting_period_days"
    )
    with pytest.raises(InvalidPolicyError, match="first_loss_applies"):
        insure(session, org, first_loss_applies="sometimes")
    assert insurance.list_policies(session, org) == []


def test_one_policy_in_force_a_reload_replaces_it_and_the_same_file_is_a_no_op(
    session: Session, org: Organisation
) -> None:
    insure(session, org, number="P-2023", start="2023-01-01", end="2023-12-31")
    first = insure(session, org)
    assert insure(session, org) == first  # the same terms again: nothing written
    assert audited(session, "load_policy") == 2
    with pytest.raises(ConflictError, match="overlaps policy P-2024"):
        insure(session, org, number="P-2025", start="2024-12-31", end="2025-12-31")

    insure(session, org, insured_percentage=0.85)
    assert audited(session, "load_policy") == 3
    change = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "load_policy").order_by(AuditEntry.id.desc())
    ).first()
    assert change is not None and change.before is not None and change.after is not None
    assert (change.before["insured_percentage"], change.after["insured_percentage"]) == (
        "0.9",
        "0.85",
    )

    def number_on(day: dt.date) -> str | None:
        found = insurance.policy_on(session, org, day)
        return None if found is None else found.policy.number

    assert [number_on(d) for d in (D(2023, 12, 31), D(2024, 1, 1), D(2024, 12, 31))] == [
        "P-2023",
        "P-2024",
        "P-2024",
    ]
    assert number_on(D(2025, 1, 1)) is None
    in_force = insurance.require_policy(session, org, D(2024, 6, 1)).policy
    assert in_force.insured_percentage == Decimal("0.85")
    with pytest.raises(NotFoundError, match="no insurance policy is in force on 2025-01-01"):
        insurance.require_policy(session, org, D(2025, 1, 1))
    assert [p.policy.number for p in insurance.list_policies(session, org)] == ["P-2024", "P-2023"]


# --- the insurer's limits -------------------------------------------------------------


@pytest.fixture
def buyers(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "B1,Alpha,DE,retail", "B2,Beta,FR,x")
    return org


def test_insurer_limits_import_with_history_and_twice_is_nothing(
    engine: Engine, buyers: Organisation, tmp_path: Path
) -> None:
    rows = (
        LIMITS_HEADER,
        "B1,10000.00,EUR,2024-01-01,,",
        "B1,0,EUR,2024-06-01,,refused after the overdue notification",
        "B2,2500,USD,2024-02-01,2024-03-31,guarantee of the parent",
    )
    with unit_of_work(engine) as session:
        first = load(session, buyers, tmp_path, "insurer-limits", *rows)
    with unit_of_work(engine) as session:
        again = load(session, buyers, tmp_path, "insurer-limits", *rows)
        history = insurance.insurer_limits(session, buyers, "B1")
        [b2] = insurance.insurer_limits(session, buyers, "B2")
    assert (first.inserted, first.updated) == (3, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    # newest first; 0 is the insurer's refusal
    assert [(h.effective_date, h.amount, h.conditions) for h in history] == [
        (D(2024, 6, 1), ZERO, "refused after the overdue notification"),
        (D(2024, 1, 1), Decimal("10000.00"), None),
    ]
    assert (b2.amount, b2.currency, b2.expiry_date) == (Decimal("2500.00"), "USD", D(2024, 3, 31))
    assert b2.in_force(D(2024, 3, 31)) and not b2.in_force(D(2024, 4, 1))


def test_an_insurer_limits_file_with_one_bad_row_writes_nothing(
    engine: Engine, buyers: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session, pytest.raises(ImportRejectedError) as refused:
        load(
            session,
            buyers,
            tmp_path,
            "insurer-limits",
            LIMITS_HEADER,
            "B1,10000,EUR,2024-01-01,,",
            "B2,5000,EUR,2024-06-01,2024-05-31,",
            "NOPE,5000,EUR,2024-06-01,,",
        )
    assert [(e.row, e.column, e.message) for e in refused.value.errors] == [
        (3, "expiry_date", "expires before it takes effect"),
        (4, "buyer_id", "unknown buyer 'NOPE'"),
    ]
    with unit_of_work(engine) as session:
        assert insurance.insurer_limits(session, buyers, "B1") == []
        with pytest.raises(NotFoundError):
            insurance.insurer_limits(session, buyers, "NOPE")


# --- cover through the ledger ---------------------------------------------------------

COVER_BUYERS = (
    BUYERS_HEADER,
    "B1,Over,DE,x",  # limit 10,000
    "B2,Excluded,RU,x",  # limit 10,000 but the policy excludes RU
    "B3,Terms,FR,x",  # limit 10,000
    "B4,Disputed,DE,x",  # limit 10,000
    "B5,Discretionary,DE,x",  # no decision: the discretionary 5,000
    "B6,Refused,DE,x",  # refused from 15 May
    "B7,Stopped,DE,x",  # limit 10,000, notified on 10 May
    "B8,Missed,DE,x",  # limit 10,000, never notified
    "B9,Insolvent,DE,x",  # no decision, insolvent on 1 June
)
COVER_INVOICES = (
    INVOICES_HEADER,
    "I11,B1,2024-05-01,2024-06-30,6000.00,EUR,",
    "I12,B1,2024-05-02,2024-07-01,6000.00,EUR,",
    "I21,B2,2024-05-01,2024-06-30,1000.00,EUR,",
    "I31,B3,2024-05-01,2024-09-28,1000.00,EUR,",  # 150 days of terms
    "I32,B3,2024-01-02,2024-03-01,1000.00,EUR,2023-12-28",  # delivered before the start
    "I41,B4,2024-05-01,2024-06-30,1000.00,EUR,",
    "I51,B5,2024-05-01,2024-06-30,3000.00,EUR,",
    "I61,B6,2024-05-01,2024-06-30,1000.00,EUR,",
    "I62,B6,2024-05-20,2024-07-19,1000.00,EUR,",
    "I71,B7,2024-03-01,2024-04-30,2000.00,EUR,",
    "I72,B7,2024-05-20,2024-07-19,1000.00,EUR,",
    "I81,B8,2024-02-01,2024-03-31,1000.00,EUR,",
    "I82,B8,2024-06-01,2024-07-31,1000.00,EUR,",
    "I91,B9,2024-05-01,2024-06-30,1000.00,EUR,",
    "I92,B9,2024-06-05,2024-08-04,1000.00,EUR,",
)
COVER_LIMITS = (
    LIMITS_HEADER,
    *(f"{b},10000,EUR,2024-01-01,," for b in ("B1", "B2", "B3", "B4", "B7", "B8")),
    "B6,0,EUR,2024-05-15,,",
)


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        insure(session, org)
        load(session, org, tmp_path, "buyers", *COVER_BUYERS)
        load(session, org, tmp_path, "invoices", *COVER_INVOICES)
        load(session, org, tmp_path, "insurer-limits", *COVER_LIMITS)
        load(
            session,
            org,
            tmp_path,
            "disputes",
            "dispute_id,invoice_id,opened_on,reason",
            "D1,I41,2024-06-01,short delivery",
        )
        load(
            session,
            org,
            tmp_path,
            "events",
            "event_id,date,type,buyer_id",
            "E1,2024-06-01,insolvency,B9",
        )
    with unit_of_work(engine) as session:
        insurance.record_notification(session, org, "B7", D(2024, 5, 10), "cm", "ATR-7")
    return org


def test_each_reason_lands_on_its_invoice(engine: Engine, ledger: Organisation) -> None:
    on = D(2024, 6, 15)
    with unit_of_work(engine) as session:
        found = {b: covered(session, ledger, b, on) for b in ("B1", "B2", "B3", "B4", "B6")}
        found |= {b: covered(session, ledger, b, on) for b in ("B7", "B8")}
    assert found == {
        # limit 10,000: I11 takes 6,000 of it, I12 only the 4,000 left
        "B1": {"I11": (Decimal("6000.00"), None), "I12": (Decimal("4000.00"), "over_limit")},
        "B2": {"I21": (ZERO, "country_excluded")},
        "B3": {"I32": (ZERO, "outside_policy_period"), "I31": (ZERO, "terms_beyond_maximum")},
        "B4": {"I41": (ZERO, "disputed")},
        # delivered before the refusal of 15 May: the discretionary limit; after: none
        "B6": {"I61": (Decimal("1000.00"), None), "I62": (ZERO, "no_limit")},
        # notified on 10 May: I71 reported in time; I72 delivered after the stop
        "B7": {"I71": (Decimal("2000.00"), None), "I72": (ZERO, "after_stop_shipment")},
        # I81's deadline, 31 March + 60 days = 30 May, passed unreported: cover lost on
        # it and on I82, delivered after it
        "B8": {"I81": (ZERO, "notification_missed"), "I82": (ZERO, "notification_missed")},
    }


def test_the_discretionary_limit_holds_without_a_decision_until_adverse_news(
    engine: Engine, ledger: Organisation
) -> None:
    with unit_of_work(engine) as session:
        b5 = insurance.buyer_cover(session, ledger, "B5", D(2024, 6, 15))
        b6 = insurance.buyer_cover(session, ledger, "B6", D(2024, 6, 15))
        before_insolvency = covered(session, ledger, "B9", D(2024, 5, 31))
        b9 = insurance.buyer_cover(session, ledger, "B9", D(2024, 6, 15))
    assert b5 is not None and b6 is not None and b9 is not None
    assert (b5.limit, b5.discretionary, b5.covered, b5.headroom) == (
        Decimal("5000"),
        True,
        Decimal("3000.00"),
        Decimal("2000.00"),  # 5,000 − 3,000
    )
    assert (b6.limit, b6.discretionary, b6.headroom) == (None, False, None)  # refused
    assert before_insolvency == {"I91": (Decimal("1000.00"), None)}
    # the insolvency of 1 June ends the discretionary limit for what is delivered after
    # it; what was delivered before stays covered
    assert (b9.limit, b9.discretionary) == (None, False)
    assert {i.invoice_id: (i.covered, i.reason) for i in b9.invoices} == {
        "I91": (Decimal("1000.00"), None),
        "I92": (ZERO, "no_limit"),
    }


def test_amounts_in_other_currencies_are_converted_with_the_rate_of_the_day(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        insure(session, org)  # in EUR, the base currency
        insure(session, org, number="P-2025", currency="USD", start="2025-01-01", end="2025-12-31")
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "U1,Union,US,x", "U2,Euro,DE,x")
        load(session, org, tmp_path, "fx", "date,currency,rate", "2024-01-01,USD,0.92", "2024-06-01,USD,0.90")
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "X1,U1,2024-05-01,2024-06-30,1234.57,USD,",
            "X2,U1,2024-05-02,2024-07-01,6000.00,USD,",
            "X3,U2,2025-02-01,2025-03-03,1000.00,EUR,",
        )
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "U1,5000,USD,2024-01-01,,")
    with unit_of_work(engine) as session:
        may = covered(session, org, "U1", D(2024, 5, 15))
        june = covered(session, org, "U1", D(2024, 6, 15))
        claim = insurance.compute_claim(session, org, "U1", D(2024, 6, 15), ClaimEvent.INSOLVENCY)
        in_dollars = insurance.buyer_cover(session, org, "U2", D(2025, 2, 15))
    # at 0.92: X1 1,234.57 × 0.92 = 1,135.8044 → 1,135.80; the limit 5,000 × 0.92 =
    # 4,600.00, of which X2 (6,000 × 0.92 = 5,520.00) gets 4,600.00 − 1,135.80 = 3,464.20
    assert may == {
        "X1": (Decimal("1135.80"), None),
        "X2": (Decimal("3464.20"), "over_limit"),
    }
    # at 0.90 from 1 June: X1 1,111.113 → 1,111.11, limit 4,500.00, X2 3,388.89
    assert june == {
        "X1": (Decimal("1111.11"), None),
        "X2": (Decimal("3388.89"), "over_limit"),
    }
    # outstanding 1,111.11 + 5,400.00; eligible 4,500.00 × 90 % = 4,050.00
    c = claim.computation
    assert (claim.currency, c.outstanding, c.eligible, c.indemnity) == (
        "EUR",
        Decimal("6511.11"),
        Decimal("4500.00"),
        Decimal("4050.00"),
    )
    # a policy in USD: EUR → USD = 1 / 0.90 = 1.111111111111 (12 places), so 1,000.00 EUR
    # is 1,111.11 USD, within the discretionary 5,000 USD
    assert in_dollars is not None
    assert (in_dollars.currency, in_dollars.open, in_dollars.covered) == (
        "USD",
        Decimal("1111.11"),
        Decimal("1111.11"),
    )


# --- notifications --------------------------------------------------------------------


@pytest.fixture
def overdue(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    """No insurer decisions: every buyer is within the discretionary limit."""
    with unit_of_work(engine) as session:
        insure(session, org)
        load(
            session,
            org,
            tmp_path,
            "buyers",
            BUYERS_HEADER,
            *(f"B{n},Buyer {n},DE,x" for n in range(1, 5)),
        )
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I1,B1,2024-02-10,2024-04-10,1000.00,EUR,",
            "I2,B2,2024-02-01,2024-03-31,2000.00,EUR,",
            "I3,B3,2024-01-01,2024-03-01,3000.00,EUR,",
            "I4,B4,2024-04-02,2024-06-01,500.00,EUR,",  # not due yet
        )
    return org


def test_notifications_due_with_days_left_and_recording_one_stops_shipment(
    engine: Engine, overdue: Organisation
) -> None:
    on = D(2024, 5, 20)
    with unit_of_work(engine) as session:
        due = insurance.notifications_due(session, overdue, on)
        wider = insurance.notifications_due(session, overdue, on, horizon_days=30)
    # deadline = due date + 60 days: I3 30 April (missed 20 days ago), I2 30 May (10
    # days left, within the 14-day horizon), I1 9 June (20 days left)
    assert [(n.invoice_id, n.days_overdue, n.deadline, n.days_left, n.status) for n in due] == [
        ("I3", 80, D(2024, 4, 30), -20, "missed"),
        ("I2", 50, D(2024, 5, 30), 10, "due"),
        ("I1", 40, D(2024, 6, 9), 20, "upcoming"),
    ]
    assert (due[1].buyer_name, due[1].open, due[1].currency) == (
        "Buyer 2",
        Decimal("2000.00"),
        "EUR",
    )
    assert [n.status for n in wider] == ["missed", "due", "due"]

    with unit_of_work(engine) as session:
        assert limits.current_stop(session, overdue, "B2", on) is None
        notified = insurance.record_notification(session, overdue, "B2", on, "cm", "ATR-2")
        stop = limits.current_stop(session, overdue, "B2", on)
        assert (notified.overdue, notified.invoices, notified.reference) == (
            Decimal("2000.00"),
            1,
            "ATR-2",
        )
        assert stop is not None and (stop.kind, stop.until, stop.active) == ("permanent", None, True)
        assert (audited(session, "notify_overdue"), audited(session, "stop_shipment")) == (1, 1)
        with pytest.raises(ConflictError, match="already notified on 2024-05-20"):
            insurance.record_notification(session, overdue, "B2", on, "cm")
        with pytest.raises(InvalidInputError, match="B4 has nothing overdue on 2024-05-20"):
            insurance.record_notification(session, overdue, "B4", on, "cm")
    with unit_of_work(engine) as session:
        after = insurance.notifications_due(session, overdue, on)
        cover = insurance.buyer_cover(session, overdue, "B2", on)
        assert [n.invoice_id for n in after] == ["I3", "I1"]  # B2 is reported
        assert cover is not None and (cover.notified_on, cover.headroom) == (on, None)
        assert [n.buyer_id for n in insurance.notifications(session, overdue)] == ["B2"]
