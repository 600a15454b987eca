"""Open items and ageing at any past date (point-in-time correct).

An invoice is open on ``as_of`` if it was issued on or before that date and is not
fully settled by payments, credit notes and write-offs dated on or before it.
Days overdue = as_of − due date; "current" means not yet overdue (days ≤ 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import polars as pl

from tradeguard.analytics.ledger import LedgerSnapshot, in_base_currency

DEFAULT_BUCKET_EDGES = (0, 30, 60, 90, 180)


def open_items(snapshot: LedgerSnapshot, as_of: dt.date) -> pl.DataFrame:
    """One row per open invoice: open amount (own and base currency) and days overdue."""
    settled = (
        snapshot.allocations.filter(pl.col("date") <= as_of)
        .group_by("invoice_id")
        .agg(pl.col("amount").sum().alias("settled"))
    )
    items = (
        snapshot.invoices.lazy()
        .filter(pl.col("issue_date") <= as_of)
        .join(settled.lazy(), on="invoice_id", how="left")
        .with_columns(open=pl.col("amount") - pl.col("settled").fill_null(0))
        .filter(pl.col("open") > 0)
        .with_columns(days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days())
        .collect()
    )
    return in_base_currency(items, "open", snapshot.fx, snapshot.base_currency, as_of)


@dataclass(frozen=True, slots=True)
class Bucket:
    label: str
    min_days: int | None  # None: no lower bound (the current bucket)
    max_days: int | None  # None: no upper bound (the oldest bucket)


def buckets(edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> list[Bucket]:
    """Buckets from upper edges: (0, 30, 60) → current, 1–30, 31–60, over 60."""
    if list(edges) != sorted(set(edges)) or not edges or edges[0] < 0:
        raise ValueError("bucket edges must be increasing whole numbers of days, from 0")
    result = (
        [Bucket("current", None, edges[0])]
        if edges[0] == 0
        else [Bucket(f"up to {edges[0]}", None, edges[0])]
    )
    for low, high in pairwise(edges):
        result.append(Bucket(f"{low + 1}-{high}", low + 1, high))
    result.append(Bucket(f"over {edges[-1]}", edges[-1] + 1, None))
    return result


def bucket_index(days_overdue: pl.Expr, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> pl.Expr:
    """Index into ``buckets(edges)`` for each row."""
    index = pl.lit(len(edges), dtype=pl.Int64)
    for i, edge in reversed(list(enumerate(edges))):
        index = pl.when(days_overdue <= edge).then(pl.lit(i, dtype=pl.Int64)).otherwise(index)
    return index
