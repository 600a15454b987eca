"""Screen an order: read the buyer's standing on the day, decide, record the answer.

A screening reads a handful of indexed rows for one buyer, never the ledger: the buyer
with its open invoices (``ledger.repository.buyer_with_exposure``), its open orders
(``open_orders``), and in one more statement (``repository.standing``) its latest score
on or before the day, the limit in force, the stop-shipment, its unresolved alerts and
the two settings rows; then
``domain.screening.decision.screen`` decides and the screening is written to
``order_screenings`` in the caller's unit of work (the log is its own audit trail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.domain.credit.default import DEFAULT_CODES
from tradeguard.domain.credit.settings import CreditSettings
from tradeguard.domain.errors import InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import MissingFxRateError
from tradeguard.domain.limits.shipping import StopFlag
from tradeguard.domain.money import convert_minor, from_minor, minor_exponent, to_minor
from tradeguard.domain.monitoring.settings import MonitoringSettings
from tradeguard.domain.screening.decision import (
    BuyerStanding,
    Decision,
    DefaultTrigger,
    OpenAlert,
    ScreeningPolicy,
    ScreeningReason,
    screen,
)
from tradeguard.insurance import service as insurance
from tradeguard.kit.i18n import translate
from tradeguard.kit.pagination import Page
from tradeguard.ledger import repository as ledger
from tradeguard.locale import N_
from tradeguard.screening import repository
from tradeguard.screening.models import OrderScreening

MAX_AMOUNT = Decimal(10) ** 12  # as a limit: beyond it no column holds the minor units
MAX_TERMS_DAYS = 3650

# The reasons' templates (``domain.screening.decision.TEMPLATES``) and the decisions in
# words, marked for the catalogue: they reach the translator as data.
REASON_MESSAGES = (
    N_("shipments stopped permanently: {reason}"),
    N_("shipments stopped until {until}: {reason}"),
    N_("in default: {detail}"),
    N_("in default (grade 10)"),
    N_("high-severity alert open: {rule} (raised {raised_on})"),
    N_("an invoice is {days} days overdue (tolerance {tolerance} days)"),
    N_("not assessed yet: score the buyer before shipping on credit"),
    N_("class C (grade {grade}): cash before delivery only"),
    N_("no credit limit in force: cash before delivery"),
    N_("no headroom left: exposure {exposure} {currency} against a limit of {limit} {currency}"),
    N_("class B (grade {grade}): {share} of the order paid in advance"),
    N_(
        "the order is {excess} {currency} above the headroom of {headroom} {currency}:"
        " {share} of the order paid in advance"
    ),
    N_(
        "class A (grade {grade}) within the limit: {headroom} {currency} of headroom left"
        " after this order"
    ),
    N_("open alert: {rule} ({severity}, raised {raised_on})"),
)
DECISION_WORDS: dict[str, str] = {
    "approve": N_("Approve"),
    "approve_with_prepayment": N_("Approve with prepayment"),
    "cash_before_delivery": N_("Cash before delivery"),
    "hold": N_("Hold"),
}


class ScreeningInputError(InvalidInputError):
    pass


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """The order to screen, as the API, the CLI and the form give it."""

    buyer_id: str
    amount: Decimal
    currency: str | None = None  # None: the base currency
    terms_days: int | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    """One screening as it was answered (amounts in ``currency``, the base currency,
    except ``amount``, in ``order_currency``)."""

    screening_id: int
    buyer_id: str
    order_id: str | None
    as_of: dt.date
    screened_at: dt.datetime
    screened_by: str
    amount: Decimal
    order_currency: str
    terms_days: int | None
    decision: Decision
    prepayment_share: float | None
    limit: Decimal | None
    exposure_before: Decimal
    exposure_after: Decimal
    currency: str
    insured: bool | None
    grade: int | None
    credit_class: str | None
    high_risk: bool
    reasons: tuple[ScreeningReason, ...]

    @classmethod
    def of(cls, row: OrderScreening) -> ScreeningRecord:
        base = row.base_currency
        return cls(
            screening_id=row.id,
            buyer_id=row.buyer_id,
            order_id=row.order_id,
            as_of=row.screened_on,
            screened_at=row.screened_at,
            screened_by=row.screened_by,
            amount=from_minor(row.amount, row.currency),
            order_currency=row.currency,
            terms_days=row.terms_days,
            decision=row.decision,  # type: ignore[arg-type]  # written from a Decision
            prepayment_share=row.prepayment_share,
            limit=None if row.limit_amount is None else from_minor(row.limit_amount, base),
            exposure_before=from_minor(row.exposure_before, base),
            exposure_after=from_minor(row.exposure_after, base),
            currency=base,
            insured=row.insured,
            grade=row.grade,
            credit_class=row.credit_class,
            high_risk=row.high_risk,
            reasons=tuple(
                ScreeningReason(
                    str(r["code"]),
                    str(r["template"]),
                    {str(k): str(v) for k, v in dict(r["params"] or {}).items()},  # type: ignore[arg-type]
                )
                for r in row.reasons
            ),
        )


def reason_messages(reasons: tuple[ScreeningReason, ...], language: str) -> list[dict[str, str]]:
    """The reasons as ``{code, message}``, each message in ``language``."""
    return [
        {"code": r.code, "message": translate(language, r.template).format(**r.params)}
        for r in reasons
    ]


def _order_minor(order: OrderRequest, currency: str) -> int:
    amount = order.amount
    if not amount.is_finite() or amount <= 0:
        raise ScreeningInputError(f"amount: an order amount is more than 0, not {amount}", "amount")
    if amount > MAX_AMOUNT:
        raise ScreeningInputError(f"amount: at most {MAX_AMOUNT:,} {currency}", "amount")
    try:
        return to_minor(amount, currency)
    except ValueError as error:
        raise ScreeningInputError(f"amount: {error}", "amount") from None


def _currency(order: OrderRequest, base: str) -> str:
    currency = (order.currency or base).strip().upper()
    try:
        minor_exponent(currency)
    except ValueError as error:
        raise ScreeningInputError(f"currency: {error}", "currency") from None
    return currency


def _check(order: OrderRequest) -> None:
    if order.terms_days is not None and not 0 <= order.terms_days <= MAX_TERMS_DAYS:
        raise ScreeningInputError(
            f"terms_days: between 0 and {MAX_TERMS_DAYS}, not {order.terms_days}", "terms_days"
        )
    if order.order_id is not None and not 1 <= len(order.order_id) <= 64:
        raise ScreeningInputError("order_id: 1 to 64 characters", "order_id")


def screen_order(
    session: Session, org: Org, order: OrderRequest, *, as_of: dt.date, actor: str
) -> ScreeningRecord:
    """Screen ``order`` on ``as_of`` and record the screening (who, when, what, why)."""
    base = org.base_currency
    currency = _currency(order, base)
    minor = _order_minor(order, currency)
    _check(order)
    _, exposure = ledger.buyer_with_exposure(session, org, order.buyer_id, as_of)
    on_order = ledger.open_orders(session, org, order.buyer_id, as_of)
    if currency == base:
        in_base = from_minor(minor, base)
    else:
        rate = repository.latest_rate(session, org.id, currency, as_of)
        if rate is None:
            raise MissingFxRateError(currency, as_of)
        in_base = from_minor(convert_minor(minor, currency, base, rate), base)
    if in_base <= 0:
        raise ScreeningInputError(f"amount: {order.amount} {currency} is 0 in {base}", "amount")
    stored = repository.standing(session, org.id, order.buyer_id, as_of)
    if stored is None:  # deleted since the exposure was read
        raise NotFoundError(f"no buyer {order.buyer_id!r}")
    standing = _standing(stored, base, as_of, exposure, on_order)
    policy = ScreeningPolicy(
        overdue_tolerance_days=MonitoringSettings.from_dict(
            stored.monitoring_settings
        ).overdue_tolerance_days,
        prepayment_b_share=CreditSettings.stored(stored.credit_settings).prepayment_b_share,
    )
    answer = screen(standing, in_base, policy)
    values: dict[str, Any] = {
        "org_id": org.id,
        "buyer_id": order.buyer_id,
        "order_id": order.order_id,
        "screened_on": as_of,
        "screened_at": dt.datetime.now(dt.UTC),
        "screened_by": actor,
        "amount": minor,
        "currency": currency,
        "terms_days": order.terms_days,
        "decision": answer.decision,
        "prepayment_share": answer.prepayment_share,
        "base_currency": base,
        "limit_amount": None if standing.limit is None else to_minor(standing.limit, base),
        "exposure_before": to_minor(answer.exposure_before, base),
        "exposure_after": to_minor(answer.exposure_after, base),
        "grade": standing.grade,
        "credit_class": standing.credit_class,
        "high_risk": answer.high_risk,
        "insured": insurance.insured_delivery(
            session, org, order.buyer_id, in_base, as_of, order.terms_days, exposure.open_amount
        ),
        "reasons": [
            {"code": r.code, "message": r.message, "template": r.template, "params": dict(r.params)}
            for r in answer.reasons
        ],
    }
    screening_id = repository.add(session, values)
    return ScreeningRecord.of(OrderScreening(id=screening_id, **values))


def _standing(
    stored: repository.StoredStanding,
    base: str,
    as_of: dt.date,
    exposure: ledger.Exposure,
    on_order: Decimal,
) -> BuyerStanding:
    triggers = tuple(
        DefaultTrigger(str(r["code"]), str(r.get("message") or r["factor"]))
        for r in stored.score_reasons
        if r["code"] in DEFAULT_CODES
    )
    active = stored.stop_reason is not None and StopFlag(
        stored.stop_until, stored.stop_reason
    ).active(as_of)
    limit = (
        None
        if stored.limit_amount is None or stored.limit_currency is None
        else from_minor(stored.limit_amount, stored.limit_currency)
    )
    return BuyerStanding(
        currency=base,
        grade=stored.grade,
        credit_class=stored.credit_class,
        limit=limit,
        exposure=exposure.open_amount + on_order,
        stop_until=stored.stop_until if active else None,
        stop_reason=stored.stop_reason if active else None,
        default_triggers=triggers,
        oldest_days_overdue=exposure.oldest_days_overdue,
        alerts=tuple(OpenAlert(a.rule, a.severity, a.raised_on) for a in stored.alerts),
    )


def screenings(
    session: Session, org: Org, buyer_id: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    """The screening log, newest first, as ``ScreeningRecord`` items."""
    page = repository.screenings(session, org.id, buyer_id, limit, offset)
    return Page([ScreeningRecord.of(r) for r in page.items], page.total, limit, offset)


def holds(session: Session, org: Org, since: dt.date, limit: int = 100) -> list[ScreeningRecord]:
    """The orders put on hold since ``since``, newest first (the credit manager's page)."""
    return [ScreeningRecord.of(r) for r in repository.holds(session, org.id, since, limit)]


@dataclass(frozen=True, slots=True)
class QuarterInterception:
    """High-risk orders screened in a quarter and how many were not approved as asked."""

    quarter: str  # e.g. 2026-Q4
    high_risk_orders: int
    intercepted: int
    share: float | None  # intercepted / high_risk_orders; None without a high-risk order


def interception(session: Session, org: Org) -> list[QuarterInterception]:
    """The share of high-risk orders intercepted, per quarter with screenings, oldest first."""
    days = repository.daily_interceptions(session, org.id)
    quarters = (
        days.with_columns(
            quarter=pl.col("day").dt.year().cast(pl.String)
            + "-Q"
            + pl.col("day").dt.quarter().cast(pl.String)
        )
        .group_by("quarter")
        .agg(pl.col("high_risk_orders").sum(), pl.col("intercepted").sum())
        .with_columns(
            share=pl.when(pl.col("high_risk_orders") > 0).then(
                pl.col("intercepted") / pl.col("high_risk_orders")
            )
        )
        .sort("quarter")
    )
    return [QuarterInterception(**row) for row in quarters.iter_rows(named=True)]
