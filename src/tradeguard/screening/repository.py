"""Reading and writing the screening log, and the few indexed rows a screening reads
beside the ledger's and the limits' own reads: the buyer's latest score on a day and the
latest FX rate of the order's currency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Date, Integer, String, bindparam, case, func, select
from sqlalchemy.orm import Session

from tradeguard.credit.models import CreditScore
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.pagination import Page, paginate
from tradeguard.ledger.models import FxRate
from tradeguard.screening.models import OrderScreening

_ORG_ID = bindparam("org_id", type_=Integer)
_BUYER_ID = bindparam("buyer_id", type_=String)
_ON = bindparam("on", type_=Date)


@dataclass(frozen=True, slots=True)
class StoredScore:
    grade: int
    credit_class: str
    reasons: list[dict[str, Any]]


# The latest score on or before a day: the primary key (org, buyer, as_of) serves it.
_LATEST_SCORE = (
    select(CreditScore.grade, CreditScore.credit_class, CreditScore.reasons)
    .where(
        CreditScore.org_id == _ORG_ID,
        CreditScore.buyer_id == _BUYER_ID,
        CreditScore.as_of <= _ON,
    )
    .order_by(CreditScore.as_of.desc())
    .limit(1)
)


def latest_score(session: Session, org_id: int, buyer_id: str, on: dt.date) -> StoredScore | None:
    """The buyer's latest stored score on or before ``on``; None when it has none."""
    row = session.execute(
        _LATEST_SCORE, {"org_id": org_id, "buyer_id": buyer_id, "on": on}
    ).one_or_none()
    return None if row is None else StoredScore(int(row.grade), row.credit_class, row.reasons)


_CURRENCY = bindparam("currency", type_=String)

_LATEST_RATE = (
    select(FxRate.rate)
    .where(FxRate.org_id == _ORG_ID, FxRate.currency == _CURRENCY, FxRate.date <= _ON)
    .order_by(FxRate.date.desc())
    .limit(1)
)


def latest_rate(session: Session, org_id: int, currency: str, on: dt.date) -> Decimal | None:
    """Base units for one unit of ``currency``: its latest rate on or before ``on``."""
    rate: Decimal | None = session.scalar(
        _LATEST_RATE, {"org_id": org_id, "currency": currency, "on": on}
    )
    return rate


def add(session: Session, row: OrderScreening) -> OrderScreening:
    session.add(row)
    session.flush()
    return row


def screenings(
    session: Session, org_id: int, buyer_id: str | None, limit: int, offset: int
) -> Page:
    """The organisation's screenings (one buyer's with ``buyer_id``), newest first."""
    query = select(OrderScreening).where(OrderScreening.org_id == org_id)
    if buyer_id is not None:
        query = query.where(OrderScreening.buyer_id == buyer_id)
    return paginate(
        session, query, {"id": OrderScreening.id}, "-id", limit, offset, OrderScreening.id
    )


def daily_interceptions(session: Session, org_id: int) -> pl.DataFrame:
    """Per screening day: the high-risk screenings and those not approved as asked
    (columns day, high_risk_orders, intercepted), summed by the database."""
    high = OrderScreening.high_risk.is_(True)
    return read_frame(
        session.connection(),
        select(
            OrderScreening.screened_on.label("day"),
            func.sum(case((high, 1), else_=0)).label("high_risk_orders"),
            func.sum(case((high & (OrderScreening.decision != "approve"), 1), else_=0)).label(
                "intercepted"
            ),
        )
        .where(OrderScreening.org_id == org_id)
        .group_by(OrderScreening.screened_on),
        {"day": pl.Date, "high_risk_orders": pl.Int64, "intercepted": pl.Int64},
    )
