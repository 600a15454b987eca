"""The overdue-notification timers: which overdue invoices must still be reported to the
insurer, and by when, before their cover is lost.

An overdue invoice must be reported by its due date plus the policy's
``notification_deadline_days``; the deadline day itself still counts. One notification
reports all of a buyer's overdue invoices from then on (and stops shipment to it), so an
invoice needs no timer once its buyer has been notified.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import polars as pl

from tradeguard.domain.insurance.policy import Policy


class TimerStatus(StrEnum):
    """From the most urgent: the deadline passed, it falls within the horizon, later."""

    MISSED = "missed"
    DUE = "due"
    UPCOMING = "upcoming"


OPEN_ITEMS_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "due_date": pl.Date,
    "open": pl.Int64,  # minor units, open on as_of
}
NOTIFICATIONS_SCHEMA = {"buyer_id": pl.String, "notified_on": pl.Date}
TIMERS_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "due_date": pl.Date,
    "open": pl.Int64,
    "days_overdue": pl.Int64,
    "deadline": pl.Date,
    "days_left": pl.Int64,  # negative once missed
    "status": pl.String,  # TimerStatus
}
BUYER_DEADLINES_SCHEMA = {
    "buyer_id": pl.String,
    "invoices": pl.UInt32,
    "open": pl.Int64,
    "first_deadline": pl.Date,
    "days_left": pl.Int64,
    "status": pl.String,
}
_URGENCY = [s.value for s in TimerStatus]


def notification_timers(
    open_items: pl.DataFrame,
    notifications: pl.DataFrame,
    policy: Policy,
    as_of: dt.date,
    horizon_days: int = 14,
) -> pl.DataFrame:
    """The timer of each invoice of ``open_items`` (``OPEN_ITEMS_SCHEMA``) overdue on
    ``as_of`` whose buyer has not been notified on or before it (``TIMERS_SCHEMA``, by
    deadline then invoice_id): ``due`` while the deadline is at most ``horizon_days``
    away, ``upcoming`` beyond, ``missed`` once it passed."""
    notified = (
        notifications.lazy()
        .select(pl.col(c).cast(t) for c, t in NOTIFICATIONS_SCHEMA.items())
        .filter(pl.col("notified_on") <= as_of)
        .select("buyer_id")
        .unique()
    )
    days_left = pl.col("days_left")
    status = (
        pl.when(days_left < 0)
        .then(pl.lit(TimerStatus.MISSED.value))
        .when(days_left <= horizon_days)
        .then(pl.lit(TimerStatus.DUE.value))
        .otherwise(pl.lit(TimerStatus.UPCOMING.value))
    )
    return (
        open_items.lazy()
        .select(pl.col(c).cast(t) for c, t in OPEN_ITEMS_SCHEMA.items())
        .filter(pl.col("due_date") < as_of, pl.col("open") > 0)
        .join(notified, on="buyer_id", how="anti")
        .with_columns(
            days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days(),
            deadline=pl.col("due_date") + pl.duration(days=policy.notification_deadline_days),
        )
        .with_columns(days_left=(pl.col("deadline") - pl.lit(as_of)).dt.total_days())
        .with_columns(status=status)
        .sort("deadline", "invoice_id")
        .select(pl.col(c).cast(t) for c, t in TIMERS_SCHEMA.items())
        .collect()
    )


def buyer_deadlines(timers: pl.DataFrame) -> pl.DataFrame:
    """Per buyer with a timer (``BUYER_DEADLINES_SCHEMA``, by first deadline then
    buyer_id): how many invoices and how much await the notification, its earliest
    deadline, the days left to it and the most urgent status among them."""
    urgency = pl.col("status").replace_strict(_URGENCY, range(len(_URGENCY)))
    return (
        timers.lazy()
        .group_by("buyer_id")
        .agg(
            invoices=pl.len(),
            open=pl.col("open").sum(),
            first_deadline=pl.col("deadline").min(),
            days_left=pl.col("days_left").min(),
            status=pl.col("status").sort_by(urgency).first(),
        )
        .sort("first_deadline", "buyer_id")
        .select(pl.col(c).cast(t) for c, t in BUYER_DEADLINES_SCHEMA.items())
        .collect()
    )
