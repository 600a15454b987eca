"""The buyers list: every buyer with its grade, class, exposure, overdue and limit in the
base currency, filtered, sorted and paged in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    case,
    func,
    select,
)
from sqlalchemy.orm import Session

from tradeguard.credit.repository import latest_scores_query
from tradeguard.domain.errors import BadQueryError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.money import convert_minor, from_minor
from tradeguard.ledger.models import (
    Buyer,
    FxRate,
    Invoice,
)
from tradeguard.ledger.repository import filter_buyers, open_after, settled_by
from tradeguard.limits.models import CreditLimit


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
    settled = settled_by(org.id, as_of)
    open_amount = open_after(settled)
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
    query = filter_buyers(query, q, country, industry)
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
    scores = {b: (g, c) for b, g, c in session.execute(latest_scores_query(org.id, as_of))}
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


def buyer_facets(session: Session, org: Org) -> tuple[list[str], list[str]]:
    """The countries and the industries of the organisation's buyers (the list's filters)."""
    countries = session.scalars(
        select(Buyer.country).where(Buyer.org_id == org.id).distinct().order_by(Buyer.country)
    ).all()
    industries = session.scalars(
        select(Buyer.industry).where(Buyer.org_id == org.id).distinct().order_by(Buyer.industry)
    ).all()
    return list(countries), list(industries)
