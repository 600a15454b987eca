"""The alert and limit rules: which conditions hold for which buyers on a day.

``evaluate`` looks at every buyer at once (Polars, no loop per buyer) and returns one row
per condition that holds: the buyer, the rule, the condition's own key ("" for a rule
that holds or not per buyer; the event or dispute id for rules that fire once per
event), the severity and the figures that make it hold. Whether it raises an alert is
the service's business: a condition raises once, on the day it starts holding.

Alert rules (thresholds in ``MonitoringSettings``):

- ``grade_downgrade``: the grade is ``downgrade_notches`` or more worse than the best grade
  of the last ``downgrade_window_days`` (and below default: ``default`` covers grade 10);
- ``class_c``: the buyer is in class C above default;  ``default``: in default (grade 10);
- ``delays_growing``: the payment-behaviour trend exceeds ``delay_trend_days_per_month``
  for a buyer paying at least ``delay_min_days`` late on average;
- ``over_limit``: receivables plus open orders exceed the limit in force (a zero limit is
  no credit at all: its cut or stop-shipment was the warning);
- ``overdue``: invoices more than ``overdue_days`` overdue (``long_overdue``) make up at
  least ``overdue_min_share`` of the buyer's open receivables;
- ``country_downgrade``: the buyer's country grade is worse than its best of the window;
- ``concentration``: the largest buyer holds more than ``concentration_share`` of the
  open receivables;
- ``large_dispute``: an open dispute of at least ``large_dispute_amount``;
- ``severe_event``: an insolvency or payment-default event in the last year.

Limit rules (no alert of their own; the service acts once when they start holding):

- ``limit_cut``: grade 9–10 or an insolvency event: the limit goes to zero and shipments
  stop permanently, at once;
- ``propose_cut``: a downgrade (above grade 9 and with a limit above zero): a proposed cut to
  limit × (1 − ``cut_share``), or to the recommended limit where that is lower;
- ``propose_increase``: every grade of the last ``upgrade_sustain_days`` at least
  ``upgrade_notches`` better than the grade before them, and a recommended limit above
  the limit: a proposed increase of ``increase_share``, at most to the recommendation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import polars as pl
from pydantic import JsonValue

from tradeguard.domain.money import from_minor
from tradeguard.domain.monitoring.events import SEVERE_EVENT_TYPES
from tradeguard.domain.monitoring.settings import MonitoringSettings


class Rule(StrEnum):
    GRADE_DOWNGRADE = "grade_downgrade"
    CLASS_C = "class_c"
    DEFAULT = "default"
    DELAYS_GROWING = "delays_growing"
    OVER_LIMIT = "over_limit"
    OVERDUE = "overdue"
    COUNTRY_DOWNGRADE = "country_downgrade"
    CONCENTRATION = "concentration"
    LARGE_DISPUTE = "large_dispute"
    SEVERE_EVENT = "severe_event"
    # limit rules
    LIMIT_CUT = "limit_cut"
    PROPOSE_CUT = "propose_cut"
    PROPOSE_INCREASE = "propose_increase"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY: dict[Rule, Severity] = {
    Rule.SEVERE_EVENT: Severity.HIGH,
    Rule.DEFAULT: Severity.HIGH,
    Rule.CLASS_C: Severity.HIGH,
    Rule.GRADE_DOWNGRADE: Severity.MEDIUM,
    Rule.OVER_LIMIT: Severity.MEDIUM,
    Rule.OVERDUE: Severity.MEDIUM,
    Rule.COUNTRY_DOWNGRADE: Severity.MEDIUM,
    Rule.LARGE_DISPUTE: Severity.MEDIUM,
    Rule.DELAYS_GROWING: Severity.LOW,
    Rule.CONCENTRATION: Severity.LOW,
}
ALERT_RULES = tuple(SEVERITY)
LIMIT_RULES = (Rule.LIMIT_CUT, Rule.PROPOSE_CUT, Rule.PROPOSE_INCREASE)

EVENT_LOOKBACK_DAYS = 365  # older news does not raise an alert when it is imported
LIMIT_CUT_GRADE = 9
# A sustained upgrade is measured against the best grade of this many days before it.
UPGRADE_REFERENCE_DAYS = 30

# Evidence fields that are money in the base currency's minor units (shown as decimals).
MONEY_FIELDS = frozenset(
    {
        "exposure",
        "limit",
        "receivables",
        "open_orders",
        "long_overdue",
        "portfolio",
        "amount",
        "proposed",
        "recommended",
    }
)


@dataclass(frozen=True, slots=True)
class MonitoringInputs:
    """Every buyer's standing on ``as_of``; amounts in base minor units.

    - scores: buyer_id, grade, credit_class, country, country_grade, limit_recommended
      (the day's scores);
    - history: buyer_id, best_grade, best_country_grade (over the window before the day),
      grade_before (the grade just before the upgrade period), worst_recent (the worst
      grade during it); missing buyers have no history;
    - behaviour: buyer_id, trend_days_per_month, avg_days_beyond_terms;
    - exposure: buyer_id, receivables, open_orders, long_overdue (open more than
      ``overdue_days`` past due), days_overdue (the oldest open invoice's), invoice_id;
    - limits: buyer_id, limit (in force); events: event_id, buyer_id, date, type;
    - disputes: dispute_id, buyer_id, invoice_id, opened_on, amount (base), open on the day.
    """

    as_of: dt.date
    scores: pl.DataFrame
    history: pl.DataFrame
    behaviour: pl.DataFrame
    exposure: pl.DataFrame
    limits: pl.DataFrame
    events: pl.DataFrame
    disputes: pl.DataFrame
    rounding: int  # limits are proposed in multiples of this (minor units)
    dispute_threshold: int  # large_dispute_amount in minor units


def _rule(frame: pl.DataFrame, rule: Rule, condition: pl.Expr | None = None) -> pl.DataFrame:
    return frame.with_columns(
        rule=pl.lit(rule.value),
        condition=pl.lit("") if condition is None else condition.cast(pl.String),
    )


def _round_down(amount: pl.Expr, rounding: int) -> pl.Expr:
    return (amount // rounding * rounding).cast(pl.Int64)


def evaluate(inputs: MonitoringInputs, settings: MonitoringSettings) -> pl.DataFrame:
    """Every condition that holds on the day: buyer_id, rule, condition, severity and the
    evidence columns (null where a rule has none of them)."""
    s = settings
    scored = inputs.scores.join(inputs.history, on="buyer_id", how="left").join(
        inputs.limits, on="buyer_id", how="left"
    )
    grade = pl.col("grade")
    downgraded = (grade - pl.col("best_grade") >= s.downgrade_notches) & (grade < 10)
    parts = [
        _rule(
            scored.filter(downgraded).select("buyer_id", "grade", "best_grade"),
            Rule.GRADE_DOWNGRADE,
        ),
        _rule(
            scored.filter(pl.col("credit_class") == "C", grade < 10).select(
                "buyer_id", "grade", "credit_class"
            ),
            Rule.CLASS_C,
        ),
        _rule(scored.filter(grade == 10).select("buyer_id", "grade"), Rule.DEFAULT),
        _rule(
            scored.filter(pl.col("country_grade") > pl.col("best_country_grade")).select(
                "buyer_id", "country", "country_grade", "best_country_grade"
            ),
            Rule.COUNTRY_DOWNGRADE,
        ),
        _rule(
            inputs.behaviour.filter(
                pl.col("trend_days_per_month") > s.delay_trend_days_per_month,
                pl.col("avg_days_beyond_terms") >= s.delay_min_days,
            ).select(
                "buyer_id",
                pl.col("trend_days_per_month").round(1),
                pl.col("avg_days_beyond_terms").round(1),
            ),
            Rule.DELAYS_GROWING,
        ),
    ]
    exposure = inputs.exposure.join(inputs.limits, on="buyer_id", how="left").with_columns(
        exposure=pl.col("receivables") + pl.col("open_orders")
    )
    parts.append(
        _rule(
            exposure.filter(pl.col("limit") > 0, pl.col("exposure") > pl.col("limit")).select(
                "buyer_id", "exposure", "limit", "receivables", "open_orders"
            ),
            Rule.OVER_LIMIT,
        )
    )
    parts.append(
        _rule(
            exposure.filter(
                pl.col("days_overdue") > s.overdue_days,
                pl.col("long_overdue") >= s.overdue_min_share * pl.col("receivables"),
            ).select("buyer_id", "days_overdue", "invoice_id", "long_overdue", "receivables"),
            Rule.OVERDUE,
        )
    )
    portfolio = int(inputs.exposure["receivables"].sum() or 0)
    if portfolio > 0:
        largest = (
            inputs.exposure.sort(["receivables", "buyer_id"], descending=[True, False])
            .head(1)
            .with_columns(
                share=(pl.col("receivables") / portfolio).round(4), portfolio=pl.lit(portfolio)
            )
            .filter(pl.col("share") > s.concentration_share)
            .select("buyer_id", "share", "receivables", "portfolio")
        )
        parts.append(_rule(largest, Rule.CONCENTRATION))
    disputes = inputs.disputes.filter(
        pl.col("open"), pl.col("amount") >= inputs.dispute_threshold
    ).select("buyer_id", "dispute_id", "invoice_id", "amount", pl.col("opened_on").cast(pl.String))
    parts.append(_rule(disputes, Rule.LARGE_DISPUTE, pl.col("dispute_id")))
    recent = inputs.events.filter(
        pl.col("date") <= inputs.as_of,
        pl.col("date") > inputs.as_of - dt.timedelta(days=EVENT_LOOKBACK_DAYS),
    )
    severe = recent.filter(pl.col("type").is_in(sorted(SEVERE_EVENT_TYPES))).select(
        "buyer_id",
        "event_id",
        pl.col("type").alias("event_type"),
        pl.col("date").cast(pl.String).alias("event_date"),
    )
    parts.append(_rule(severe, Rule.SEVERE_EVENT, pl.col("event_id")))

    # limit rules
    insolvent = (
        recent.filter(pl.col("type") == "insolvency")
        .group_by("buyer_id")
        .agg(event_id=pl.col("event_id").sort_by("date").first())
    )
    cut = (
        scored.select("buyer_id", "grade")
        .join(insolvent, on="buyer_id", how="full", coalesce=True)
        .filter((pl.col("grade") >= LIMIT_CUT_GRADE) | pl.col("event_id").is_not_null())
    )
    parts.append(_rule(cut, Rule.LIMIT_CUT))
    limit = pl.col("limit")
    recommended = pl.col("limit_recommended")
    proposed_cut = pl.min_horizontal(
        _round_down(limit.cast(pl.Float64) * (1 - s.cut_share), inputs.rounding), recommended
    )
    parts.append(
        _rule(
            scored.filter(downgraded, grade < LIMIT_CUT_GRADE, limit > 0)
            .with_columns(proposed=proposed_cut)
            .filter(pl.col("proposed") < limit)
            .select("buyer_id", "grade", "best_grade", "limit", "proposed"),
            Rule.PROPOSE_CUT,
        )
    )
    proposed_increase = pl.min_horizontal(
        _round_down(limit.cast(pl.Float64) * (1 + s.increase_share), inputs.rounding), recommended
    )
    upgraded = pl.col("grade_before") - pl.col("worst_recent") >= s.upgrade_notches
    parts.append(
        _rule(
            scored.filter(upgraded, limit > 0, recommended > limit, grade < LIMIT_CUT_GRADE)
            .with_columns(proposed=proposed_increase, recommended=recommended)
            .filter(pl.col("proposed") > limit)
            .select("buyer_id", "grade", "grade_before", "limit", "proposed", "recommended"),
            Rule.PROPOSE_INCREASE,
        )
    )
    holding = [p for p in parts if p.height]
    if not holding:
        return pl.DataFrame(
            schema=dict.fromkeys(("buyer_id", "rule", "condition", "severity"), pl.String)
        )
    found = pl.concat(holding, how="diagonal_relaxed")
    severity = {r.value: v.value for r, v in SEVERITY.items()}
    return found.with_columns(
        severity=pl.col("rule").replace_strict(severity, default=None, return_dtype=pl.String)
    ).sort("buyer_id", "rule", "condition")


def evidence_of(row: Mapping[str, object], base_currency: str) -> dict[str, JsonValue]:
    """One condition's evidence as the alert keeps it: its non-null figures, money as
    decimal strings of the base currency (with ``currency`` named)."""
    evidence: dict[str, JsonValue] = {}
    for name, value in row.items():
        if name in {"buyer_id", "rule", "condition", "severity"} or value is None:
            continue
        if name in MONEY_FIELDS and isinstance(value, int):
            evidence[name] = str(from_minor(value, base_currency))
            evidence["currency"] = base_currency
        elif isinstance(value, float | int | str | bool):
            evidence[name] = value
        else:
            evidence[name] = str(value)
    return evidence
