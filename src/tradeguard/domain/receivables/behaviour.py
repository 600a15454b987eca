"""How each buyer pays: days beyond terms, its trend, lateness, longest delay, disputes.

The evidence on a date D is every invoice of the trailing window (D − 365 days, D]
that was paid in it, plus every invoice still open and overdue on D:

- a paid invoice is one that cash payments and credit notes settled in full; its days
  beyond terms are its final settlement date (the date of the allocation that brought
  it to zero) − its due date, negative when paid early;
- an open overdue invoice counts with D − due date: it is at least that late, and
  leaving it out would make a buyer who stops paying look better the longer they wait;
- invoices not yet due tell nothing yet, and written-off invoices are not payments
  (they show in the bad-debt ratio instead): both are left out.

Averages and the trend are weighted by the invoice amount in the base currency, so a
large late invoice weighs more than a small one. The trend is the weighted
least-squares slope of days beyond terms against the date of each observation (the
settlement date, or D for open items), in days per month (365.25 / 12 days).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tradeguard.domain.receivables.ageing import Positions

WINDOW_DAYS = 365
_DAYS_PER_MONTH = 365.25 / 12


def behaviour(pos: Positions, window_days: int = WINDOW_DAYS) -> pl.DataFrame:
    """One row per buyer with an invoice issued by ``pos.as_of``, sorted by buyer id.

    Columns: buyer_id, avg_days_beyond_terms, trend_days_per_month, late_share,
    max_delay_days (never negative), disputes (opened in the window). Figures are null
    for a buyer with no evidence; the trend is null unless observations fall on at
    least two dates.
    """
    as_of = pos.as_of
    start = as_of - dt.timedelta(days=window_days)
    frame = pos.frame.lazy()
    paid = frame.filter(pl.col("paid_on") > start).select(
        "buyer_id",
        pl.col("amount_base").cast(pl.Float64).alias("w"),
        (pl.col("paid_on") - pl.col("due_date")).dt.total_days().alias("y"),
        (pl.col("paid_on") - pl.lit(as_of)).dt.total_days().alias("x"),
    )
    open_overdue = frame.filter(pl.col("open") > 0, pl.col("days_overdue") > 0).select(
        "buyer_id",
        pl.col("amount_base").cast(pl.Float64).alias("w"),
        pl.col("days_overdue").alias("y"),
        pl.lit(0, dtype=pl.Int64).alias("x"),
    )
    w, y = pl.col("w"), pl.col("y").cast(pl.Float64)
    x = pl.col("x").cast(pl.Float64) / _DAYS_PER_MONTH
    sw = w.sum()
    sxx = (w * x * x).sum() - (w * x).sum() ** 2 / sw
    sxy = (w * x * y).sum() - (w * x).sum() * (w * y).sum() / sw
    observed = (
        pl.concat([paid, open_overdue])
        .group_by("buyer_id")
        .agg(
            avg_days_beyond_terms=(w * y).sum() / sw,
            # On a single date sxx is zero up to rounding: no slope, rather than noise.
            trend_days_per_month=pl.when(x.max() > x.min()).then(sxy / sxx),
            late_share=(pl.col("y") > 0).mean(),
            max_delay_days=pl.col("y").max().clip(lower_bound=0),
        )
    )
    disputes = (
        pos.snapshot.disputes.lazy()
        .filter(pl.col("opened_on") > start, pl.col("opened_on") <= as_of)
        .join(frame.select("invoice_id", "buyer_id"), on="invoice_id", how="inner")
        .group_by("buyer_id")
        .agg(disputes=pl.len())
    )
    return (
        frame.select("buyer_id")
        .unique()
        .join(observed, on="buyer_id", how="left")
        .join(disputes, on="buyer_id", how="left")
        .select(
            "buyer_id",
            "avg_days_beyond_terms",
            "trend_days_per_month",
            "late_share",
            "max_delay_days",
            pl.col("disputes").fill_null(0).cast(pl.Int64),
        )
        .sort("buyer_id")
        .collect()
    )
