"""The monitoring tables: alerts and their lifecycle, the conditions
the rules found (so none raises twice), and each organisation's alert thresholds."""

from __future__ import annotations

import datetime as dt

from pydantic import JsonValue
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.orm import Base, UtcDateTime
from tradeguard.ledger.models import Buyer

Evidence = dict[str, JsonValue]
"""The figures that triggered an alert, as ``alerts.evidence`` holds them (JSON)."""


# At most one alert that is not resolved per buyer, rule and condition (both databases
# enforce the partial index), so two cycles can never raise the same alert twice.
_UNRESOLVED = text("status <> 'resolved'")


class Alert(Base):
    """An early warning: open → acknowledged → resolved, each step with who, when, why."""

    __tablename__ = "alerts"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),
        Index("ix_alerts_org_status", "org_id", "status"),
        # one buyer's unresolved alerts: what every order screening reads
        Index("ix_alerts_org_buyer_status", "org_id", "buyer_id", "status"),
        Index(
            "ix_alerts_unresolved",
            "org_id",
            "buyer_id",
            "rule",
            "condition",
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(40))
    # What makes this alert one of its own: "" for a rule that holds or not per buyer, an
    # event or dispute id for rules that fire once per event.
    condition: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[Evidence] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(15))
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    acknowledged_comment: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    resolved_comment: Mapped[str | None] = mapped_column(Text)


class MonitoringCondition(Base):
    """A condition a rule found true on the latest day monitored, and since when.

    A condition raises an alert on the day it becomes true and never again while it
    holds, even when its alert was resolved meanwhile; once it stops holding its row is
    deleted, so it raises again if it comes back.
    """

    __tablename__ = "monitoring_conditions"
    __table_args__ = (ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),)

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    condition: Mapped[str] = mapped_column(String(100), primary_key=True)
    since: Mapped[dt.date] = mapped_column(Date)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey(Alert.id))


class MonitoringSettingsRow(Base):
    """An organisation's alert and limit-rule thresholds (``MonitoringSettings``)."""

    __tablename__ = "monitoring_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    settings: Mapped[dict[str, JsonValue]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
