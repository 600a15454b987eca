"""Insurance's step of the daily cycle, before the dunning run: the overdue-notification
deadlines are the insurer's, they do not wait for the ladder's agency step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tradeguard.domain.dates import month_end
from tradeguard.domain.identity.access import Org
from tradeguard.domain.insurance import cover as cover_core
from tradeguard.domain.insurance.workflow import ClaimStatus
from tradeguard.domain.money import from_minor
from tradeguard.insurance import repository
from tradeguard.insurance.claims import list_claims
from tradeguard.insurance.premium import declare_premium
from tradeguard.insurance.service import cover_data, notifications_due, policy_on
from tradeguard.kit.cycle_day import CycleDay, StepResult


def insurance_step(day: CycleDay) -> StepResult:
    """Count the notifications due and missed, flag late payouts, draft the premium
    declarations of the months ended (``tradeguard notifications`` lists them)."""
    return cycle_summary(day.session, day.org, day.as_of)


def cycle_summary(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """What the insurance step reports each day: the insured exposure (and what an
    e-commerce policy's aggregate limit leaves of it), the notifications due and missed,
    the claims whose payout clock is breached, the premium drafts of the months ended since
    the policy started that had none (each month drafted once)."""
    record = policy_on(session, org, as_of)
    if record is None:
        return {"policy": None}
    data = cover_data(session, org, as_of, policy=record)
    due = notifications_due(session, org, as_of, data=data)
    drafted = []
    month = record.policy.start.replace(day=1)
    while month_end(month) < as_of:  # every whole month so far, once
        if repository.declaration(session, record.id, month) is None:
            drafted.append(
                declare_premium(session, org, month, "cycle", data=data).as_dict()["month"]
            )
        month = month_end(month) + dt.timedelta(days=1)
    breached = [
        c.id
        for c in list_claims(session, org, as_of)
        if c.payout_breached and c.status != ClaimStatus.PAID
    ]
    insured, left = cover_core.aggregate_use(data.cover, record.policy)
    currency = record.policy.currency
    return {
        "policy": record.policy.number,
        "insured_exposure": str(from_minor(insured, currency)),
        "aggregate_left": None if left is None else str(from_minor(left, currency)),
        "notifications_due": sum(1 for n in due if n.status == "due"),
        "notifications_missed": sum(1 for n in due if n.status == "missed"),
        "buyers_to_notify": len({n.buyer_id for n in due if n.status in {"due", "missed"}}),
        "claims_payout_breached": breached,
        "premium_drafted": drafted,
    }
