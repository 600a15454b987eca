"""What the credit manager's page gathers: open alerts by severity, limit proposals and
requests to decide, buyers over their limit, new defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import Org
from tradeguard.domain.monitoring.rules import Rule, Severity
from tradeguard.limits import service as limits
from tradeguard.monitoring import service as monitoring

NEW_DEFAULT_DAYS = 30  # a default is "new" for this long after the day it was first seen


@dataclass(frozen=True, slots=True)
class Today:
    alerts: dict[str, list[monitoring.AlertRecord]]  # by severity, high first
    proposals: list[limits.PendingRequest]
    requests: list[limits.PendingRequest]
    over_limit: list[monitoring.Holding]
    new_defaults: list[monitoring.Holding]

    @property
    def open_alerts(self) -> int:
        return sum(len(a) for a in self.alerts.values())


def today(session: Session, org: Org, on: dt.date) -> Today:
    """The day's work as of ``on`` (new defaults: first seen in the last 30 days)."""
    alerts: dict[str, list[monitoring.AlertRecord]] = {s.value: [] for s in Severity}
    for alert in monitoring.unresolved_alerts(session, org):
        alerts.setdefault(alert.severity, []).append(alert)
    pending = limits.pending_limit_requests(session, org)
    recent = on - dt.timedelta(days=NEW_DEFAULT_DAYS)
    return Today(
        alerts=alerts,
        proposals=[p for p in pending if p.origin == "proposal"],
        requests=[p for p in pending if p.origin != "proposal"],
        over_limit=monitoring.holding(session, org, Rule.OVER_LIMIT),
        new_defaults=[
            h for h in monitoring.holding(session, org, Rule.DEFAULT) if h.since > recent
        ],
    )
