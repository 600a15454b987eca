"""Reading the ledger: lists page by page with filters and sorting, one buyer's exposure
and invoices, and the columnar snapshot whole-ledger analytics run on.

All queries are scoped to one organisation; a key from another organisation simply
does not exist (``NotFoundError``), so ids cannot be guessed across sellers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVarTuple

import polars as pl
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradeguard.domain.errors import BadQueryError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import DISPUTES_SCHEMA, LedgerSnapshot, MissingFxRateError
from tradeguard.domain.money import convert_minor, from_minor
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.pagination import Page, paginate
from tradeguard.ledger.models import (
    Allocation,
    Buyer,
    BuyerEvent,
    Dispute,
    FinancialStatement,
    FxRate,
    Invoice,
    Order,
    Payment,
)


def load_snapshot(connection: Connection, org_id: int, base_currency: str) -> LedgerSnapshot:
    """The ledger's columns, read in the caller's transaction (one consistent view)."""
    invoices = read_frame(
        connection,
        select(
            Invoice.invoice_id,
            Invoice.buyer_id,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.amount,
            Invoice.currency,
        ).where(Invoice.org_id == org_id),
        {
            "invoice_id": pl.String,
            "buyer_id": pl.String,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "amount": pl.Int64,
            "currency": pl.String,
        },
    )
    allocations = read_frame(
        connection,
        select(
            Allocation.invoice_id,
            Allocation.source_type,
            Allocation.date,
            Allocation.amount,
        ).where(Allocation.org_id == org_id),
        {"invoice_id": pl.String, "source_type": pl.String, "date": pl.Date, "amount": pl.Int64},
    )
    return LedgerSnapshot(
        base_currency=base_currency,
        buyers=read_frame(
            connection,
            select(Buyer.buyer_id, Buyer.name, Buyer.country, Buyer.industry).where(
                Buyer.org_id == org_id
            ),
            {"buyer_id": pl.String, "name": pl.String, "country": pl.String, "industry": pl.String},
        ),
        invoices=invoices,
        allocations=allocations,
        fx=read_frame(
            connection,
            select(FxRate.currency, FxRate.date, FxRate.rate).where(FxRate.org_id == org_id),
            {"currency": pl.String, "date": pl.Date, "rate": pl.String},
        ),
        disputes=read_frame(
            connection,
            select(Dispute.invoice_id, Dispute.opened_on, Dispute.resolved_on).where(
                Dispute.org_id == org_id
            ),
            DISPUTES_SCHEMA,
        ),
    )


Columns = TypeVarTuple("Columns")


def filter_buyers(
    query: Select[*Columns], q: str | None, country: str | None, industry: str | None
) -> Select[*Columns]:
    """The buyers list's filters: a name or id fragment, a country, an industry."""
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(Buyer.name).like(pattern), func.lower(Buyer.buyer_id).like(pattern))
        )
    if country:
        query = query.where(Buyer.country == country.upper())
    if industry:
        query = query.where(Buyer.industry == industry)
    return query


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
    query = filter_buyers(query, q, country, industry)
    sortable = {
        "buyer_id": Buyer.buyer_id,
        "name": Buyer.name,
        "country": Buyer.country,
        "industry": Buyer.industry,
    }
    return paginate(session, query, sortable, sort, limit, offset, Buyer.buyer_id)


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
    return paginate(session, query, sortable, sort, limit, offset, Invoice.invoice_id)


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
    return paginate(session, query, sortable, sort, limit, offset, Payment.payment_id)


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
    return paginate(session, query, sortable, sort, limit, offset, FinancialStatement.fiscal_year)


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
    return paginate(session, query, sortable, sort, limit, offset, Order.order_id)


def open_order_totals(connection: Connection, org_id: int, as_of: dt.date) -> pl.DataFrame:
    """What every buyer has on order and not yet delivered or cancelled on ``as_of``:
    buyer_id, currency, amount (minor units of the currency), grouped in the database."""
    query = (
        select(Order.buyer_id, Order.currency, func.sum(Order.amount).label("amount"))
        .where(Order.org_id == org_id, Order.status == "open", Order.date <= as_of)
        .group_by(Order.buyer_id, Order.currency)
    )
    return read_frame(
        connection, query, {"buyer_id": pl.String, "currency": pl.String, "amount": pl.Int64}
    )


def events_between(
    connection: Connection, org_id: int, after: dt.date, until: dt.date
) -> pl.DataFrame:
    """The buyer events dated in (``after``, ``until``]: event_id, buyer_id, date, type."""
    query = select(
        BuyerEvent.event_id, BuyerEvent.buyer_id, BuyerEvent.date, BuyerEvent.type
    ).where(BuyerEvent.org_id == org_id, BuyerEvent.date > after, BuyerEvent.date <= until)
    schema = {"event_id": pl.String, "buyer_id": pl.String, "date": pl.Date, "type": pl.String}
    return read_frame(connection, query, schema)


def disputes_open_on(connection: Connection, org_id: int, as_of: dt.date) -> pl.DataFrame:
    """The disputes open at the end of ``as_of`` with a known amount: dispute_id,
    buyer_id, invoice_id, opened_on, amount (minor units of currency), currency."""
    query = (
        select(
            Dispute.dispute_id,
            Invoice.buyer_id,
            Dispute.invoice_id,
            Dispute.opened_on,
            Dispute.amount,
            Invoice.currency,
        )
        .join(
            Invoice,
            (Invoice.org_id == Dispute.org_id) & (Invoice.invoice_id == Dispute.invoice_id),
        )
        .where(
            Dispute.org_id == org_id,
            Dispute.opened_on <= as_of,
            or_(Dispute.resolved_on.is_(None), Dispute.resolved_on > as_of),
            Dispute.amount.is_not(None),
        )
    )
    schema = {
        "dispute_id": pl.String,
        "buyer_id": pl.String,
        "invoice_id": pl.String,
        "opened_on": pl.Date,
        "amount": pl.Int64,
        "currency": pl.String,
    }
    return read_frame(connection, query, schema)


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


def settled_by(
    org_id: int | BindParameter[int],
    as_of: dt.date | BindParameter[dt.date],
    buyer_id: str | BindParameter[str] | None = None,
) -> Subquery:
    """What was settled on each invoice (of one buyer, or all) by the end of ``as_of``:
    its payments, credit notes and write-offs dated on or before it, summed (columns
    invoice_id, settled). Outer-join it on the invoice id: no row, nothing settled."""
    buyer = [] if buyer_id is None else [Allocation.buyer_id == buyer_id]
    return (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("settled"))
        .where(Allocation.org_id == org_id, *buyer, Allocation.date <= as_of)
        .group_by(Allocation.invoice_id)
        .subquery("settled")
    )


def open_after(settled: Subquery) -> ColumnElement[int]:
    """An invoice's open amount once ``settled`` (a ``settled_by``) is taken off it."""
    return Invoice.amount - func.coalesce(settled.c.settled, 0)


def _open_items_statement() -> Select[dt.date, str, int, Decimal]:
    """Each open invoice of one buyer on a date, with the latest FX rate of its currency.

    Built once: composing a statement of this size costs several times more than running
    it (parameters: ``org_id``, ``buyer_id``, ``as_of``).
    """
    settled = settled_by(_ORG_ID, _AS_OF, _BUYER_ID)
    open_amount = open_after(settled)
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


InvoiceStatus = Literal["all", "open", "overdue"]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """An invoice as it stood on a date: what was still open then, and how late it was."""

    invoice_id: str
    issue_date: dt.date
    due_date: dt.date
    amount: Decimal
    currency: str
    open_amount: Decimal
    days_overdue: int | None  # None: nothing open on the date, or not due before it


def buyer_invoices(
    session: Session,
    org: Org,
    buyer_id: str,
    as_of: dt.date,
    *,
    status: InvoiceStatus = "all",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The buyer's invoices issued by ``as_of``, newest first, as ``InvoiceLine`` items.

    The open amount is the point-in-time one: the amount less what was allocated to the
    invoice on or before ``as_of``. ``open`` keeps the invoices with something open then,
    ``overdue`` those of them due before ``as_of``; the filter and the paging run in SQL,
    so a buyer with thousands of invoices costs one page of rows.
    """
    if status not in ("all", "open", "overdue"):
        raise BadQueryError("status", f"unknown status {status!r}; choose all, open or overdue")
    settled = settled_by(org.id, as_of, buyer_id)
    open_amount = open_after(settled)
    query = (
        select(
            Invoice.invoice_id,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.amount,
            Invoice.currency,
            open_amount.label("open_amount"),
        )
        .select_from(Invoice)
        .outerjoin(settled, settled.c.invoice_id == Invoice.invoice_id)
        .where(Invoice.org_id == org.id, Invoice.buyer_id == buyer_id, Invoice.issue_date <= as_of)
    )
    if status != "all":
        query = query.where(open_amount > 0)
    if status == "overdue":
        query = query.where(Invoice.due_date < as_of)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Invoice.issue_date.desc(), Invoice.invoice_id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    lines = [
        InvoiceLine(
            row.invoice_id,
            row.issue_date,
            row.due_date,
            from_minor(row.amount, row.currency),
            row.currency,
            from_minor(int(row.open_amount), row.currency),
            (as_of - row.due_date).days if row.open_amount > 0 and row.due_date < as_of else None,
        )
        for row in rows
    ]
    return Page(lines, total, limit, offset)
