"""What the credit manager's page gathers: open alerts by severity, limit proposals and
requests to decide, buyers over their limit, new defaults, orders on hold, and the
collections worklist (calls, letters, hand-overs, promises due, e-mails not sent), and
the overdue notifications the insurer must get within two weeks or has missed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradeguard.collections import service as collections
from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.monitoring.rules import Rule, Severity
from tradeguard.insurance import service as insurance
from tradeguard.limits import service as limits
from tradeguard.monitoring import service as monitoring
from tradeguard.screening import service as screening

RECENT_DAYS = 30  # a default is "new", a hold recent, this long after its day
NOTIFY_WITHIN_DAYS = 14  # a notification shows while its deadline is this close, or missed


@dataclass(frozen=True, slots=True)
class Today:
    alerts: dict[str, list[monitoring.AlertRecord]]  # by severity, high first
    proposals: list[limits.PendingRequest]
    requests: list[limits.PendingRequest]
    over_limit: list[monitoring.Holding]
    new_defaults: list[monitoring.Holding]
    holds: list[screening.ScreeningRecord]  # orders put on hold in the last 30 days
    worklist: collections.Worklist  # the collections worklist of the day
    insured: bool  # a credit insurance policy is in force
    notifications: list[insurance.NotificationDue]  # due within 14 days or missed
    insurance_error: str | None  # why the cover could not be judged (a missing FX rate)

    @property
    def open_alerts(self) -> int:
        return sum(len(a) for a in self.alerts.values())


def today(session: Session, org: Org, on: dt.date) -> Today:
    """The day's work as of ``on`` (new defaults and holds: of the last 30 days)."""
    alerts: dict[str, list[monitoring.AlertRecord]] = {s.value: [] for s in Severity}
    for alert in monitoring.unresolved_alerts(session, org):
        alerts.setdefault(alert.severity, []).append(alert)
    pending = limits.pending_limit_requests(session, org)
    recent = on - dt.timedelta(days=RECENT_DAYS)
    insured = insurance.policy_on(session, org, on) is not None
    try:
        due = insurance.notifications_due(session, org, on, NOTIFY_WITHIN_DAYS)
        insurance_error = None
    except TradeGuardError as error:  # the rest of the day's work still shows
        due, insurance_error = [], str(error)
    return Today(
        alerts=alerts,
        proposals=[p for p in pending if p.origin == "proposal"],
        requests=[p for p in pending if p.origin != "proposal"],
        over_limit=monitoring.holding(session, org, Rule.OVER_LIMIT),
        new_defaults=[
            h for h in monitoring.holding(session, org, Rule.DEFAULT) if h.since > recent
        ],
        holds=screening.holds(session, org, recent),
        worklist=collections.worklist(session, org, on),
        insured=insured,
        notifications=[n for n in due if n.status != "upcoming"],
        insurance_error=insurance_error,
    )
