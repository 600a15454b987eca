"""Premium: each month's declaration of insured turnover (computed from the cover at
delivery, adjustable with a reason, then submitted and fixed) and the minimum-premium
true-up at the end of the policy period. Audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.domain.dates import month_end
from tradeguard.domain.errors import ConflictError, InvalidInputError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.insurance import premium as premium_core
from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.money import from_minor, to_minor
from tradeguard.insurance import repository
from tradeguard.insurance.models import (
    PremiumDeclaration,
)
from tradeguard.insurance.service import CoverData, cover_data, policy_on, require_policy


@dataclass(frozen=True, slots=True)
class DeclarationRecord:
    id: int
    policy_number: str
    month: dt.date
    currency: str
    computed_turnover: Decimal
    turnover: Decimal
    premium: Decimal
    status: str
    adjustment_reason: str | None

    @classmethod
    def of(cls, row: PremiumDeclaration, policy: Policy) -> DeclarationRecord:
        money = partial(from_minor, currency=policy.currency)
        return cls(
            row.id,
            policy.number,
            row.month,
            policy.currency,
            money(row.computed_turnover),
            money(row.turnover),
            money(row.premium),
            row.status,
            row.adjustment_reason,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy": self.policy_number,
            "month": self.month.strftime("%Y-%m"),
            "currency": self.currency,
            "computed_turnover": str(self.computed_turnover),
            "turnover": str(self.turnover),
            "premium": str(self.premium),
            "status": self.status,
            "adjustment_reason": self.adjustment_reason,
        }


def declare_premium(
    session: Session,
    org: Org,
    month: dt.date,
    actor: str,
    *,
    turnover: Decimal | None = None,
    reason: str | None = None,
    submit: bool = False,
    data: CoverData | None = None,
) -> DeclarationRecord:
    """The month's declaration: insured turnover computed from the ledger (invoices issued
    that month, the part covered at delivery), adjusted by ``turnover`` with a reason, then
    submitted (fixed). Declaring again recomputes a draft; a submitted one is refused.
    ``data``: the cover judged on a later day (what was covered at delivery does not
    change after it), so that the cycle judges the ledger once for every month."""
    month = month.replace(day=1)
    end = month_end(month)
    record = policy_on(session, org, end) or require_policy(session, org, month)
    policy = record.policy
    row = repository.declaration(session, record.id, month)
    if row is not None and row.status == "submitted":
        raise ConflictError(f"the declaration for {month:%Y-%m} was submitted: it is fixed")
    if turnover is not None and not (reason or "").strip():
        raise InvalidInputError("an adjusted turnover needs a reason", "reason")
    data = data or cover_data(session, org, end, policy=record)
    computed = premium_core.declare(policy, data.cover, month)
    declared = computed.insured_turnover if turnover is None else turnover
    premium = computed.premium if turnover is None else premium_core.premium_due(policy, turnover)
    before = None if row is None else DeclarationRecord.of(row, policy).as_dict()
    if row is None:
        row = PremiumDeclaration(org_id=org.id, policy_id=record.id, month=month)
        session.add(row)
    row.computed_turnover = to_minor(computed.insured_turnover, policy.currency)
    row.turnover = to_minor(declared, policy.currency)
    row.premium = to_minor(premium, policy.currency)
    row.adjustment_reason = reason if turnover is not None else None
    row.status = "submitted" if submit else "draft"
    row.updated_by = actor
    row.submitted_at = dt.datetime.now(dt.UTC) if submit else None
    session.flush()
    result = DeclarationRecord.of(row, policy)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="declare_premium",
        entity="premium_declarations",
        entity_key=f"{policy.number}:{month:%Y-%m}",
        before=before,
        after=result.as_dict(),
    )
    return result


def declarations(session: Session, org: Org, on: dt.date) -> list[DeclarationRecord]:
    record = require_policy(session, org, on)
    return [
        DeclarationRecord.of(r, record.policy) for r in repository.declarations(session, record.id)
    ]


@dataclass(frozen=True, slots=True)
class TrueUp:
    policy_number: str
    currency: str
    period_end: dt.date
    premiums: Decimal  # declared so far (drafts included)
    minimum_premium: Decimal
    true_up: Decimal  # what the minimum premium adds at the end of the period
    months_declared: int
    final: bool  # the period is over

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy_number,
            "currency": self.currency,
            "period_end": self.period_end.isoformat(),
            "premiums": str(self.premiums),
            "minimum_premium": str(self.minimum_premium),
            "true_up": str(self.true_up),
            "months_declared": self.months_declared,
            "final": self.final,
        }


def true_up(session: Session, org: Org, on: dt.date) -> TrueUp:
    """The minimum-premium true-up of the policy in force on ``on``: final once its
    period is over, provisional before."""
    record = require_policy(session, org, on)
    policy = record.policy
    rows = [DeclarationRecord.of(r, policy) for r in repository.declarations(session, record.id)]
    premiums = [r.premium for r in rows]
    return TrueUp(
        policy.number,
        policy.currency,
        policy.end,
        sum(premiums, Decimal(0)),
        policy.minimum_premium,
        premium_core.minimum_premium_true_up(policy, premiums),
        len(rows),
        on >= policy.end,
    )
