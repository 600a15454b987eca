"""The order-screening decision: may this order ship on open account, and on what terms.

From the buyer's standing on the day (its latest grade and class, the limit in force,
its exposure, the stop-shipment, the default triggers of its score, the oldest overdue
invoice, its unresolved alerts) and the order, one of:

- ``hold``: a stop-shipment in force, the buyer in default (grade 10), a high-severity
  alert open, an invoice overdue beyond the tolerance, or the buyer not assessed yet;
- ``cash_before_delivery``: class C, or no headroom left under the limit (no limit at
  all is no headroom);
- ``approve_with_prepayment``: class B (the credit settings' ``prepayment_b_share``), or
  an order above the headroom (the share of the order above it; at least class B's
  share for class B);
- ``approve``: class A within the limit.

Every answer has reasons, the deciding one first (the table in docs/screening.md).
Each reason's message is an English template and its values, so the edge can say it in
the caller's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

Decision = Literal["approve", "approve_with_prepayment", "cash_before_delivery", "hold"]
DECISIONS: tuple[Decision, ...] = (
    "approve",
    "approve_with_prepayment",
    "cash_before_delivery",
    "hold",
)

HIGH_SEVERITY = "high"
DEFAULT_GRADE = 10
HIGH_RISK_GRADE = 8  # this grade or worse is a high-risk order (the interception KPI)
SHARE_PLACES = Decimal("0.0001")

# The reasons' English templates by name; the edge translates them (messages.po).
TEMPLATES: Mapping[str, str] = {
    "stopped_permanently": "shipments stopped permanently: {reason}",
    "stopped_until": "shipments stopped until {until}: {reason}",
    "default_trigger": "in default: {detail}",
    "default_grade": "in default (grade 10)",
    "high_alert": "high-severity alert open: {rule} (raised {raised_on})",
    "overdue": "an invoice is {days} days overdue (tolerance {tolerance} days)",
    "not_assessed": "not assessed yet: score the buyer before shipping on credit",
    "class_c": "class C (grade {grade}): cash before delivery only",
    "no_limit": "no credit limit in force: cash before delivery",
    "no_headroom": "no headroom left: exposure {exposure} {currency} against a limit of"
    " {limit} {currency}",
    "class_b": "class B (grade {grade}): {share} of the order paid in advance",
    "over_headroom": "the order is {excess} {currency} above the headroom of {headroom}"
    " {currency}: {share} of the order paid in advance",
    "within_limit": "class A (grade {grade}) within the limit: {headroom} {currency} of"
    " headroom left after this order",
    "alert": "open alert: {rule} ({severity}, raised {raised_on})",
}


@dataclass(frozen=True, slots=True)
class ScreeningReason:
    """Why: a code for machines, an English template and the values it names."""

    code: str
    template: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


def _reason(code: str, name: str, **params: object) -> ScreeningReason:
    return ScreeningReason(code, TEMPLATES[name], {k: str(v) for k, v in params.items()})


@dataclass(frozen=True, slots=True)
class OpenAlert:
    rule: str
    severity: str
    raised_on: dt.date


@dataclass(frozen=True, slots=True)
class DefaultTrigger:
    """A default trigger of the buyer's score (``domain.credit.default``), in words."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class BuyerStanding:
    """What the decision reads of the buyer on the screening day (amounts: base currency)."""

    currency: str
    grade: int | None  # None: no score on or before the day
    credit_class: str | None
    limit: Decimal | None  # None: no limit in force
    exposure: Decimal  # open receivables on the day plus open orders
    stop_until: dt.date | None = None
    stop_reason: str | None = None  # set only for a stop-shipment in force on the day
    default_triggers: Sequence[DefaultTrigger] = ()
    oldest_days_overdue: int | None = None
    alerts: Sequence[OpenAlert] = ()


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    """The organisation's settings the decision follows."""

    overdue_tolerance_days: int
    prepayment_b_share: float


@dataclass(frozen=True, slots=True)
class Screening:
    decision: Decision
    prepayment_share: float | None  # set for approve_with_prepayment only
    exposure_before: Decimal
    exposure_after: Decimal
    high_risk: bool
    reasons: tuple[ScreeningReason, ...]


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'), ROUND_HALF_EVEN).normalize():f}%"


def _holds(standing: BuyerStanding, policy: ScreeningPolicy) -> list[ScreeningReason]:
    """The reasons that hold the order, most serious first."""
    holds = []
    if standing.stop_reason is not None:
        if standing.stop_until is None:
            holds.append(
                _reason("STOP_SHIPMENT", "stopped_permanently", reason=standing.stop_reason)
            )
        else:
            holds.append(
                _reason(
                    "STOP_SHIPMENT",
                    "stopped_until",
                    until=standing.stop_until.isoformat(),
                    reason=standing.stop_reason,
                )
            )
    holds.extend(
        _reason(t.code, "default_trigger", detail=t.message) for t in standing.default_triggers
    )
    if standing.grade == DEFAULT_GRADE and not standing.default_triggers:
        holds.append(_reason("IN_DEFAULT", "default_grade"))
    holds.extend(
        _reason("ALERT_HIGH", "high_alert", rule=a.rule, raised_on=a.raised_on.isoformat())
        for a in standing.alerts
        if a.severity == HIGH_SEVERITY
    )
    days = standing.oldest_days_overdue
    if days is not None and days > policy.overdue_tolerance_days:
        holds.append(
            _reason(
                "OVERDUE_BEYOND_TOLERANCE",
                "overdue",
                days=days,
                tolerance=policy.overdue_tolerance_days,
            )
        )
    if standing.credit_class is None:
        holds.append(_reason("NOT_ASSESSED", "not_assessed"))
    return holds


def screen(standing: BuyerStanding, amount: Decimal, policy: ScreeningPolicy) -> Screening:
    """The decision on an order of ``amount`` (base currency, more than 0) and its reasons."""
    if amount <= 0:
        raise ValueError("an order amount is more than 0")
    after = standing.exposure + amount
    limit = standing.limit if standing.limit is not None else Decimal(0)
    headroom = max(limit - standing.exposure, Decimal(0))
    currency = standing.currency
    high_risk = (
        (standing.grade is not None and standing.grade >= HIGH_RISK_GRADE)
        or standing.credit_class == "C"
        or standing.stop_reason is not None
        or after > limit
    )
    others = [
        _reason(
            "ALERT",
            "alert",
            rule=a.rule,
            severity=a.severity,
            raised_on=a.raised_on.isoformat(),
        )
        for a in standing.alerts
        if a.severity != HIGH_SEVERITY
    ]
    decision: Decision
    share: Decimal | None = None
    holds = _holds(standing, policy)
    deciding: list[ScreeningReason] = []
    if holds:
        decision, deciding = "hold", holds
    elif standing.credit_class == "C" or headroom <= 0:
        decision = "cash_before_delivery"
        if standing.credit_class == "C":
            deciding.append(_reason("CLASS_C", "class_c", grade=standing.grade))
        if standing.limit is None:
            deciding.append(_reason("NO_LIMIT", "no_limit"))
        elif headroom <= 0:
            deciding.append(
                _reason(
                    "NO_HEADROOM",
                    "no_headroom",
                    exposure=standing.exposure,
                    limit=standing.limit,
                    currency=currency,
                )
            )
    else:
        excess = max(amount - headroom, Decimal(0))
        above = (excess / amount).quantize(SHARE_PLACES, ROUND_HALF_EVEN)
        class_b = Decimal(str(policy.prepayment_b_share)) if standing.credit_class == "B" else None
        if class_b is None and excess == 0:
            decision = "approve"
            deciding.append(
                _reason(
                    "WITHIN_LIMIT",
                    "within_limit",
                    grade=standing.grade,
                    headroom=headroom - amount,
                    currency=currency,
                )
            )
        else:
            decision = "approve_with_prepayment"
            share = max(above, class_b or Decimal(0))
            over = _reason(
                "OVER_HEADROOM",
                "over_headroom",
                excess=excess,
                headroom=headroom,
                currency=currency,
                share=_percent(above),
            )
            if class_b is not None:
                deciding.append(
                    _reason("CLASS_B", "class_b", grade=standing.grade, share=_percent(class_b))
                )
                if above > class_b:
                    deciding.insert(0, over)
                elif excess > 0:
                    deciding.append(over)
            else:
                deciding.append(over)
    return Screening(
        decision=decision,
        prepayment_share=None if share is None else float(share),
        exposure_before=standing.exposure,
        exposure_after=after,
        high_risk=high_risk,
        reasons=(*deciding, *others),
    )
