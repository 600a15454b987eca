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

from tradeguard.domain.errors import ConflictError
from tradeguard.domain.ledger.snapshot import (
    Converter,
    LedgerSnapshot,
    checked,
    rates_on,
)

DEFAULT_BUCKET_EDGES = (0, 30, 60, 90, 180)


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


@dataclass(frozen=True, slots=True)
class Positions:
    """Every invoice issued on or before ``as_of``, as it stood at the end of that day.

    Built once per as-of date by ``positions`` with a single pass over the allocations,
    then shared by ageing, the KPIs and payment behaviour so that none of them scans the
    ledger again. All ``*_base`` columns are in base minor units, each converted on its
    own at the rate of ``as_of`` (the latest on or before it), so every total is an
    exact sum and money moved between dates is never mistaken for FX gains or losses.

    ``frame`` columns: invoice_id, buyer_id, issue_date, due_date, currency, amount,
    open (own minor units), days_overdue, amount_base, open_base, opening_open_base
    (what was open at the end of ``opening``; 0 for invoices issued after it),
    written_off_base (write-offs dated in (opening, as_of]), written_off (any write-off
    by as_of), paid_on (the date cash payments and credit notes settled it in full; null
    while unpaid and for any invoice with a write-off).
    """

    snapshot: LedgerSnapshot
    as_of: dt.date
    opening: dt.date
    frame: pl.DataFrame


def positions(snapshot: LedgerSnapshot, as_of: dt.date, period_days: int = 90) -> Positions:
    """The ledger on ``as_of`` and on ``as_of − period_days`` (the period's opening)."""
    if period_days < 1:
        raise ValueError("the period must be at least one day")
    opening = as_of - dt.timedelta(days=period_days)
    # when/then inside one aggregation is much cheaper than a filter per aggregate.
    write_off = pl.col("write_off")
    settled = (
        snapshot.allocations.lazy()
        .filter(pl.col("date") <= as_of)
        .with_columns(write_off=pl.col("source_type") == "write_off")
        .group_by("invoice_id")
        .agg(
            settled=pl.col("amount").sum(),
            settled_opening=pl.when(pl.col("date") <= opening).then(pl.col("amount")).sum(),
            written_off_period=pl.when(write_off, pl.col("date") > opening)
            .then(pl.col("amount"))
            .sum(),
            written_off=write_off.any(),
            last_cash=pl.when(~write_off).then(pl.col("date")).max(),
        )
    )
    invoices = snapshot.invoices.lazy().filter(pl.col("issue_date") <= as_of)
    currencies = invoices.select(pl.col("currency").unique()).collect()["currency"].to_list()
    rates = rates_on(snapshot.fx, currencies, snapshot.base_currency, as_of)
    raw = (
        invoices.join(settled, on="invoice_id", how="left")
        .with_columns(
            open=pl.col("amount") - pl.col("settled").fill_null(0),
            opening_open=pl.when(pl.col("issue_date") <= opening)
            .then(pl.col("amount") - pl.col("settled_opening").fill_null(0))
            .otherwise(0),
            written_off_period=pl.col("written_off_period").fill_null(0),
            written_off=pl.col("written_off").fill_null(value=False),
            days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days(),
        )
        .collect()
    )
    converter = Converter(rates, snapshot.base_currency)
    index = converter.index(raw["currency"])
    frame = raw.select(
        "invoice_id",
        "buyer_id",
        "issue_date",
        "due_date",
        "currency",
        "amount",
        "open",
        "days_overdue",
        converter.convert(raw["amount"], index, "amount_base"),
        converter.convert(raw["open"], index, "open_base"),
        converter.convert(raw["opening_open"], index, "opening_open_base"),
        converter.convert(raw["written_off_period"], index, "written_off_base"),
        "written_off",
        pl.when((pl.col("open") == 0) & ~pl.col("written_off"))
        .then(pl.col("last_cash"))
        .alias("paid_on"),
    )
    converted = ["amount_base", "open_base", "opening_open_base", "written_off_base"]
    return Positions(snapshot, as_of, opening, checked(frame, converted, "amount_base"))


def open_items(pos: Positions) -> pl.LazyFrame:
    """The invoices with something open on ``pos.as_of``: what ageing and the summary count."""
    return pos.frame.lazy().filter(pl.col("open") > 0)


AGEING_GROUPS = ("buyer", "country", "industry", "grade")


class GradesNotComputedError(ConflictError):
    """Grades come from the credit assessment, which has not been run for this ledger."""

    def __init__(self) -> None:
        super().__init__("grades are not computed yet: run scoring")


def ageing(
    pos: Positions,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
    by: str | None = None,
    grades: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Open balance per bucket (and per group with ``by``): columns [group,] bucket, count, amount.

    Only non-empty cells appear; ``bucket`` indexes ``buckets(edges)`` and ``amount`` is
    in base minor units. ``group`` is the buyer id, country, industry or credit grade;
    ``by="grade"`` needs ``grades`` (columns buyer_id, grade: each buyer's latest credit
    grade), a buyer without one is in the null group.
    """
    buckets(edges)  # validates the edges before any work
    if by is not None and by not in AGEING_GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose one of: {', '.join(AGEING_GROUPS)}")
    if by == "grade" and grades is None:
        raise GradesNotComputedError
    items = open_items(pos)
    keys = ["bucket"]
    if by == "buyer":
        items = items.with_columns(group=pl.col("buyer_id"))
    elif by == "grade" and grades is not None:
        attributes = grades.lazy().select("buyer_id", pl.col("grade").alias("group"))
        items = items.join(attributes, on="buyer_id", how="left")
    elif by is not None:
        attributes = pos.snapshot.buyers.lazy().select("buyer_id", pl.col(by).alias("group"))
        items = items.join(attributes, on="buyer_id", how="left")
    if by is not None:
        keys = ["group", "bucket"]
    return (
        items.with_columns(bucket=bucket_index(pl.col("days_overdue"), edges))
        .group_by(keys)
        .agg(count=pl.len(), amount=pl.col("open_base").sum())
        .sort(keys)
        .collect()
    )


def bucket_invoices(
    pos: Positions, index: int, edges: Sequence[int] = DEFAULT_BUCKET_EDGES
) -> pl.DataFrame:
    """The open invoices of one bucket, most overdue (then largest) first: the drill-down."""
    if not 0 <= index < len(buckets(edges)):
        raise ValueError(f"bucket index must be between 0 and {len(edges)}")
    return (
        open_items(pos)
        .filter(bucket_index(pl.col("days_overdue"), edges) == index)
        .sort(["days_overdue", "open_base", "invoice_id"], descending=[True, True, False])
        .collect()
    )
