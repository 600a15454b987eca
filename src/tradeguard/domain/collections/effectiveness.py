"""How well each dunning step works: the share of the amount open at the step that was
collected within a window (15 days by default) after it, per quarter.

Money counts as collected when a payment or credit note settled the invoice in the
window (write-offs do not); what is collected on an invoice is at most what was open at
the step. A quarter whose latest steps are less than a window old is not complete yet.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

ACTIONS_SCHEMA = {
    "invoice_id": pl.String,
    "step": pl.String,
    "as_of": pl.Date,
    "amount": pl.Int64,  # base minor units open at the step
}
PAYMENTS_SCHEMA = {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64}
RESULT_SCHEMA = {
    "quarter": pl.String,
    "step": pl.String,
    "steps": pl.UInt32,
    "amount": pl.Int64,
    "collected": pl.Int64,
    "share": pl.Float64,
    "complete": pl.Boolean,
}


def effectiveness(
    actions: pl.DataFrame, payments: pl.DataFrame, as_of: dt.date, window_days: int = 15
) -> pl.DataFrame:
    """Per quarter (``2026Q3``) and step: the steps taken, the amount open at them, what
    was collected within ``window_days`` after, its share, and whether the window of
    every step of the quarter has passed by ``as_of``."""
    if not actions.height:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    numbered = actions.with_row_index("action")
    window_end = pl.col("as_of") + pl.duration(days=window_days)
    collected = (
        numbered.lazy()
        .join(payments.lazy(), on="invoice_id", suffix="_paid")
        .filter(
            pl.col("date") > pl.col("as_of"),
            pl.col("date") <= window_end,
            pl.col("date") <= as_of,
        )
        .group_by("action")
        .agg(paid=pl.col("amount_paid").sum())
    )
    quarter = pl.format(
        "{}Q{}", pl.col("as_of").dt.year(), pl.col("as_of").dt.quarter().cast(pl.String)
    )
    return (
        numbered.lazy()
        .join(collected, on="action", how="left")
        .with_columns(
            collected=pl.min_horizontal(pl.col("paid").fill_null(0), pl.col("amount")),
            quarter=quarter,
        )
        .group_by("quarter", "step")
        .agg(
            steps=pl.len(),
            amount=pl.col("amount").sum(),
            collected=pl.col("collected").sum(),
            latest=pl.col("as_of").max(),
        )
        .with_columns(
            share=pl.when(pl.col("amount") > 0).then(pl.col("collected") / pl.col("amount")),
            complete=pl.col("latest") + pl.duration(days=window_days) <= pl.lit(as_of),
        )
        .select(list(RESULT_SCHEMA))
        .sort("quarter", "step")
        .collect()
        .cast(RESULT_SCHEMA)  # type: ignore[arg-type]
    )
