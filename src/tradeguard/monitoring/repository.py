"""Reading and writing the monitoring tables: settings, alerts, conditions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

import polars as pl
from pydantic import JsonValue
from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.orm import Session

from tradeguard.domain.monitoring.alerts import ALERT_WORKFLOW, UNRESOLVED, AlertStatus
from tradeguard.kit.bulk import insert_frame, read_frame
from tradeguard.kit.pagination import Page, paginate
from tradeguard.kit.transitions import transition
from tradeguard.ledger.models import Buyer
from tradeguard.monitoring.models import (
    Alert,
    Evidence,
    MonitoringCondition,
    MonitoringSettingsRow,
)

KEY_SCHEMA = {"buyer_id": pl.String, "rule": pl.String, "condition": pl.String}


# ---- settings ----------------------------------------------------------------------


def settings_values(session: Session, org_id: int) -> dict[str, JsonValue] | None:
    """The organisation's stored thresholds (JSON); None where it never changed them."""
    row = session.get(MonitoringSettingsRow, org_id)
    return None if row is None else row.settings


def save_settings_values(
    session: Session, org_id: int, values: dict[str, JsonValue], actor: str
) -> None:
    row = session.get(MonitoringSettingsRow, org_id)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        session.add(
            MonitoringSettingsRow(org_id=org_id, settings=values, updated_at=now, updated_by=actor)
        )
    else:
        row.settings, row.updated_at, row.updated_by = values, now, actor


# ---- alerts ------------------------------------------------------------------------


def unresolved_keys(connection: Connection, org_id: int) -> pl.DataFrame:
    """buyer_id, rule, condition of every alert still open or acknowledged."""
    query = select(Alert.buyer_id, Alert.rule, Alert.condition).where(
        Alert.org_id == org_id, Alert.status.in_(UNRESOLVED)
    )
    return read_frame(connection, query, dict(KEY_SCHEMA))


def add_alerts(session: Session, rows: Sequence[Mapping[str, object]]) -> list[Alert]:
    """Insert new alerts in one statement; the rows come back with their ids."""
    if not rows:
        return []
    return list(session.scalars(insert(Alert).returning(Alert), list(rows)))


def conditions(connection: Connection, org_id: int) -> pl.DataFrame:
    """The conditions found true on the latest day monitored: the key, since, alert_id."""
    query = select(
        MonitoringCondition.buyer_id,
        MonitoringCondition.rule,
        MonitoringCondition.condition,
        MonitoringCondition.since,
        MonitoringCondition.alert_id,
    ).where(MonitoringCondition.org_id == org_id)
    return read_frame(connection, query, {**KEY_SCHEMA, "since": pl.Date, "alert_id": pl.Int64})


def replace_conditions(connection: Connection, org_id: int, frame: pl.DataFrame) -> None:
    """Keep exactly ``frame``'s conditions (key, since, alert_id) for the organisation."""
    table = cast(Table, MonitoringCondition.__table__)
    connection.execute(delete(table).where(table.c.org_id == org_id))
    insert_frame(connection, table, frame.with_columns(org_id=pl.lit(org_id, pl.Int64)))


def alert(session: Session, org_id: int, alert_id: int) -> Alert | None:
    found = session.get(Alert, alert_id)
    return found if found is not None and found.org_id == org_id else None


def alerts(
    session: Session,
    org_id: int,
    *,
    status: str | None = None,
    buyer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The organisation's alerts, newest first (high severity first on a day)."""
    query = select(Alert).where(Alert.org_id == org_id)
    if status is not None:
        query = query.where(Alert.status == status)
    if buyer_id is not None:
        query = query.where(Alert.buyer_id == buyer_id)
    sortable = {"raised_on": Alert.raised_on, "id": Alert.id}
    return paginate(session, query, sortable, "-raised_on", limit, offset, Alert.id)


def unresolved(session: Session, org_id: int) -> list[Alert]:
    """Every alert still open or acknowledged, newest first (the credit manager's day)."""
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.org_id == org_id, Alert.status.in_(UNRESOLVED))
            .order_by(Alert.raised_on.desc(), Alert.id.desc())
        )
    )


def move_alert(
    session: Session,
    row: Alert,
    target: AlertStatus,
    values: Mapping[str, object],
    conflict: str,
) -> None:
    """Move the alert to ``target`` by one conditional update (``kit.transitions``)."""
    transition(
        session,
        Alert,
        Alert.id == row.id,
        Alert.status,
        ALERT_WORKFLOW,
        AlertStatus(row.status),
        target,
        values,
        conflict,
    )
    session.refresh(row)


def holding(session: Session, org_id: int, rule: str) -> list[tuple[str, str, dt.date, Evidence]]:
    """The buyers for which ``rule`` held on the latest day monitored: buyer id, name,
    since when, and the evidence of the alert it raised ({} if none)."""
    rows = session.execute(
        select(MonitoringCondition.buyer_id, Buyer.name, MonitoringCondition.since, Alert.evidence)
        .join(
            Buyer,
            (Buyer.org_id == MonitoringCondition.org_id)
            & (Buyer.buyer_id == MonitoringCondition.buyer_id),
        )
        .outerjoin(Alert, Alert.id == MonitoringCondition.alert_id)
        .where(MonitoringCondition.org_id == org_id, MonitoringCondition.rule == rule)
        .order_by(MonitoringCondition.since.desc(), MonitoringCondition.buyer_id)
    )
    return [(buyer_id, name, since, evidence or {}) for buyer_id, name, since, evidence in rows]
