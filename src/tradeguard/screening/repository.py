"""Reading and writing the screening log, and what a screening reads beside the ledger's
exposure and open orders: the buyer's standing (latest score on the day, limit, stop,
unresolved alerts, the two settings rows) in one statement, and the order currency's
latest FX rate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from pydantic import JsonValue
from sqlalchemy import Date, Integer, String, and_, bindparam, case, func, insert, select, true
from sqlalchemy.orm import Session

from tradeguard.credit.models import CreditScore, CreditSettingsRow
from tradeguard.domain.monitoring.alerts import UNRESOLVED
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.pagination import Page, paginate
from tradeguard.ledger.models import Buyer, FxRate
from tradeguard.limits.models import CreditLimit, StopShipment
from tradeguard.monitoring.models import Alert, MonitoringSettingsRow
from tradeguard.screening.models import OrderScreening

_ORG_ID = bindparam("org_id", type_=Integer)
_BUYER_ID = bindparam("buyer_id", type_=String)
_ON = bindparam("on", type_=Date)


@dataclass(frozen=True, slots=True)
class StoredAlert:
    rule: str
    severity: str
    raised_on: dt.date


@dataclass(frozen=True, slots=True)
class StoredStanding:
    """The rows a screening reads about the buyer and its organisation, as stored."""

    grade: int | None  # None: no score on or before the day
    credit_class: str | None
    score_reasons: list[dict[str, Any]]
    limit_amount: int | None  # minor units of ``limit_currency``; None: no limit
    limit_currency: str | None
    stop_until: dt.date | None
    stop_reason: str | None  # None: no stop-shipment (in force or not)
    credit_settings: dict[str, Any] | None
    monitoring_settings: dict[str, JsonValue] | None
    alerts: tuple[StoredAlert, ...]  # unresolved, raised on or before the day, oldest first


def _standing_statement() -> Any:
    """Buyer, latest score on the day, limit, stop, settings and unresolved alerts: one
    row per alert (one with empty alert columns without any), none for an unknown buyer.
    Every join follows a primary key or the alerts' index; built once."""
    latest = (
        select(func.max(CreditScore.as_of))
        .where(
            CreditScore.org_id == _ORG_ID,
            CreditScore.buyer_id == _BUYER_ID,
            CreditScore.as_of <= _ON,
        )
        .scalar_subquery()
    )
    alerts = (
        select(Alert.id, Alert.rule, Alert.severity, Alert.raised_on)
        .where(
            Alert.org_id == _ORG_ID,
            Alert.buyer_id == _BUYER_ID,
            Alert.status.in_(UNRESOLVED),
            Alert.raised_on <= _ON,
        )
        .subquery("alerts")
    )
    return (
        select(
            CreditScore.grade,
            CreditScore.credit_class,
            CreditScore.reasons,
            CreditLimit.amount.label("limit_amount"),
            CreditLimit.currency.label("limit_currency"),
            StopShipment.until.label("stop_until"),
            StopShipment.reason.label("stop_reason"),
            CreditSettingsRow.settings.label("credit_settings"),
            MonitoringSettingsRow.settings.label("monitoring_settings"),
            alerts.c.rule,
            alerts.c.severity,
            alerts.c.raised_on,
        )
        .select_from(Buyer)
        .outerjoin(
            CreditScore,
            and_(
                CreditScore.org_id == Buyer.org_id,
                CreditScore.buyer_id == Buyer.buyer_id,
                CreditScore.as_of == latest,
            ),
        )
        .outerjoin(
            CreditLimit,
            and_(CreditLimit.org_id == Buyer.org_id, CreditLimit.buyer_id == Buyer.buyer_id),
        )
        .outerjoin(
            StopShipment,
            and_(StopShipment.org_id == Buyer.org_id, StopShipment.buyer_id == Buyer.buyer_id),
        )
        .outerjoin(CreditSettingsRow, CreditSettingsRow.org_id == Buyer.org_id)
        .outerjoin(MonitoringSettingsRow, MonitoringSettingsRow.org_id == Buyer.org_id)
        .outerjoin(alerts, true())
        .where(Buyer.org_id == _ORG_ID, Buyer.buyer_id == _BUYER_ID)
        .order_by(alerts.c.id)
    )


_STANDING = _standing_statement()


def standing(session: Session, org_id: int, buyer_id: str, on: dt.date) -> StoredStanding | None:
    """The buyer's standing on ``on`` in one query; None for an unknown buyer."""
    parameters = {"org_id": org_id, "buyer_id": buyer_id, "on": on}
    rows = session.connection().execute(_STANDING, parameters).all()
    if not rows:
        return None
    first = rows[0]
    return StoredStanding(
        grade=None if first.grade is None else int(first.grade),
        credit_class=first.credit_class,
        score_reasons=first.reasons or [],
        limit_amount=first.limit_amount,
        limit_currency=first.limit_currency,
        stop_until=first.stop_until,
        stop_reason=first.stop_reason,
        credit_settings=first.credit_settings,
        monitoring_settings=first.monitoring_settings,
        alerts=tuple(
            StoredAlert(r.rule, r.severity, r.raised_on) for r in rows if r.rule is not None
        ),
    )


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


def add(session: Session, values: dict[str, Any]) -> int:
    """Record a screening (one INSERT ... RETURNING); its id."""
    new_id: int = (
        session.connection()
        .execute(insert(OrderScreening).returning(OrderScreening.id), values)
        .scalar_one()
    )
    return new_id


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


def holds(session: Session, org_id: int, since: dt.date, limit: int) -> list[OrderScreening]:
    """The orders put on hold since ``since``, newest first (at most ``limit``)."""
    return list(
        session.scalars(
            select(OrderScreening)
            .where(
                OrderScreening.org_id == org_id,
                OrderScreening.decision == "hold",
                OrderScreening.screened_on >= since,
            )
            .order_by(OrderScreening.id.desc())
            .limit(limit)
        )
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
