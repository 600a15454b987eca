"""Insurance's SQL: its own tables, and the ledger's columns that cover is judged on
(invoices with their delivery dates, allocations, disputes with their outcomes), read
for the whole ledger or for one buyer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy.orm import Session

from tradeguard.insurance.models import (
    Claim,
    ClaimRecovery,
    InsurancePolicy,
    OverdueNotification,
    PremiumDeclaration,
)
from tradeguard.kit.bulk import read_frame
from tradeguard.ledger.models import (
    Allocation,
    Buyer,
    BuyerEvent,
    Dispute,
    FxRate,
    InsurerLimit,
    Invoice,
)

# Events after which the seller may no longer rely on its discretionary limit.
ADVERSE_EVENTS = ("insolvency", "payment_default", "legal_proceedings")


def policies(session: Session, org_id: int) -> Sequence[InsurancePolicy]:
    query = select(InsurancePolicy).where(InsurancePolicy.org_id == org_id)
    return session.scalars(query.order_by(InsurancePolicy.starts_on.desc())).all()


def policy_by_number(session: Session, org_id: int, number: str) -> InsurancePolicy | None:
    query = select(InsurancePolicy).where(
        InsurancePolicy.org_id == org_id, InsurancePolicy.number == number
    )
    return session.scalars(query).one_or_none()


def policy_on(session: Session, org_id: int, on: dt.date) -> InsurancePolicy | None:
    query = select(InsurancePolicy).where(
        InsurancePolicy.org_id == org_id,
        InsurancePolicy.starts_on <= on,
        InsurancePolicy.ends_on >= on,
    )
    return session.scalars(query).one_or_none()


def overlapping(
    session: Session, org_id: int, number: str, start: dt.date, end: dt.date
) -> InsurancePolicy | None:
    """Another policy whose period shares a day with ``start``–``end``."""
    query = select(InsurancePolicy).where(
        InsurancePolicy.org_id == org_id,
        InsurancePolicy.number != number,
        InsurancePolicy.starts_on <= end,
        InsurancePolicy.ends_on >= start,
    )
    return session.scalars(query.limit(1)).first()


def policy(session: Session, org_id: int, policy_id: int) -> InsurancePolicy | None:
    row = session.get(InsurancePolicy, policy_id)
    return row if row is not None and row.org_id == org_id else None


def insurer_limits(session: Session, org_id: int, buyer_id: str) -> Sequence[InsurerLimit]:
    """A buyer's decisions, the latest first."""
    query = select(InsurerLimit).where(
        InsurerLimit.org_id == org_id, InsurerLimit.buyer_id == buyer_id
    )
    return session.scalars(query.order_by(InsurerLimit.effective_date.desc())).all()


def insurer_limit(
    session: Session, org_id: int, buyer_id: str, effective_date: dt.date
) -> InsurerLimit | None:
    return session.get(InsurerLimit, (org_id, buyer_id, effective_date))


def notifications(
    session: Session, org_id: int, buyer_id: str | None = None
) -> Sequence[OverdueNotification]:
    query = select(OverdueNotification).where(OverdueNotification.org_id == org_id)
    if buyer_id is not None:
        query = query.where(OverdueNotification.buyer_id == buyer_id)
    return session.scalars(query.order_by(OverdueNotification.notified_on.desc())).all()


def claims(
    session: Session, org_id: int, *, buyer_id: str | None = None, status: str | None = None
) -> Sequence[Claim]:
    query = select(Claim).where(Claim.org_id == org_id)
    if buyer_id is not None:
        query = query.where(Claim.buyer_id == buyer_id)
    if status is not None:
        query = query.where(Claim.status == status)
    return session.scalars(query.order_by(Claim.id.desc())).all()


def claim(session: Session, org_id: int, claim_id: int) -> Claim | None:
    row = session.get(Claim, claim_id)
    return row if row is not None and row.org_id == org_id else None


def year_claims(
    session: Session, policy_id: int, start: dt.date, end: dt.date, statuses: Sequence[str]
) -> Sequence[Claim]:
    """The policy year's claims in ``statuses`` (what consumed its first loss and its
    maximum liability)."""
    query = select(Claim).where(
        Claim.policy_id == policy_id,
        Claim.loss_date >= start,
        Claim.loss_date <= end,
        Claim.status.in_(statuses),
    )
    return session.scalars(query.order_by(Claim.id)).all()


def recoveries(session: Session, claim_id: int) -> Sequence[ClaimRecovery]:
    query = select(ClaimRecovery).where(ClaimRecovery.claim_id == claim_id)
    return session.scalars(query.order_by(ClaimRecovery.received_on, ClaimRecovery.id)).all()


def declarations(session: Session, policy_id: int) -> Sequence[PremiumDeclaration]:
    query = select(PremiumDeclaration).where(PremiumDeclaration.policy_id == policy_id)
    return session.scalars(query.order_by(PremiumDeclaration.month)).all()


def declaration(session: Session, policy_id: int, month: dt.date) -> PremiumDeclaration | None:
    query = select(PremiumDeclaration).where(
        PremiumDeclaration.policy_id == policy_id, PremiumDeclaration.month == month
    )
    return session.scalars(query).one_or_none()


# --- one buyer at the door (order screening): a few indexed reads -------------------


def latest_decision(
    session: Session, org_id: int, buyer_id: str, on: dt.date
) -> InsurerLimit | None:
    """The insurer's latest decision on the buyer effective on or before ``on``."""
    query = (
        select(InsurerLimit)
        .where(
            InsurerLimit.org_id == org_id,
            InsurerLimit.buyer_id == buyer_id,
            InsurerLimit.effective_date <= on,
        )
        .order_by(InsurerLimit.effective_date.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def notified_by(session: Session, org_id: int, buyer_id: str, on: dt.date) -> bool:
    query = select(OverdueNotification.id).where(
        OverdueNotification.org_id == org_id,
        OverdueNotification.buyer_id == buyer_id,
        OverdueNotification.notified_on <= on,
    )
    return session.scalar(query.limit(1)) is not None


def adverse_by(session: Session, org_id: int, buyer_id: str, on: dt.date) -> bool:
    """Whether an adverse event on the buyer is on record by ``on``."""
    query = select(BuyerEvent.event_id).where(
        BuyerEvent.org_id == org_id,
        BuyerEvent.buyer_id == buyer_id,
        BuyerEvent.type.in_(ADVERSE_EVENTS),
        BuyerEvent.date <= on,
    )
    return session.scalar(query.limit(1)) is not None


def open_at_deadline(
    session: Session,
    org_id: int,
    buyer_id: str,
    deadline_days: int,
    due_before: dt.date,
    delivered_from: dt.date,
) -> bool:
    """Whether an invoice of the buyer delivered from ``delivered_from`` and due before
    ``due_before`` was still open on its notification deadline (due date +
    ``deadline_days``): a deadline that may have been missed. Two indexed reads of the
    buyer's rows; whether the invoice was insured at delivery is the cover's to judge."""
    delivered = func.coalesce(Invoice.delivery_date, Invoice.issue_date)
    invoices = session.execute(
        select(Invoice.invoice_id, Invoice.amount, Invoice.due_date).where(
            Invoice.org_id == org_id,
            Invoice.buyer_id == buyer_id,
            Invoice.due_date < due_before,
            delivered >= delivered_from,
        )
    ).all()
    if not invoices:
        return False
    settled: dict[str, int] = {}
    deadline = {i.invoice_id: i.due_date + dt.timedelta(days=deadline_days) for i in invoices}
    for invoice_id, day, amount in session.execute(
        select(Allocation.invoice_id, Allocation.date, Allocation.amount).where(
            Allocation.org_id == org_id,
            Allocation.buyer_id == buyer_id,
            Allocation.invoice_id.in_(list(deadline)),
        )
    ):
        if day <= deadline[invoice_id]:
            settled[invoice_id] = settled.get(invoice_id, 0) + amount
    return any(i.amount > settled.get(i.invoice_id, 0) for i in invoices)


def rate_on(session: Session, org_id: int, currency: str, on: dt.date) -> str | None:
    """Base units for one unit of ``currency``: its latest rate on or before ``on``."""
    query = (
        select(FxRate.rate)
        .where(FxRate.org_id == org_id, FxRate.currency == currency, FxRate.date <= on)
        .order_by(FxRate.date.desc())
        .limit(1)
    )
    rate = session.scalar(query)
    return None if rate is None else str(rate)


# --- the ledger as cover sees it ---------------------------------------------------


def _of(
    column: Any, org_id: int, buyer_column: Any, buyer_id: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [column == org_id]
    if buyer_id is not None:
        conditions.append(buyer_column == buyer_id)
    return conditions


def cover_invoices(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    """invoice_id, buyer_id, issue_date, due_date, delivery_date, amount, currency."""
    return read_frame(
        connection,
        select(
            Invoice.invoice_id,
            Invoice.buyer_id,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.delivery_date,
            Invoice.amount,
            Invoice.currency,
        ).where(*_of(Invoice.org_id, org_id, Invoice.buyer_id, buyer_id)),
        {
            "invoice_id": pl.String,
            "buyer_id": pl.String,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "delivery_date": pl.Date,
            "amount": pl.Int64,
            "currency": pl.String,
        },
    )


def cover_allocations(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    """invoice_id, date, amount (the invoice's currency) of what settled invoices."""
    return read_frame(
        connection,
        select(Allocation.invoice_id, Allocation.date, Allocation.amount).where(
            *_of(Allocation.org_id, org_id, Allocation.buyer_id, buyer_id)
        ),
        {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64},
    )


def cover_disputes(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    query = select(
        Dispute.invoice_id, Dispute.opened_on, Dispute.resolved_on, Dispute.outcome
    ).where(Dispute.org_id == org_id)
    if buyer_id is not None:
        query = query.join(
            Invoice, and_(Invoice.org_id == org_id, Invoice.invoice_id == Dispute.invoice_id)
        ).where(Invoice.buyer_id == buyer_id)
    return read_frame(
        connection,
        query,
        {
            "invoice_id": pl.String,
            "opened_on": pl.Date,
            "resolved_on": pl.Date,
            "outcome": pl.String,
        },
    )


def cover_buyers(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    """buyer_id, name, country, and whether an adverse event is on record by today's
    data (``adverse_on``: the first one's date, null without)."""
    adverse = (
        select(BuyerEvent.buyer_id, func.min(BuyerEvent.date).label("adverse_on"))
        .where(BuyerEvent.org_id == org_id, BuyerEvent.type.in_(ADVERSE_EVENTS))
        .group_by(BuyerEvent.buyer_id)
        .subquery()
    )
    query = (
        select(Buyer.buyer_id, Buyer.name, Buyer.country, adverse.c.adverse_on)
        .outerjoin(adverse, adverse.c.buyer_id == Buyer.buyer_id)
        .where(*_of(Buyer.org_id, org_id, Buyer.buyer_id, buyer_id))
    )
    return read_frame(
        connection,
        query,
        {"buyer_id": pl.String, "name": pl.String, "country": pl.String, "adverse_on": pl.Date},
    )


def cover_limits(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    """buyer_id, amount, currency, effective_date, expiry_date: every decision."""
    return read_frame(
        connection,
        select(
            InsurerLimit.buyer_id,
            InsurerLimit.amount,
            InsurerLimit.currency,
            InsurerLimit.effective_date,
            InsurerLimit.expiry_date,
        ).where(*_of(InsurerLimit.org_id, org_id, InsurerLimit.buyer_id, buyer_id)),
        {
            "buyer_id": pl.String,
            "amount": pl.Int64,
            "currency": pl.String,
            "effective_date": pl.Date,
            "expiry_date": pl.Date,
        },
    )


def cover_notifications(connection: Connection, org_id: int, buyer_id: str | None) -> pl.DataFrame:
    """buyer_id, notified_on: each buyer's first notification."""
    return read_frame(
        connection,
        select(
            OverdueNotification.buyer_id,
            func.min(OverdueNotification.notified_on).label("notified_on"),
        )
        .where(*_of(OverdueNotification.org_id, org_id, OverdueNotification.buyer_id, buyer_id))
        .group_by(OverdueNotification.buyer_id),
        {"buyer_id": pl.String, "notified_on": pl.Date},
    )


def fx_rates(connection: Connection, org_id: int, on: dt.date) -> pl.DataFrame:
    """currency, date, rate: each currency's latest rate on or before ``on``."""
    latest = (
        select(FxRate.currency, func.max(FxRate.date).label("date"))
        .where(FxRate.org_id == org_id, FxRate.date <= on)
        .group_by(FxRate.currency)
        .subquery()
    )
    return read_frame(
        connection,
        select(FxRate.currency, FxRate.date, FxRate.rate).join(
            latest,
            and_(
                FxRate.org_id == org_id,
                FxRate.currency == latest.c.currency,
                FxRate.date == latest.c.date,
            ),
        ),
        {"currency": pl.String, "date": pl.Date, "rate": pl.String},
    )
