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
from tradeguard.credit import service as credit
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
from tradeguard.insurance import claims, premium
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
    assert change is not None
    assert change.before is not None
    assert change.after is not None
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
    assert b2.in_force(D(2024, 3, 31))
    assert not b2.in_force(D(2024, 4, 1))


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


def test_screening_answers_insured_as_the_cover_judges_a_new_delivery(
    engine: Engine, ledger: Organisation
) -> None:
    """An order of 100 delivered on 15 June, on the buyer's terms, with its open
    receivables as the exposure (order screening's ``insured``)."""
    on = D(2024, 6, 15)
    with unit_of_work(engine) as session:
        answers = {}
        for buyer in ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"):
            cover = insurance.buyer_cover(session, ledger, buyer, on)
            assert cover is not None
            answers[buyer] = insurance.insured_delivery(
                session, ledger, buyer, Decimal("100"), on, None, cover.open
            )
    assert answers == {
        "B1": False,  # 12,000 open + 100 > the limit of 10,000
        "B2": False,  # RU is excluded
        "B3": True,  # 2,000 + 100; I32's deadline passed, but it was never insured
        "B4": True,  # a dispute does not stop the cover of new deliveries
        "B5": True,  # 3,000 + 100 within the discretionary 5,000
        "B6": False,  # refused on 15 May
        "B7": False,  # notified on 10 May: stop-shipment
        "B8": False,  # I81's deadline (30 May) was missed: nothing after it is covered
        "B9": False,  # insolvent on 1 June: the discretionary limit no longer applies
    }


def test_the_discretionary_limit_holds_without_a_decision_until_adverse_news(
    engine: Engine, ledger: Organisation
) -> None:
    with unit_of_work(engine) as session:
        b5 = insurance.buyer_cover(session, ledger, "B5", D(2024, 6, 15))
        b6 = insurance.buyer_cover(session, ledger, "B6", D(2024, 6, 15))
        before_insolvency = covered(session, ledger, "B9", D(2024, 5, 31))
        b9 = insurance.buyer_cover(session, ledger, "B9", D(2024, 6, 15))
    assert b5 is not None
    assert b6 is not None
    assert b9 is not None
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


def test_an_invoice_paid_in_parts_in_another_currency_is_not_left_open_by_rounding(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    """SEK 300.45 paid as three times 100.15 at 0.0865: each part alone converts to
    866.2975 → EUR 8.66, together 25.98, but the invoice to 2,598.8925 → 25.99. Had the
    parts been converted one by one, 0.01 would stay open past the deadline and the
    buyer would lose its cover for a missed notification."""
    with unit_of_work(engine) as session:
        insure(session, org)  # EUR, notification within 60 days
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "S1,Svensk,SE,x")
        load(session, org, tmp_path, "fx", "date,currency,rate", "2024-01-01,SEK,0.0865")
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "S11,S1,2024-02-01,2024-03-02,300.45,SEK,",
            "S12,S1,2024-06-01,2024-07-01,100.00,SEK,",
        )
        load(
            session,
            org,
            tmp_path,
            "payments",
            "payment_id,buyer_id,date,amount,currency,invoice_id",
            *(f"P{n},S1,2024-03-0{n},100.15,SEK,S11" for n in (1, 2, 3)),
        )
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "S1,1000,EUR,2024-01-01,,")
    with unit_of_work(engine) as session:
        cover = insurance.buyer_cover(session, org, "S1", D(2024, 6, 15))
        due = insurance.notifications_due(session, org, D(2024, 6, 15))
    assert cover is not None
    # only S12 is open (100 × 0.0865 = 8.65), covered: no deadline was missed
    assert [(i.invoice_id, i.open, i.covered, i.reason) for i in cover.invoices] == [
        ("S12", Decimal("8.65"), Decimal("8.65"), None)
    ]
    assert due == []


def test_amounts_in_other_currencies_are_converted_with_the_rate_of_the_day(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        insure(session, org)  # in EUR, the base currency
        insure(session, org, number="P-2025", currency="USD", start="2025-01-01", end="2025-12-31")
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "U1,Union,US,x", "U2,Euro,DE,x")
        load(
            session,
            org,
            tmp_path,
            "fx",
            "date,currency,rate",
            "2024-01-01,USD,0.92",
            "2024-06-01,USD,0.90",
        )
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
        claim = claims.compute_claim(session, org, "U1", D(2024, 6, 15), ClaimEvent.INSOLVENCY)
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
        assert stop is not None
        assert (stop.kind, stop.until, stop.active) == (
            "permanent",
            None,
            True,
        )
        assert (audited(session, "notify_overdue"), audited(session, "stop_shipment")) == (1, 1)
        with pytest.raises(ConflictError, match="already notified on 2024-05-20"):
            insurance.record_notification(session, overdue, "B2", on, "cm")
        with pytest.raises(InvalidInputError, match="B4 has nothing overdue on 2024-05-20"):
            insurance.record_notification(session, overdue, "B4", on, "cm")
    with unit_of_work(engine) as session:
        after = insurance.notifications_due(session, overdue, on)
        cover = insurance.buyer_cover(session, overdue, "B2", on)
        assert [n.invoice_id for n in after] == ["I3", "I1"]  # B2 is reported
        assert cover is not None
        assert (cover.notified_on, cover.headroom) == (on, None)
        assert [n.buyer_id for n in insurance.notifications(session, overdue)] == ["B2"]


# --- claims ---------------------------------------------------------------------------

LOSS = D(2024, 5, 10)


@pytest.fixture
def insured_org(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    """A first loss of 1,000 a year, a non-qualifying loss of 500, a maximum liability
    of 10,000; every buyer has an insurer limit of 10,000 from 1 January."""
    with unit_of_work(engine) as session:
        insure(
            session,
            org,
            aggregate_first_loss="1000",
            non_qualifying_loss="500",
            maximum_liability="10000",
        )
        load(
            session,
            org,
            tmp_path,
            "buyers",
            BUYERS_HEADER,
            *(f"C{n},Claimed {n},DE,x" for n in range(1, 5)),
        )
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I10,C1,2024-01-15,2024-03-15,300.00,EUR,",  # disputed
            "I11,C1,2024-02-01,2024-03-31,6000.00,EUR,",  # 1,234.55 paid on 20 April
            "I12,C1,2024-02-15,2024-04-15,5000.00,EUR,",
            "I20,C2,2024-03-01,2024-04-30,3000.00,EUR,",
            "I30,C3,2024-03-01,2024-04-30,700.00,EUR,",
            "I40,C4,2024-03-01,2024-04-30,450.00,EUR,",
        )
        load(
            session,
            org,
            tmp_path,
            "payments",
            "payment_id,buyer_id,date,amount,currency,invoice_id",
            "P1,C1,2024-04-20,1234.55,EUR,I11",
        )
        load(
            session,
            org,
            tmp_path,
            "disputes",
            "dispute_id,invoice_id,opened_on,reason",
            "D1,I10,2024-04-01,wrong goods",
        )
        load(
            session,
            org,
            tmp_path,
            "insurer-limits",
            LIMITS_HEADER,
            *(f"C{n},10000,EUR,2024-01-01,," for n in range(1, 5)),
        )
    return org


def _file(session: Session, org: Organisation, buyer_id: str, on: dt.date) -> int:
    """Open an insolvency claim, provide its papers and submit it the same day."""
    claim = claims.open_claim(session, org, buyer_id, LOSS, ClaimEvent.INSOLVENCY, "cm")
    provide_documents(session, org, claim.id, on)
    return claims.move_claim(session, org, claim.id, ClaimStatus.SUBMITTED, "cm", on).id


def test_a_claim_step_by_step(engine: Engine, insured_org: Organisation) -> None:
    with unit_of_work(engine) as session:
        result = claims.compute_claim(session, insured_org, "C1", LOSS, ClaimEvent.INSOLVENCY)
        small = claims.compute_claim(session, insured_org, "C4", LOSS, ClaimEvent.INSOLVENCY)
    document = result.as_dict()
    # I10 300.00 disputed; I11 6,000.00 − 1,234.55 paid = 4,765.45, all insured; I12
    # 5,000.00 delivered on an exposure of 300 + 6,000, so 10,000 − 6,300 = 3,700 of it
    # insured. Eligible 4,765.45 + 3,700 = 8,465.45 of 10,065.45; first loss 1,000
    # → 7,465.45; × 90 % = 6,718.905, rounded half to even once, at the end: 6,718.90
    assert [(s["name"], s["amount"]) for s in document["steps"]] == [
        ("outstanding", "10065.45"),
        ("eligible", "8465.45"),
        ("recoveries_before_claim", "8465.45"),
        ("set_offs", "8465.45"),
        ("credit_limit", "8465.45"),
        ("non_qualifying_loss", "8465.45"),
        ("first_loss", "7465.45"),
        ("percentage", "6718.905"),
        ("maximum_liability", "6718.905"),
        ("indemnity", "6718.90"),
    ]
    notes = {s["name"]: s["note"] for s in document["steps"]}
    assert notes["eligible"] == "2 invoices excluded (1,600.00): 1 over the limit, 1 disputed"
    assert notes["credit_limit"] == "within the credit limit of 10,000.00"
    assert notes["first_loss"].startswith("1,000.00 of the aggregate first loss")
    assert document["excluded"] == [
        {"invoice_id": "I10", "reason": "disputed"},
        {"invoice_id": "I12", "reason": "over_limit"},
    ]
    assert (document["ascertained_loss"], document["indemnity"]) == ("8465.45", "6718.90")
    assert document["earliest_claim_date"] == "2024-05-10"  # insolvency: at once
    # 450.00 is at or below the non-qualifying loss of 500: not claimable at all
    assert (small.computation.ascertained_loss, small.computation.indemnity) == (ZERO, ZERO)


def test_first_loss_and_maximum_liability_are_consumed_across_claims(
    engine: Engine, insured_org: Organisation
) -> None:
    with unit_of_work(engine) as session:
        # a draft consumes nothing: C3 700.00 would take 700 of the first loss
        draft = claims.open_claim(session, insured_org, "C3", LOSS, ClaimEvent.INSOLVENCY, "cm")
        assert draft.computation["first_loss_deducted"] == "700.00"
        before = claims.compute_claim(session, insured_org, "C1", LOSS, ClaimEvent.INSOLVENCY)
        assert before.computation.first_loss_deducted == Decimal("1000")
        provide_documents(session, insured_org, draft.id, LOSS)
        claims.move_claim(session, insured_org, draft.id, ClaimStatus.SUBMITTED, "cm", LOSS)
        # C3: 700 above the 500 threshold, all of it kept as first loss: nothing to pay
        assert claims.get_claim(session, insured_org, draft.id, LOSS).indemnity == ZERO

        second = _file(session, insured_org, "C1", D(2024, 5, 11))
        paid = claims.move_claim(
            session, insured_org, second, ClaimStatus.PAID, "cm", D(2024, 5, 20)
        )
        # C1: 8,465.45 − the 300 of first loss left = 8,165.45; × 90 % = 7,348.905 → 7,348.90
        assert (paid.indemnity, paid.paid_amount) == (Decimal("7348.90"),) * 2
        assert paid.computation["first_loss_deducted"] == "300.00"

        third = claims.compute_claim(session, insured_org, "C2", LOSS, ClaimEvent.INSOLVENCY)
    steps = {s.name: s for s in third.computation.steps}
    # C2: 3,000 with no first loss left, × 90 % = 2,700, capped by the maximum liability
    # left, 10,000 − 0 − 7,348.90 = 2,651.10
    assert steps["first_loss"].note == "aggregate first loss already consumed this policy year"
    assert (steps["first_loss"].amount, steps["percentage"].amount) == (
        Decimal("3000.00"),
        Decimal("2700.000"),
    )
    assert third.computation.indemnity == Decimal("2651.10")
    assert third.computation.liability_left == ZERO
    assert steps["maximum_liability"].note == (
        "capped by the maximum liability left this policy year, 2,651.10"
    )


def test_a_claim_through_its_workflow_with_the_payout_clock(
    engine: Engine, insured_org: Organisation
) -> None:
    protracted = ClaimEvent.PROTRACTED_DEFAULT
    with unit_of_work(engine) as session:
        claim = claims.open_claim(session, insured_org, "C2", LOSS, protracted, "cm")
        assert (claim.status, claim.submitted_on, claim.payout_days) == ("draft", None, None)
        assert claim.checklist == dict.fromkeys(claims.CHECKLIST, False)
        with pytest.raises(ConflictError, match="already has a draft claim"):
            claims.open_claim(session, insured_org, "C2", LOSS, protracted, "cm")
        with pytest.raises(InvalidInputError, match="lacks documents: invoices, proof_of_del"):
            claims.move_claim(session, insured_org, claim.id, ClaimStatus.SUBMITTED, "cm", LOSS)
        with pytest.raises(IllegalTransitionError, match="draft: it cannot become paid"):
            claims.move_claim(session, insured_org, claim.id, ClaimStatus.PAID, "cm", LOSS)
        with pytest.raises(InvalidInputError, match="unknown document 'photo'"):
            claims.set_document(session, insured_org, claim.id, "photo", True, "cm", LOSS)
        provide_documents(session, insured_org, claim.id, LOSS)
        # due 30 April + a waiting period of 180 days: filed from 27 October
        assert claim.computation["earliest_claim_date"] == "2024-10-27"
        with pytest.raises(InvalidInputError, match="may be filed from 2024-10-27"):
            claims.move_claim(
                session, insured_org, claim.id, ClaimStatus.SUBMITTED, "cm", D(2024, 10, 26)
            )
    with unit_of_work(engine) as session:
        filed = D(2024, 10, 27)
        claims.move_claim(session, insured_org, claim.id, ClaimStatus.SUBMITTED, "cm", filed)
        with pytest.raises(ConflictError, match="documents are fixed"):
            claims.set_document(session, insured_org, claim.id, "invoices", False, "cm", filed)
        on_target = claims.get_claim(session, insured_org, claim.id, D(2024, 11, 11))
        late = claims.get_claim(session, insured_org, claim.id, D(2024, 11, 12))
        assert (on_target.payout_days, on_target.payout_breached) == (15, False)
        assert (late.payout_days, late.payout_breached) == (16, True)
        claims.move_claim(
            session, insured_org, claim.id, ClaimStatus.UNDER_REVIEW, "cm", D(2024, 11, 1)
        )
        paid = claims.move_claim(
            session, insured_org, claim.id, ClaimStatus.PAID, "cm", D(2024, 11, 5), paid_amount=None
        )
        with pytest.raises(IllegalTransitionError, match="paid: it cannot become submitted"):
            claims.move_claim(session, insured_org, claim.id, ClaimStatus.SUBMITTED, "cm", filed)
        # 3,000 − the whole first loss 1,000 = 2,000 × 90 % = 1,800.00, paid in 9 days
        assert (paid.status, paid.paid_amount, paid.payout_days, paid.payout_breached) == (
            "paid",
            Decimal("1800.00"),
            9,
            False,
        )
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "claims").order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "open_claim",
        *["claim_document"] * 5,
        "claim_submitted",
        "claim_under_review",
        "claim_paid",
    ]


def test_a_limit_withdrawn_after_the_default_keeps_the_cover_of_earlier_deliveries(
    engine: Engine, insured_org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        # the insurer cancels C2's limit once told it is overdue: from 5 May, nothing new
        load(
            session, insured_org, tmp_path, "insurer-limits", LIMITS_HEADER, "C2,0,EUR,2024-05-05,,"
        )
        result = claims.compute_claim(session, insured_org, "C2", LOSS, ClaimEvent.INSOLVENCY)
    steps = {s.name: s for s in result.computation.steps}
    # I20 3,000 was delivered on 1 March under the limit of 10,000: the claim is capped
    # by that limit, not by the cancellation; 3,000 − 1,000 first loss × 90 % = 1,800
    assert steps["credit_limit"].amount == Decimal("3000.00")
    assert steps["credit_limit"].note == "within the credit limit of 10,000.00"
    assert result.computation.indemnity == Decimal("1800.00")


# --- recoveries -----------------------------------------------------------------------


def _recovery_ledger(
    engine: Engine, org: Organisation, tmp_path: Path, **policy: str
) -> Organisation:
    """R1 owes I0 500.00 (disputed, the oldest) and I1 12,000.00, of which the limit of
    10,000 insures 10,000 − 500 = 9,500 (I0 was open when I1 was delivered)."""
    with unit_of_work(engine) as session:
        insure(session, org, **policy)
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "R1,Recovered,DE,x")
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I0,R1,2024-01-02,2024-03-01,500.00,EUR,",
            "I1,R1,2024-01-10,2024-03-10,12000.00,EUR,",
        )
        load(
            session,
            org,
            tmp_path,
            "disputes",
            "dispute_id,invoice_id,opened_on,reason",
            "D1,I0,2024-03-05,damaged",
        )
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "R1,10000,EUR,2024-01-01,,")
    return org


def test_recoveries_before_payment_reduce_the_claim_and_after_it_are_shared_pro_rata(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    ledger = _recovery_ledger(engine, org, tmp_path)
    loss = D(2024, 4, 15)
    with unit_of_work(engine) as session:
        claim = claims.open_claim(session, ledger, "R1", loss, ClaimEvent.INSOLVENCY, "cm")
        assert claim.indemnity == Decimal("8550.00")  # 9,500 × 90 %
        # 1,000 recovered before the claim, oldest invoice first: 500 settle the disputed
        # I0 (not insured: it reduces nothing), 500 the insured part of I1
        draft = claims.record_recovery(session, ledger, claim.id, Decimal(1000), loss, "cm")
        [step] = [s for s in draft.computation["steps"] if s["name"] == "recoveries_before_claim"]
        assert step == {
            "name": "recoveries_before_claim",
            "amount": "9000.00",
            "note": "1,000.00 received before the claim, oldest invoice first: 500.00 on"
            " covered parts, 500.00 on parts not covered",
        }
        assert draft.indemnity == Decimal("8100.00")  # 9,000 × 90 %
        assert (draft.recoveries[0].after_payment, draft.recoveries[0].insurer_share) == (
            False,
            ZERO,
        )
        provide_documents(session, ledger, claim.id, loss)
        claims.move_claim(session, ledger, claim.id, ClaimStatus.SUBMITTED, "cm", loss)
        claims.move_claim(session, ledger, claim.id, ClaimStatus.PAID, "cm", D(2024, 4, 30))
        # after payment: 2,300 recovered at 230 of costs. The debt is 12,500 − the 1,000
        # recovered before = 11,500, of which the insurer paid 8,100: it takes
        # 2,070 × 8,100 / 11,500 = 1,458.00 of the net and bears 230 × 8,100 / 11,500
        # = 162.00 of the costs
        shared = claims.record_recovery(
            session, ledger, claim.id, Decimal(2300), D(2024, 6, 1), "cm", Decimal(230)
        )
        after = shared.recoveries[-1]
        assert (after.after_payment, after.insurer_share, after.seller_share) == (
            True,
            Decimal("1458.00"),
            Decimal("612.00"),
        )
        assert (after.insurer_costs, after.seller_costs) == (Decimal("162.00"), Decimal("68.00"))
        assert (shared.insurer_recovered, shared.seller_recovered) == (
            Decimal("1458.00"),
            Decimal("612.00"),
        )
        assert audited(session, "claim_recovery") == 2
        with pytest.raises(InvalidInputError, match="costs between 0 and it"):
            claims.record_recovery(
                session, ledger, claim.id, Decimal(10), D(2024, 6, 2), "cm", Decimal(11)
            )


def test_recoveries_go_to_the_insured_part_first_where_the_policy_says_so(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    ledger = _recovery_ledger(engine, org, tmp_path, recovery_sharing="insured_first")
    loss = D(2024, 4, 15)
    with unit_of_work(engine) as session:
        claim = claims.open_claim(session, ledger, "R1", loss, ClaimEvent.INSOLVENCY, "cm")
        provide_documents(session, ledger, claim.id, loss)
        claims.move_claim(session, ledger, claim.id, ClaimStatus.SUBMITTED, "cm", loss)
        claims.move_claim(session, ledger, claim.id, ClaimStatus.PAID, "cm", loss)
        # paid 8,550.00; 6,000 recovered at 600 of costs: the net 5,400 all to the
        # insurer, which bears all the costs
        first = claims.record_recovery(
            session, ledger, claim.id, Decimal(6000), D(2024, 6, 1), "cm", Decimal(600)
        ).recoveries[-1]
        # then 5,000: the insurer takes what it has still to get back, 8,550 − 5,400 =
        # 3,150, the seller the other 1,850
        second = claims.record_recovery(
            session, ledger, claim.id, Decimal(5000), D(2024, 7, 1), "cm"
        )
    assert (first.insurer_share, first.seller_share, first.insurer_costs) == (
        Decimal("5400.00"),
        ZERO,
        Decimal("600.00"),
    )
    assert [(r.insurer_share, r.seller_share) for r in second.recoveries][-1] == (
        Decimal("3150.00"),
        Decimal("1850.00"),
    )
    assert (second.insurer_recovered, second.seller_recovered) == (
        Decimal("8550.00"),
        Decimal("1850.00"),
    )


# --- premium --------------------------------------------------------------------------


def test_premium_declared_from_the_insured_turnover_adjusted_submitted_trued_up(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    may = D(2024, 5, 1)
    with unit_of_work(engine) as session:
        insure(session, org)
        load(
            session,
            org,
            tmp_path,
            "buyers",
            BUYERS_HEADER,
            "B1,Limited,DE,x",
            "B2,Excluded,RU,x",
            "B3,Discretionary,DE,x",
        )
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "P0,B1,2024-04-30,2024-06-29,2000.00,EUR,",  # April; paid on 2 May
            "P1,B1,2024-05-03,2024-07-02,6000.00,EUR,",
            "P2,B1,2024-05-10,2024-07-09,6000.00,EUR,",
            "P3,B2,2024-05-12,2024-07-11,1000.00,EUR,",
            "P4,B3,2024-05-20,2024-07-19,1000.01,EUR,",  # disputed in June
        )
        load(
            session,
            org,
            tmp_path,
            "payments",
            "payment_id,buyer_id,date,amount,currency,invoice_id",
            "Q0,B1,2024-05-02,2000.00,EUR,P0",
        )
        load(
            session,
            org,
            tmp_path,
            "disputes",
            "dispute_id,invoice_id,opened_on,reason",
            "D1,P4,2024-06-05,late",
        )
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "B1,10000,EUR,2024-01-01,,")
    with unit_of_work(engine) as session:
        april = premium.declare_premium(session, org, D(2024, 4, 1), "cm")
        computed = premium.declare_premium(session, org, D(2024, 5, 17), "cm")
        with pytest.raises(InvalidInputError, match="needs a reason"):
            premium.declare_premium(session, org, may, "cm", turnover=Decimal("11500"))
        adjusted = premium.declare_premium(
            session, org, may, "cm", turnover=Decimal("11500"), reason="a delivery not invoiced"
        )
        submitted = premium.declare_premium(
            session, org, may, "cm", turnover=Decimal("11500"), reason="as adjusted", submit=True
        )
        with pytest.raises(ConflictError, match="2024-05 was submitted"):
            premium.declare_premium(session, org, may, "cm")
        so_far = premium.true_up(session, org, D(2024, 6, 30))
        at_the_end = premium.true_up(session, org, D(2024, 12, 31))
        listed = premium.declarations(session, org, D(2024, 6, 30))
        assert audited(session, "declare_premium") == 4
    # April: P0 2,000.00 insured at delivery; × 0.25 % = 5.00
    assert (april.month, april.turnover, april.premium) == (
        D(2024, 4, 1),
        Decimal("2000.00"),
        Decimal("5.00"),
    )
    # May: P1 6,000 (P0 was paid the day before it, so the limit was free), P2 the
    # 4,000 the limit leaves, P3 nothing (RU), P4 1,000.01 (its dispute came after the
    # delivery: the premium stays) = 11,000.01; × 0.25 % = 27.500025 → 27.50
    assert (computed.month, computed.computed_turnover, computed.premium, computed.status) == (
        may,
        Decimal("11000.01"),
        Decimal("27.50"),
        "draft",
    )
    # adjusted to 11,500: 28.75, the computed figure kept beside it
    assert (adjusted.computed_turnover, adjusted.turnover, adjusted.premium) == (
        Decimal("11000.01"),
        Decimal("11500.00"),
        Decimal("28.75"),
    )
    assert adjusted.adjustment_reason == "a delivery not invoiced"
    assert (submitted.status, submitted.premium) == ("submitted", Decimal("28.75"))
    assert [(d.month.month, d.status) for d in listed] == [(4, "draft"), (5, "submitted")]
    # minimum premium 500.00 − (5.00 + 28.75) = 466.25, final once the period is over
    assert (so_far.premiums, so_far.true_up, so_far.months_declared, so_far.final) == (
        Decimal("33.75"),
        Decimal("466.25"),
        2,
        False,
    )
    assert (at_the_end.true_up, at_the_end.final) == (Decimal("466.25"), True)


# --- political risk and the e-commerce variant ---------------------------------------


def test_a_political_claim_takes_the_political_percentage_where_covered(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        insure(session, org)
        load(session, org, tmp_path, "buyers", BUYERS_HEADER, "A1,Andes,AR,mining")
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I1,A1,2024-02-01,2024-03-31,2000.00,EUR,",
        )
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "A1,10000,EUR,2024-01-01,,")
    with unit_of_work(engine) as session:
        political = claims.compute_claim(session, org, "A1", LOSS, ClaimEvent.POLITICAL)
        commercial = claims.compute_claim(session, org, "A1", LOSS, ClaimEvent.INSOLVENCY)
        insure(session, org, political_risk=False)
        uncovered = claims.compute_claim(session, org, "A1", LOSS, ClaimEvent.POLITICAL)
    # 2,000 × 95 % political, × 90 % commercial
    assert (political.computation.percentage, political.computation.indemnity) == (
        Decimal("0.95"),
        Decimal("1900.00"),
    )
    assert commercial.computation.indemnity == Decimal("1800.00")
    # a political event waits like a protracted default: 31 March + 180 days
    assert political.computation.earliest_claim_date == D(2024, 9, 27)
    steps = {s.name: s for s in uncovered.computation.steps}
    assert steps["political_cover"].note == "political risk is not covered by this policy"
    assert uncovered.computation.indemnity == ZERO


def test_an_ecommerce_policy_caps_each_buyer_by_its_credit_class(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        insure(
            session, org, variant="ecommerce", ecommerce_caps={"A": "5000", "B": "2000", "C": "500"}
        )
        load(
            session, org, tmp_path, "buyers", BUYERS_HEADER, "E1,Late,DE,retail", "E2,New,DE,retail"
        )
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I1,E1,2024-01-02,2024-02-01,1000.00,EUR,",  # 121 days overdue on 1 June
            "I2,E2,2024-05-01,2024-06-30,3000.00,EUR,",
        )
        # named limits do not count on an e-commerce policy
        load(session, org, tmp_path, "insurer-limits", LIMITS_HEADER, "E2,9000,EUR,2024-01-01,,")
        insurance.record_notification(session, org, "E1", D(2024, 3, 1), "cm")
    with unit_of_work(engine) as session:
        [score] = credit.score_buyers(session, org, D(2024, 6, 1), buyer_id="E1")
        assert score.credit_class == "C"  # over 90 days overdue: in default
    with unit_of_work(engine) as session:
        late = insurance.buyer_cover(session, org, "E1", D(2024, 6, 15))
        new = insurance.buyer_cover(session, org, "E2", D(2024, 6, 15))
    assert late is not None
    assert new is not None
    # E1 class C: capped at 500; E2 never scored counts as class B: 2,000
    assert (late.limit, late.discretionary, late.covered) == (
        Decimal("500"),
        False,
        Decimal("500.00"),
    )
    assert (new.limit, new.covered) == (Decimal("2000"), Decimal("2000.00"))
    assert [(i.invoice_id, i.reason) for i in (*late.invoices, *new.invoices)] == [
        ("I1", "over_limit"),
        ("I2", "over_limit"),
    ]
