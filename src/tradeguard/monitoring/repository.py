"""Reading and writing the monitoring tables: settings, alerts, conditions."""

from __future__ import annotations

import datetime as dt

from pydantic import JsonValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.monitoring.models import Alert, MonitoringSettingsRow

UNRESOLVED = ("open", "acknowledged")


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


def unresolved_alerts(session: Session, org_id: int, buyer_id: str) -> list[Alert]:
    """The buyer's alerts still open or acknowledged, oldest first (one indexed read)."""
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.org_id == org_id,
                Alert.buyer_id == buyer_id,
                Alert.status.in_(UNRESOLVED),
            )
            .order_by(Alert.id)
        )
    )
