"""The monitoring API's schemas: alerts, their lifecycle, the thresholds."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, JsonValue

from tradeguard.monitoring.service import AlertRecord


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class AlertRead(BaseModel):
    """An alert: what rule fired for which buyer, when, on which figures, and where it is
    in its lifecycle (open → acknowledged → resolved)."""

    id: int
    buyer_id: str
    rule: str
    severity: str
    raised_on: str
    evidence: dict[str, JsonValue]
    status: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    acknowledged_comment: str | None
    resolved_by: str | None
    resolved_at: str | None
    resolved_comment: str | None

    @classmethod
    def of(cls, alert: AlertRecord) -> AlertRead:
        return cls(
            id=alert.id,
            buyer_id=alert.buyer_id,
            rule=alert.rule,
            severity=alert.severity,
            raised_on=alert.raised_on.isoformat(),
            evidence=alert.evidence,
            status=alert.status.value,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=None
            if alert.acknowledged_at is None
            else alert.acknowledged_at.isoformat(),
            acknowledged_comment=alert.acknowledged_comment,
            resolved_by=alert.resolved_by,
            resolved_at=_iso(alert.resolved_at),
            resolved_comment=alert.resolved_comment,
        )


class AlertMove(BaseModel):
    """Acknowledging or resolving an alert: an optional comment."""

    comment: str | None = Field(default=None, max_length=2000)


class MonitoringSettingsRead(BaseModel):
    """The organisation's thresholds (``domain.monitoring.settings.MonitoringSettings``)."""

    downgrade_notches: int
    downgrade_window_days: int
    delay_trend_days_per_month: float
    delay_min_days: float
    overdue_days: int
    overdue_min_share: float
    concentration_share: float
    large_dispute_amount: float
    cut_share: float
    upgrade_notches: int
    upgrade_sustain_days: int
    increase_share: float
    overdue_tolerance_days: int
