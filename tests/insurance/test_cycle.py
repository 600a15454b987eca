"""The insurance step of the daily cycle on both databases: the notifications counted,
late payouts flagged, each ended month's premium drafted once, and a day run twice
doing nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from tests.insurance.ledger import (
    BUYERS_HEADER,
    INVOICES_HEADER,
    audited,
    insure,
    load,
    provide_documents,
)
from tradeguard.audit.models import AuditEntry
from tradeguard.cycle.service import run_cycle
from tradeguard.domain.insurance.claim import ClaimEvent
from tradeguard.domain.insurance.workflow import ClaimStatus
from tradeguard.identity.models import Organisation
from tradeguard.insurance import claims, premium
from tradeguard.insurance import service as insurance
from tradeguard.insurance.models import PremiumDeclaration
from tradeguard.kit.db import unit_of_work

D = dt.date


def _insurance(engine: Engine, org: Organisation, on: dt.date) -> tuple[bool, dict[str, object]]:
    with unit_of_work(engine) as session:
        outcomes = run_cycle(session, org, on, "cycle").outcomes
    [step] = [o for o in outcomes if o.step == "insurance"]
    return step.ran, dict(step.result)


def test_the_insurance_step_counts_deadlines_flags_payouts_and_drafts_each_month_once(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        insure(session, org)
        load(
            session,
            org,
            tmp_path,
            "buyers",
            BUYERS_HEADER,
            *(f"B{n},Buyer {n},DE,x" for n in (1, 2, 3)),
        )
        load(
            session,
            org,
            tmp_path,
            "invoices",
            INVOICES_HEADER,
            "I1,B1,2024-01-01,2024-01-20,1000.00,EUR,",  # deadline 20 March
            "I2,B2,2024-01-15,2024-02-15,2000.00,EUR,",  # deadline 15 April
            "I3,B3,2024-01-10,2024-02-09,500.00,EUR,",  # notified, then claimed
        )
        insurance.record_notification(session, org, "B3", D(2024, 3, 5), "cm")
        claim = claims.open_claim(session, org, "B3", D(2024, 3, 10), ClaimEvent.INSOLVENCY, "cm")
        provide_documents(session, org, claim.id, D(2024, 3, 10))
        claims.move_claim(session, org, claim.id, ClaimStatus.SUBMITTED, "cm", D(2024, 3, 10))

    ran, result = _insurance(engine, org, D(2024, 3, 31))
    assert ran
    # I1's deadline passed; I2's is 15 days away, beyond the 14-day horizon; B3 was
    # notified. The claim was submitted 21 days ago, past the 15-day target.
    assert result == {
        "policy": "P-2024",
        # I2 2,000 + I3 500 insured (I1 lost its cover), no e-commerce aggregate
        "insured_exposure": "2500.00",
        "aggregate_left": None,
        "notifications_due": 0,
        "notifications_missed": 1,
        "buyers_to_notify": 1,
        "claims_payout_breached": [claim.id],
        "premium_drafted": ["2024-01", "2024-02"],  # March has not ended yet
    }
    with unit_of_work(engine) as session:
        audit_rows = session.scalar(select(func.count()).select_from(AuditEntry))
        declared = audited(session, "declare_premium")

    ran, again = _insurance(engine, org, D(2024, 3, 31))
    assert (ran, again) == (False, result)  # the recorded result, nothing run again
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_rows
        assert audited(session, "declare_premium") == declared == 2

    ran, next_day = _insurance(engine, org, D(2024, 4, 1))
    assert ran
    # I2 now 14 days from its deadline: due; March ended: drafted, January and February
    # not again
    assert (next_day["notifications_due"], next_day["buyers_to_notify"]) == (1, 2)
    assert next_day["premium_drafted"] == ["2024-03"]
    with unit_of_work(engine) as session:
        months = session.scalars(
            select(PremiumDeclaration.month).order_by(PremiumDeclaration.month)
        ).all()
        january = premium.declarations(session, org, D(2024, 4, 1))[0]
    assert months == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    # January: I1 1,000 + I2 2,000 + I3 500, all within the discretionary limit of
    # 5,000 each; 3,500 × 0.25 % = 8.75
    assert (january.month, january.turnover, january.premium, january.status) == (
        D(2024, 1, 1),
        Decimal("3500.00"),
        Decimal("8.75"),
        "draft",
    )
