"""Reading the ledger page by page: lists with filters and sorting, one buyer's exposure.

All queries are scoped to one organisation; a key from another organisation simply
does not exist (``NotFoundError``), so ids cannot be guessed across sellers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradeguard.analytics.ledger import MissingFxRateError
from tradeguard.domain.access import Org
from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.money import convert_minor, from_minor
from tradeguard.store.models import (
    Allocation,
    AuditEntry,
    Buyer,
    FinancialStatement,
    FxRate,
    Invoice,
    Order,
    Payment,
)


class NotFoundError(TradeGuardError):
    pass


class BadQueryError(TradeGuardError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    total: int
    limit: int
    offset: int


def _page(
    session: Session,
    query: Select[Any],
    sortable: dict[str, InstrumentedAttribute[Any]],
    sort: str,
    limit: int,
    offset: int,
    tiebreak: InstrumentedAttribute[Any],
) -> Page:
    name = sort.removeprefix("-")
    if name not in sortable:
        raise BadQueryError("sort", f"unknown field {name!r}; choose one of {', '.join(sortable)}")
    column = sortable[name]
    order = column.desc() if sort.startswith("-") else column.asc()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(order, tiebreak).limit(limit).offset(offset)).all()
    return Page(list(rows), total, limit, offset)


def buyers(
    session: Session,
    org: Org,
    *,
    q: str | None = None,
    country: str | None = None,
    industry: str | None = None,
    sort: str = "buyer_id",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(Buyer).where(Buyer.org_id == org.id)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(Buyer.name).like(pattern), func.lower(Buyer.buyer_id).like(pattern))
        )
    if country:
        query = query.where(Buyer.country == country.upper())
    if industry:
        query = query.where(Buyer.industry == industry)
    sortable = {
        "buyer_id": Buyer.buyer_id,
        "name": Buyer.name,
        "country": Buyer.country,
        "industry": Buyer.industry,
    }
    return _page(session, query, sortable, sort, limit, offset, Buyer.buyer_id)


_BUYER = select(Buyer).where(
    Buyer.org_id == bindparam("org_id", type_=Integer),
    Buyer.buyer_id == bindparam("buyer_id", type_=String),
)


def buyer(session: Session, org: Org, buyer_id: str) -> Buyer:
    found = session.execute(_BUYER, {"org_id": org.id, "buyer_id": buyer_id}).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"no buyer {buyer_id!r}")
    return found


def _date_range(
    column: InstrumentedAttribute[dt.date], start: dt.date | None, end: dt.date | None
) -> list[ColumnElement[bool]]:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return conditions


def invoices(
    session: Session,
    org: Org,
    *,
    buyer_id: str | None = None,
    currency: str | None = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    sort: str = "-issue_date",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(Invoice).where(
        Invoice.org_id == org.id, *_date_range(Invoice.issue_date, issued_from, issued_to)
    )
    if buyer_id:
        query = query.where(Invoice.buyer_id == buyer_id)
    if currency:
        query = query.where(Invoice.currency == currency.upper())
    sortable = {
        "invoice_id": Invoice.invoice_id,
        "issue_date": Invoice.issue_date,
        "due_date": Invoice.due_date,
        "amount": Invoice.amount,
        "buyer_id": Invoice.buyer_id,
    }
    return _page(session, query, sortable, sort, limit, offset, Invoice.invoice_id)


def invoice(session: Session, org: Org, invoice_id: str) -> Invoice:
    found = session.get(Invoice, (org.id, invoice_id))
    if found is None:
        raise NotFoundError(f"no invoice {invoice_id!r}")
    return found


def settled_amounts(session: Session, org: Org, invoice_ids: Sequence[str]) -> dict[str, int]:
    """Minor units settled so far on each of the given invoices."""
    if not invoice_ids:
        return {}
    rows = session.execute(
        select(Allocation.invoice_id, func.sum(Allocation.amount))
        .where(Allocation.org_id == org.id, Allocation.invoice_id.in_(list(invoice_ids)))
        .group_by(Allocation.invoice_id)
    )
    return {invoice_id: int(total) for invoice_id, total in rows}


def payments(
    session: Session,
    org: Org,
    *,
    buyer_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = "-date",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(Payment).where(
        Payment.org_id == org.id, *_date_range(Payment.date, date_from, date_to)
    )
    if buyer_id:
        query = query.where(Payment.buyer_id == buyer_id)
    sortable = {"payment_id": Payment.payment_id, "date": Payment.date, "amount": Payment.amount}
    return _page(session, query, sortable, sort, limit, offset, Payment.payment_id)


def payment(session: Session, org: Org, payment_id: str) -> Payment:
    found = session.get(Payment, (org.id, payment_id))
    if found is None:
        raise NotFoundError(f"no payment {payment_id!r}")
    return found


def financials(
    session: Session,
    org: Org,
    *,
    buyer_id: str | None = None,
    sort: str = "buyer_id",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(FinancialStatement).where(FinancialStatement.org_id == org.id)
    if buyer_id:
        query = query.where(FinancialStatement.buyer_id == buyer_id)
    sortable = {
        "buyer_id": FinancialStatement.buyer_id,
        "fiscal_year": FinancialStatement.fiscal_year,
    }
    return _page(session, query, sortable, sort, limit, offset, FinancialStatement.fiscal_year)


def orders(
    session: Session,
    org: Org,
    *,
    buyer_id: str | None = None,
    status: str | None = None,
    sort: str = "-date",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(Order).where(Order.org_id == org.id)
    if buyer_id:
        query = query.where(Order.buyer_id == buyer_id)
    if status:
        query = query.where(Order.status == status)
    sortable = {"order_id": Order.order_id, "date": Order.date, "amount": Order.amount}
    return _page(session, query, sortable, sort, limit, offset, Order.order_id)


def audit_log(
    session: Session,
    org: Org,
    *,
    entity: str | None = None,
    actor: str | None = None,
    sort: str = "-at",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(AuditEntry).where(AuditEntry.org_id == org.id)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    sortable = {"at": AuditEntry.at, "id": AuditEntry.id}
    return _page(session, query, sortable, sort, limit, offset, AuditEntry.id)


@dataclass(frozen=True, slots=True)
class Exposure:
    """What one buyer owes on a date, in the seller's base currency."""

    as_of: dt.date
    currency: str
    open_amount: Decimal
    overdue_amount: Decimal
    open_invoices: int
    oldest_days_overdue: int | None


_ORG_ID = bindparam("org_id", type_=Integer)
_BUYER_ID = bindparam("buyer_id", type_=String)
_AS_OF = bindparam("as_of", type_=Date)


def _open_items_statement() -> Select[dt.date, str, int, Decimal]:
    """Each open invoice of one buyer on a date, with the latest FX rate of its currency.

    Built once: composing a statement of this size costs several times more than running
    it (parameters: ``org_id``, ``buyer_id``, ``as_of``).
    """
    settled = (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("settled"))
        .where(
            Allocation.org_id == _ORG_ID,
            Allocation.buyer_id == _BUYER_ID,
            Allocation.date <= _AS_OF,
        )
        .group_by(Allocation.invoice_id)
        .subquery("settled")
    )
    open_amount = Invoice.amount - func.coalesce(settled.c.settled, 0)
    rate = (
        select(FxRate.rate)
        .where(FxRate.org_id == _ORG_ID, FxRate.currency == Invoice.currency, FxRate.date <= _AS_OF)
        .order_by(FxRate.date.desc())
        .limit(1)
        .correlate(Invoice)
        .scalar_subquery()
    )
    return (
        select(
            Invoice.due_date.label("due_date"),
            Invoice.currency.label("item_currency"),
            open_amount.label("open"),
            rate.label("rate"),
        )
        .select_from(Invoice)
        .outerjoin(settled, settled.c.invoice_id == Invoice.invoice_id)
        .where(
            Invoice.org_id == _ORG_ID,
            Invoice.buyer_id == _BUYER_ID,
            Invoice.issue_date <= _AS_OF,
            open_amount > 0,
        )
    )


_OPEN_ITEMS = _open_items_statement()
_OPEN = _OPEN_ITEMS.subquery("open_items")
# The buyer's own columns with its open items: one row per open invoice, or one row with
# empty item columns when there is none, and no row for an unknown buyer.
_BUYER_WITH_OPEN_ITEMS = (
    select(
        Buyer.buyer_id,
        Buyer.name,
        Buyer.country,
        Buyer.industry,
        Buyer.registration_number,
        Buyer.currency,
        Buyer.terms_days,
        _OPEN.c.due_date,
        _OPEN.c.item_currency,
        _OPEN.c.open,
        _OPEN.c.rate,
    )
    .select_from(Buyer)
    .outerjoin(_OPEN, true())
    .where(Buyer.org_id == _ORG_ID, Buyer.buyer_id == _BUYER_ID)
)


def _exposure_of(rows: Sequence[Any], base: str, as_of: dt.date) -> Exposure:
    """Sum open items (``due_date``, ``item_currency``, ``open``, ``rate``) in ``base``.

    Each amount is converted on its own by the one rule (``domain.money.convert_minor``,
    as the analytics do), so totals are exact sums of integers; the latest rate of a
    currency is its rate, and a missing one is an error.
    """
    missing = sorted({r.item_currency for r in rows if r.rate is None and r.item_currency != base})
    if missing:
        raise MissingFxRateError(missing[0], as_of)
    open_total = overdue_total = 0
    oldest: int | None = None
    for row in rows:
        in_base = convert_minor(int(row.open), row.item_currency, base, row.rate or Decimal(1))
        open_total += in_base
        days = (as_of - row.due_date).days
        if days > 0:
            overdue_total += in_base
            oldest = days if oldest is None else max(oldest, days)
    return Exposure(
        as_of,
        base,
        from_minor(open_total, base),
        from_minor(overdue_total, base),
        len(rows),
        oldest,
    )


def exposure(session: Session, org: Org, buyer_id: str, as_of: dt.date) -> Exposure:
    """One buyer's open and overdue amounts on ``as_of``, in one query.

    The database returns each open invoice (issued by ``as_of``, less what was allocated
    to it by then) with the latest FX rate of its currency on or before ``as_of``. The
    rows are plain columns, so the statement runs on the session's connection: the ORM's
    execution path would only add cost.
    """
    parameters = {"org_id": org.id, "buyer_id": buyer_id, "as_of": as_of}
    rows = session.connection().execute(_OPEN_ITEMS, parameters).all()
    return _exposure_of(rows, org.base_currency, as_of)


@dataclass(frozen=True, slots=True)
class BuyerFacts:
    """A buyer's own columns, as the API shows them."""

    buyer_id: str
    name: str
    country: str
    industry: str
    registration_number: str | None
    currency: str | None
    terms_days: int | None


def buyer_with_exposure(
    session: Session, org: Org, buyer_id: str, as_of: dt.date
) -> tuple[BuyerFacts, Exposure]:
    """``buyer`` and ``exposure`` together, in one query (the API's buyer endpoint)."""
    parameters = {"org_id": org.id, "buyer_id": buyer_id, "as_of": as_of}
    rows = session.connection().execute(_BUYER_WITH_OPEN_ITEMS, parameters).all()
    if not rows:
        raise NotFoundError(f"no buyer {buyer_id!r}")
    first = rows[0]
    facts = BuyerFacts(
        first.buyer_id,
        first.name,
        first.country,
        first.industry,
        first.registration_number,
        first.currency,
        first.terms_days,
    )
    items = rows if first.item_currency is not None else []
    return facts, _exposure_of(items, org.base_currency, as_of)
