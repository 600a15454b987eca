"""Promises to pay: kept, broken or still running on a run date, for every promise at once.

A promise covers some of a buyer's invoices (one named, else all open when it was made)
and pauses their ladder until its date plus a grace. It is kept once the money paid on
those invoices since the promise was made reaches the promised amount, or nothing is
left open on them; it is broken when the grace has passed without that. A broken
promise sends its invoices to their next step at once (``ladder.plan``'s ``escalate``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import polars as pl


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


PROMISES_SCHEMA = {
    "promise_id": pl.Int64,
    "promised_for": pl.Date,
    "made_on": pl.Date,
    "amount": pl.Int64,  # minor units of the covered invoices' currency
}
COVERAGE_SCHEMA = {"promise_id": pl.Int64, "invoice_id": pl.String}
PAYMENTS_SCHEMA = {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64}
OPEN_SCHEMA = {"invoice_id": pl.String, "open": pl.Int64}


def settle(
    promises: pl.DataFrame,
    coverage: pl.DataFrame,
    payments: pl.DataFrame,
    open_items: pl.DataFrame,
    as_of: dt.date,
    grace_days: int,
) -> pl.DataFrame:
    """Each open promise's state on ``as_of``: promise_id, paid (minor units since it
    was made, up to ``as_of``), status (open, kept or broken).

    ``payments``: money settling invoices (payments and credit notes, not write-offs);
    ``open_items``: what is open on ``as_of`` (an invoice absent is settled).
    """
    window_end = pl.min_horizontal(
        pl.lit(as_of), pl.col("promised_for") + pl.duration(days=grace_days)
    )
    covered = promises.lazy().join(coverage.lazy(), on="promise_id")
    paid = (
        covered.join(payments.lazy(), on="invoice_id")
        .filter(pl.col("date") >= pl.col("made_on"), pl.col("date") <= window_end)
        .group_by("promise_id")
        .agg(paid=pl.col("amount_right").sum())
    )
    still_open = (
        covered.join(open_items.lazy(), on="invoice_id")
        .group_by("promise_id")
        .agg(left=pl.col("open").sum())
    )
    return (
        promises.lazy()
        .join(paid, on="promise_id", how="left")
        .join(still_open, on="promise_id", how="left")
        .with_columns(paid=pl.col("paid").fill_null(0), left=pl.col("left").fill_null(0))
        .with_columns(
            status=pl.when((pl.col("paid") >= pl.col("amount")) | (pl.col("left") == 0))
            .then(pl.lit(PromiseStatus.KEPT.value))
            .when(pl.lit(as_of) > pl.col("promised_for") + pl.duration(days=grace_days))
            .then(pl.lit(PromiseStatus.BROKEN.value))
            .otherwise(pl.lit(PromiseStatus.OPEN.value))
        )
        .select("promise_id", "paid", "status")
        .collect()
    )


def running(
    promises: pl.DataFrame, coverage: pl.DataFrame, as_of: dt.date, grace_days: int
) -> pl.Series:
    """The invoices paused on ``as_of`` by a promise still running (made by then, its
    date plus grace not passed)."""
    live = promises.filter(
        pl.col("made_on") <= as_of,
        pl.lit(as_of) <= pl.col("promised_for") + pl.duration(days=grace_days),
    )
    return live.join(coverage, on="promise_id")["invoice_id"].unique()
