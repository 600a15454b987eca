"""Monitoring: every buyer watched every day, alerts raised once, limits moved by rule.

The day's step (``monitor``) gathers every buyer's standing from the ledger snapshot and
a few grouped queries, lets ``domain.monitoring.rules.evaluate`` find the conditions that
hold, and compares them with those that held on the latest day monitored
(``monitoring_conditions``):

- a condition that starts holding raises its alert (unless one for the same buyer, rule
  and condition is still open or acknowledged) or, for a limit rule, acts once: the limit
  cut to zero with a permanent stop-shipment, or a proposed cut or increase;
- a condition that still holds does nothing, even when its alert was resolved meanwhile;
- a condition that stopped holding is forgotten, so it raises again if it comes back.

An alert then moves open → acknowledged → resolved, each step with who, when and a
comment, audited; an illegal move is refused (409).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from pydantic import JsonValue
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit import repository as credit_repository
from tradeguard.credit import service as credit
from tradeguard.domain.errors import InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot, rates_on, to_base
from tradeguard.domain.money import minor_exponent, to_minor
from tradeguard.domain.monitoring.alerts import AlertStatus
from tradeguard.domain.monitoring.rules import (
    ALERT_RULES,
    EVENT_LOOKBACK_DAYS,
    LIMIT_RULES,
    UPGRADE_REFERENCE_DAYS,
    MonitoringInputs,
    Rule,
    evaluate,
    evidence_of,
)
from tradeguard.domain.monitoring.settings import MonitoringSettings
from tradeguard.domain.receivables.ageing import positions
from tradeguard.domain.receivables.behaviour import behaviour
from tradeguard.kit.cycle_day import StepResult
from tradeguard.kit.pagination import Page
from tradeguard.ledger import repository as ledger
from tradeguard.limits import repository as limits_repository
from tradeguard.limits import service as limits
from tradeguard.monitoring import repository
from tradeguard.monitoring.models import Alert

MONITOR_ACTOR = "tradeguard:monitoring"
_KEY = ["buyer_id", "rule", "condition"]
_ALERT_RULES = [r.value for r in ALERT_RULES]


def load_settings(session: Session, org: Org) -> MonitoringSettings:
    return MonitoringSettings.from_dict(repository.settings_values(session, org.id))


def save_settings(
    session: Session, org: Org, changes: Mapping[str, object], actor: str
) -> MonitoringSettings:
    """Change some thresholds (validated as a whole); audited with before and after."""
    before = load_settings(session, org)
    after = MonitoringSettings.from_dict({**before.as_dict(), **changes})
    repository.save_settings_values(session, org.id, after.as_dict(), actor)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update",
        entity="monitoring_settings",
        entity_key=str(org.id),
        before=before.as_dict(),
        after=after.as_dict(),
    )
    return after


# ---- the day's evaluation ------------------------------------------------------------


def _in_base(frame: pl.DataFrame, snapshot: LedgerSnapshot, as_of: dt.date) -> pl.Series:
    """``frame``'s amount (minor units of its currency) in base minor units on ``as_of``."""
    if frame.height == 0:
        return pl.Series("amount", [], dtype=pl.Int64)
    currencies = frame["currency"].unique().to_list()
    rates = rates_on(snapshot.fx, currencies, snapshot.base_currency, as_of)
    return to_base(frame["amount"], frame["currency"], rates, snapshot.base_currency)


def gather(
    session: Session,
    org: Org,
    as_of: dt.date,
    settings: MonitoringSettings,
    snapshot: LedgerSnapshot,
) -> MonitoringInputs:
    """Every buyer's standing on ``as_of`` (the day's scores must be recorded already)."""
    connection = session.connection()
    base = org.base_currency
    scores = credit_repository.day_scores(connection, org.id, as_of).join(
        snapshot.buyers.select("buyer_id", "country"), on="buyer_id", how="left"
    )
    window = credit_repository.grade_range(
        connection,
        org.id,
        as_of - dt.timedelta(days=settings.downgrade_window_days),
        as_of - dt.timedelta(days=1),
    ).select("buyer_id", "best_grade", "best_country_grade")
    sustain_start = as_of - dt.timedelta(days=settings.upgrade_sustain_days)
    recent = credit_repository.grade_range(
        connection, org.id, sustain_start + dt.timedelta(days=1), as_of
    ).select("buyer_id", pl.col("worst_grade").alias("worst_recent"))
    before = credit_repository.grade_range(
        connection, org.id, sustain_start - dt.timedelta(days=UPGRADE_REFERENCE_DAYS), sustain_start
    ).select("buyer_id", pl.col("best_grade").alias("grade_before"))
    history = window.join(recent, on="buyer_id", how="full", coalesce=True).join(
        before, on="buyer_id", how="full", coalesce=True
    )

    pos = positions(snapshot, as_of)
    paying = behaviour(pos).select("buyer_id", "trend_days_per_month", "avg_days_beyond_terms")
    open_items = pos.frame.filter(pl.col("open") > 0)
    receivables = open_items.group_by("buyer_id").agg(
        receivables=pl.col("open_base").sum(),
        long_overdue=pl.when(pl.col("days_overdue") > settings.overdue_days)
        .then(pl.col("open_base"))
        .sum(),
        days_overdue=pl.col("days_overdue").max(),
        invoice_id=pl.col("invoice_id").sort_by(["days_overdue", "invoice_id"]).last(),
    )
    orders = ledger.open_order_totals(connection, org.id, as_of)
    orders = (
        orders.with_columns(amount=_in_base(orders, snapshot, as_of))
        .group_by("buyer_id")
        .agg(open_orders=pl.col("amount").sum())
    )
    exposure = receivables.join(orders, on="buyer_id", how="full", coalesce=True).with_columns(
        pl.col("receivables", "open_orders", "long_overdue").fill_null(0)
    )
    in_force = limits_repository.limits_in_force(connection, org.id)
    in_force = in_force.with_columns(
        limit=_in_base(in_force.rename({"limit": "amount"}), snapshot, as_of)
    ).select("buyer_id", "limit")
    disputes = ledger.disputes_open_on(connection, org.id, as_of)
    disputes = disputes.with_columns(
        amount=_in_base(disputes, snapshot, as_of), open=pl.lit(value=True)
    ).drop("currency")
    events = ledger.events_between(
        connection, org.id, as_of - dt.timedelta(days=EVENT_LOOKBACK_DAYS), as_of
    )
    rounding = credit.load_settings(session, org).limit_rounding
    scale = 10 ** minor_exponent(base)
    return MonitoringInputs(
        as_of=as_of,
        scores=scores,
        history=history,
        behaviour=paying,
        exposure=exposure,
        limits=in_force,
        events=events,
        disputes=disputes,
        rounding=max(1, round(rounding * scale)),
        dispute_threshold=to_minor(Decimal(str(settings.large_dispute_amount)), base),
    )


def monitor(session: Session, org: Org, as_of: dt.date, snapshot: LedgerSnapshot) -> StepResult:
    """Evaluate every rule on ``as_of``, raise the new alerts, take the limit actions;
    what the cycle records: conditions holding, alerts raised per rule, limit actions."""
    settings = load_settings(session, org)
    found = evaluate(gather(session, org, as_of, settings, snapshot), settings)
    connection = session.connection()
    held = repository.conditions(connection, org.id)
    new = found.join(held.select(_KEY), on=_KEY, how="anti")
    raised = _raise_alerts(session, org, as_of, new.filter(pl.col("rule").is_in(_ALERT_RULES)))
    actions = _limit_actions(session, org, as_of, new.filter(pl.col("rule").is_in(LIMIT_RULES)))
    ids = pl.DataFrame(
        [(a.buyer_id, a.rule, a.condition, a.id) for a in raised],
        schema={**repository.KEY_SCHEMA, "new_alert_id": pl.Int64},
        orient="row",
    )
    kept = (
        found.select(_KEY)
        .join(held, on=_KEY, how="left")
        .join(ids, on=_KEY, how="left")
        .select(
            *_KEY,
            pl.col("since").fill_null(as_of),
            pl.coalesce("alert_id", "new_alert_id").alias("alert_id"),
        )
    )
    repository.replace_conditions(connection, org.id, kept)
    per_rule = Counter(a.rule for a in raised)
    return {
        "conditions": found.height,
        "alerts_raised": {rule: per_rule[rule] for rule in sorted(per_rule)},
        "limit_actions": dict(sorted(actions.items())),
    }


def _raise_alerts(session: Session, org: Org, as_of: dt.date, new: pl.DataFrame) -> list[Alert]:
    """One alert per new condition, except where the same one is still unresolved."""
    unresolved = repository.unresolved_keys(session.connection(), org.id)
    fresh = new.join(unresolved, on=_KEY, how="anti")
    rows = [
        {
            "org_id": org.id,
            "buyer_id": row["buyer_id"],
            "rule": row["rule"],
            "condition": row["condition"],
            "severity": row["severity"],
            "raised_on": as_of,
            "evidence": evidence_of(row, org.base_currency),
            "status": AlertStatus.OPEN.value,
        }
        for row in fresh.iter_rows(named=True)
    ]
    alerts = repository.add_alerts(session, rows)
    audit.record_many(
        session,
        org.id,
        MONITOR_ACTOR,
        [
            {
                "action": "raise",
                "entity": "alerts",
                "entity_key": str(a.id),
                "before": None,
                "after": {
                    "buyer_id": a.buyer_id,
                    "rule": a.rule,
                    "severity": a.severity,
                    "raised_on": as_of.isoformat(),
                    "evidence": a.evidence,
                },
            }
            for a in alerts
        ],
    )
    return alerts


def _reason(rule: str, evidence: dict[str, JsonValue]) -> str:
    if rule == Rule.LIMIT_CUT and evidence.get("event_id"):
        return f"insolvency event {evidence['event_id']}"
    if rule == Rule.LIMIT_CUT:
        return f"grade {evidence.get('grade')}: limit cut to zero, shipments stopped"
    if rule == Rule.PROPOSE_CUT:
        return (
            f"downgrade from grade {evidence.get('best_grade')} to {evidence.get('grade')}:"
            f" proposed cut from {evidence.get('limit')} to {evidence.get('proposed')}"
        )
    return (
        f"sustained upgrade from grade {evidence.get('grade_before')} to"
        f" {evidence.get('grade')}: proposed increase from {evidence.get('limit')}"
        f" to {evidence.get('proposed')}"
    )


def _limit_actions(session: Session, org: Org, as_of: dt.date, new: pl.DataFrame) -> dict[str, int]:
    """Cut at once, or propose (one pending proposal per buyer at most)."""
    done: Counter[str] = Counter()
    pending = limits_repository.buyers_with_pending_requests(session, org.id)
    for row in new.sort("rule").iter_rows(named=True):
        rule, buyer_id = row["rule"], row["buyer_id"]
        reason = _reason(rule, evidence_of(row, org.base_currency))
        if rule == Rule.LIMIT_CUT:
            limits.cut_to_zero(session, org, buyer_id, reason, MONITOR_ACTOR, today=as_of)
        elif buyer_id in pending:
            continue
        else:
            limits.propose_limit(
                session, org, buyer_id, int(row["proposed"]), reason, MONITOR_ACTOR
            )
            pending.add(buyer_id)
        done[rule] += 1
    return done


# ---- alerts and their lifecycle --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as the API, the CLI and the pages show it."""

    id: int
    buyer_id: str
    rule: str
    severity: str
    raised_on: dt.date
    evidence: dict[str, JsonValue]
    status: AlertStatus
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    acknowledged_comment: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolved_comment: str | None

    @classmethod
    def of(cls, row: Alert) -> AlertRecord:
        return cls(
            id=row.id,
            buyer_id=row.buyer_id,
            rule=row.rule,
            severity=row.severity,
            raised_on=row.raised_on,
            evidence=row.evidence,
            status=AlertStatus(row.status),
            acknowledged_by=row.acknowledged_by,
            acknowledged_at=row.acknowledged_at,
            acknowledged_comment=row.acknowledged_comment,
            resolved_by=row.resolved_by,
            resolved_at=row.resolved_at,
            resolved_comment=row.resolved_comment,
        )


def list_alerts(
    session: Session,
    org: Org,
    *,
    status: str | None = None,
    buyer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The organisation's alerts (``AlertRecord`` items), newest first."""
    if status is not None and status not in {s.value for s in AlertStatus}:
        raise InvalidInputError(
            f"unknown status {status!r}: open, acknowledged or resolved", field="status"
        )
    page = repository.alerts(
        session, org.id, status=status, buyer_id=buyer_id, limit=limit, offset=offset
    )
    return Page([AlertRecord.of(a) for a in page.items], page.total, page.limit, page.offset)


def get_alert(session: Session, org: Org, alert_id: int) -> AlertRecord:
    return AlertRecord.of(_alert_row(session, org, alert_id))


def _alert_row(session: Session, org: Org, alert_id: int) -> Alert:
    row = repository.alert(session, org.id, alert_id)
    if row is None:
        raise NotFoundError(f"no alert {alert_id}")
    return row


def _move(
    session: Session,
    org: Org,
    alert_id: int,
    target: AlertStatus,
    comment: str | None,
    actor: str,
) -> AlertRecord:
    row = _alert_row(session, org, alert_id)
    before = AlertStatus(row.status)
    prefix = "acknowledged" if target is AlertStatus.ACKNOWLEDGED else "resolved"
    repository.move_alert(
        session,
        row,
        target,
        {
            f"{prefix}_by": actor,
            f"{prefix}_at": dt.datetime.now(dt.UTC),
            f"{prefix}_comment": (comment or "").strip() or None,
        },
        f"alert {alert_id} was changed by someone else meanwhile",
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="acknowledge" if target is AlertStatus.ACKNOWLEDGED else "resolve",
        entity="alerts",
        entity_key=str(alert_id),
        before={"status": before.value},
        after={"status": target.value, "comment": comment},
    )
    return AlertRecord.of(row)


def acknowledge(
    session: Session, org: Org, alert_id: int, comment: str | None, actor: str
) -> AlertRecord:
    """open → acknowledged (someone is on it); anything else is refused (409)."""
    return _move(session, org, alert_id, AlertStatus.ACKNOWLEDGED, comment, actor)


def resolve(
    session: Session, org: Org, alert_id: int, comment: str | None, actor: str
) -> AlertRecord:
    """open or acknowledged → resolved; resolving twice is refused (409)."""
    return _move(session, org, alert_id, AlertStatus.RESOLVED, comment, actor)


def unresolved_alerts(session: Session, org: Org) -> list[AlertRecord]:
    """Every alert still open or acknowledged, newest first."""
    return [AlertRecord.of(a) for a in repository.unresolved(session, org.id)]


@dataclass(frozen=True, slots=True)
class Holding:
    """A buyer for which a rule held on the latest day monitored, since when, and why."""

    buyer_id: str
    name: str
    since: dt.date
    evidence: dict[str, JsonValue]


def holding(session: Session, org: Org, rule: Rule) -> list[Holding]:
    """The buyers ``rule`` held for on the latest day monitored, newest first."""
    return [Holding(*row) for row in repository.holding(session, org.id, rule.value)]
