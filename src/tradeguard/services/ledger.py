"""Reading the ledger page by page: lists with filters and sorting, one buyer's exposure.

All queries are scoped to one organisation; a key from another organisation simply
does not exist (``NotFoundError``), so ids cannot be guessed across sellers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    bindparam,
    case,
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
    CreditLimit,
    CreditLimitRequest,
    CreditScore,
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


Columns = TypeVarTuple("Columns")


def _filter_buyers(
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
    query = _filter_buyers(query, q, country, industry)
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


# ---- one buyer's invoices on a date ----------------------------------------------------

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
    settled = (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("settled"))
        .where(
            Allocation.org_id == org.id,
            Allocation.buyer_id == buyer_id,
            Allocation.date <= as_of,
        )
        .group_by(Allocation.invoice_id)
        .subquery("settled")
    )
    open_amount = Invoice.amount - func.coalesce(settled.c.settled, 0)
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


# ---- the buyers list: every buyer with its risk figures ---------------------------------


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """One buyer in the buyers list. Amounts are in the organisation's base currency;
    ``exposure`` and ``overdue`` are None when a currency it owes in has no FX rate."""

    buyer_id: str
    name: str
    country: str
    industry: str
    grade: int | None
    credit_class: str | None
    exposure: Decimal | None
    overdue: Decimal | None
    limit: Decimal | None
    limit_currency: str | None


@dataclass(frozen=True, slots=True)
class PortfolioPage:
    items: list[PortfolioRow]
    total: int
    limit: int
    offset: int
    as_of: dt.date
    currency: str
    missing_fx: list[str]  # currencies owed on ``as_of`` without a rate on or before it


PORTFOLIO_SORTS = (
    "buyer_id",
    "name",
    "country",
    "industry",
    "grade",
    "class",
    "exposure",
    "limit",
    "overdue",
)
_PORTFOLIO_KEYS: dict[str, str] = {"class": "credit_class", "overdue": "overdue"}


def _latest_scores(org_id: int, as_of: dt.date | None) -> Select[str, int, str]:
    """Each buyer's grade and class from its latest score (on or before ``as_of``)."""
    conditions = [CreditScore.org_id == org_id]
    if as_of is not None:
        conditions.append(CreditScore.as_of <= as_of)
    latest = (
        select(CreditScore.buyer_id, func.max(CreditScore.as_of).label("as_of"))
        .where(*conditions)
        .group_by(CreditScore.buyer_id)
        .subquery("latest")
    )
    return (
        select(CreditScore.buyer_id, CreditScore.grade, CreditScore.credit_class)
        .join(
            latest,
            (CreditScore.buyer_id == latest.c.buyer_id) & (CreditScore.as_of == latest.c.as_of),
        )
        .where(CreditScore.org_id == org_id)
    )


def _latest_rates(session: Session, org: Org, as_of: dt.date) -> dict[str, Decimal]:
    """The latest FX rate of each currency on or before ``as_of`` (to the base currency);
    the base currency's is 1 unless the organisation recorded one, as in the analytics."""
    latest = (
        select(FxRate.currency, func.max(FxRate.date).label("date"))
        .where(FxRate.org_id == org.id, FxRate.date <= as_of)
        .group_by(FxRate.currency)
        .subquery("latest")
    )
    rows = session.execute(
        select(FxRate.currency, FxRate.rate)
        .join(latest, (FxRate.currency == latest.c.currency) & (FxRate.date == latest.c.date))
        .where(FxRate.org_id == org.id)
    )
    rates = {org.base_currency: Decimal(1)}
    rates.update({currency: Decimal(rate) for currency, rate in rows})
    return rates


def _in_base_minor(minor: int, currency: str, rate: Decimal, base: str) -> int:
    """Minor units of ``currency`` in base minor units, by the one rule (half to even)."""
    return convert_minor(minor, currency, base, rate)


def _open_per_buyer_currency(
    session: Session, org: Org, as_of: dt.date
) -> list[tuple[str, str, int, int]]:
    """(buyer, currency, open, overdue) minor units on ``as_of`` for every buyer owing
    something, summed in the database over the invoices open on that date."""
    settled = (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("settled"))
        .where(Allocation.org_id == org.id, Allocation.date <= as_of)
        .group_by(Allocation.invoice_id)
        .subquery("settled")
    )
    open_amount = Invoice.amount - func.coalesce(settled.c.settled, 0)
    query = (
        select(
            Invoice.buyer_id,
            Invoice.currency,
            func.sum(open_amount),
            func.sum(case((Invoice.due_date < as_of, open_amount), else_=0)),
        )
        .select_from(Invoice)
        .outerjoin(settled, settled.c.invoice_id == Invoice.invoice_id)
        .where(Invoice.org_id == org.id, Invoice.issue_date <= as_of, open_amount > 0)
        .group_by(Invoice.buyer_id, Invoice.currency)
    )
    return [(b, c, int(o), int(d)) for b, c, o, d in session.execute(query)]


def portfolio(
    session: Session,
    org: Org,
    as_of: dt.date,
    *,
    q: str | None = None,
    country: str | None = None,
    industry: str | None = None,
    credit_class: str | None = None,
    overdue_only: bool = False,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> PortfolioPage:
    """The buyers list: each buyer with its latest grade and class, exposure and overdue
    amount on ``as_of`` and limit in force, filtered, sorted by any column and paged.

    Open amounts are summed in SQL per (buyer, currency), so the database returns a few
    rows per buyer rather than its invoices; each sum is converted to the base currency
    with the latest rate on or before ``as_of`` exactly (Decimal, rounded half to even
    to the base minor unit). Sorting by a computed column needs every buyer's figures,
    which for thousands of buyers is a few thousand small rows.
    """
    name = sort.removeprefix("-")
    if name not in PORTFOLIO_SORTS:
        raise BadQueryError(
            "sort", f"unknown field {name!r}; choose one of {', '.join(PORTFOLIO_SORTS)}"
        )
    query = select(Buyer.buyer_id, Buyer.name, Buyer.country, Buyer.industry).where(
        Buyer.org_id == org.id
    )
    query = _filter_buyers(query, q, country, industry)
    base = org.base_currency
    rates = _latest_rates(session, org, as_of)
    exposure: dict[str, int | None] = {}
    overdue: dict[str, int | None] = {}
    missing: set[str] = set()
    for buyer_id, currency, open_minor, overdue_minor in _open_per_buyer_currency(
        session, org, as_of
    ):
        rate = rates.get(currency)
        known_open, known_overdue = exposure.get(buyer_id, 0), overdue.get(buyer_id, 0)
        if rate is None or known_open is None or known_overdue is None:
            if rate is None:
                missing.add(currency)
            exposure[buyer_id] = overdue[buyer_id] = None
            continue
        exposure[buyer_id] = known_open + _in_base_minor(open_minor, currency, rate, base)
        overdue[buyer_id] = known_overdue + _in_base_minor(overdue_minor, currency, rate, base)
    scores = {b: (g, c) for b, g, c in session.execute(_latest_scores(org.id, as_of))}
    limits = {
        b: (from_minor(amount, currency), currency)
        for b, amount, currency in session.execute(
            select(CreditLimit.buyer_id, CreditLimit.amount, CreditLimit.currency).where(
                CreditLimit.org_id == org.id
            )
        )
    }

    def in_base(minor: int | None) -> Decimal | None:
        return None if minor is None else from_minor(minor, base)

    rows = []
    for buyer_id, buyer_name, buyer_country, buyer_industry in session.execute(query):
        grade, klass = scores.get(buyer_id, (None, None))
        limit_amount, limit_currency = limits.get(buyer_id, (None, None))
        rows.append(
            PortfolioRow(
                buyer_id,
                buyer_name,
                buyer_country,
                buyer_industry,
                grade,
                klass,
                in_base(exposure.get(buyer_id, 0)),
                in_base(overdue.get(buyer_id, 0)),
                limit_amount,
                limit_currency,
            )
        )
    if credit_class:
        rows = [r for r in rows if r.credit_class == credit_class]
    if overdue_only:
        rows = [r for r in rows if r.overdue is None or r.overdue > 0]
    rows = _sorted_rows(rows, _PORTFOLIO_KEYS.get(name, name), descending=sort.startswith("-"))
    return PortfolioPage(
        rows[offset : offset + limit], len(rows), limit, offset, as_of, base, sorted(missing)
    )


def _sorted_rows(rows: list[PortfolioRow], key: str, *, descending: bool) -> list[PortfolioRow]:
    """Sorted by one column, ties by buyer id; rows without a value last either way."""
    rows = sorted(rows, key=lambda r: r.buyer_id)
    known = [r for r in rows if getattr(r, key) is not None]
    unknown = [r for r in rows if getattr(r, key) is None]
    return sorted(known, key=lambda r: getattr(r, key), reverse=descending) + unknown


# ---- limit requests waiting for a decision ---------------------------------------------

_PENDING = "pending"  # limits.PENDING (services.limits imports this module)


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A limit request waiting for a decision, with its buyer's latest grade and class."""

    id: int
    buyer_id: str
    buyer_name: str
    amount: Decimal
    currency: str
    reason: str | None
    requested_by: str
    requested_at: dt.datetime
    grade: int | None
    credit_class: str | None


def pending_limit_requests(session: Session, org: Org) -> list[PendingRequest]:
    """Every pending limit request of the organisation, oldest first."""
    scores = _latest_scores(org.id, None).subquery("scores")
    rows = session.execute(
        select(CreditLimitRequest, Buyer.name, scores.c.grade, scores.c.credit_class)
        .join(
            Buyer,
            (Buyer.org_id == CreditLimitRequest.org_id)
            & (Buyer.buyer_id == CreditLimitRequest.buyer_id),
        )
        .outerjoin(scores, scores.c.buyer_id == CreditLimitRequest.buyer_id)
        .where(CreditLimitRequest.org_id == org.id, CreditLimitRequest.status == _PENDING)
        .order_by(CreditLimitRequest.requested_at, CreditLimitRequest.id)
    )
    return [
        PendingRequest(
            r.id,
            r.buyer_id,
            name,
            from_minor(r.amount, r.currency),
            r.currency,
            r.reason,
            r.requested_by,
            r.requested_at,
            grade,
            klass,
        )
        for r, name, grade, klass in rows
    ]


def limit_request(session: Session, org: Org, request_id: int) -> CreditLimitRequest:
    found = session.get(CreditLimitRequest, request_id)
    if found is None or found.org_id != org.id:
        raise NotFoundError(f"no limit request {request_id}")
    return found


def buyer_facets(session: Session, org: Org) -> tuple[list[str], list[str]]:
    """The countries and the industries of the organisation's buyers (the list's filters)."""
    countries = session.scalars(
        select(Buyer.country).where(Buyer.org_id == org.id).distinct().order_by(Buyer.country)
    ).all()
    industries = session.scalars(
        select(Buyer.industry).where(Buyer.org_id == org.id).distinct().order_by(Buyer.industry)
    ).all()
    return list(countries), list(industries)
