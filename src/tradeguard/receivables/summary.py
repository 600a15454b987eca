"""The portfolio at a glance: what is owed, what is overdue, and to whom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import Org
from tradeguard.domain.money import from_minor
from tradeguard.domain.receivables.ageing import bucket_index, buckets, open_items
from tradeguard.ledger.models import Buyer, Invoice
from tradeguard.ledger.repository import load_snapshot


def portfolio_summary(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """Open receivables, overdue share, ageing and the largest exposures on ``as_of``."""
    connection = session.connection()
    snapshot = load_snapshot(connection, org.id, org.base_currency)
    items = open_items(snapshot, as_of)
    base = org.base_currency

    def money(minor: int) -> Decimal:
        return from_minor(int(minor), base)

    total = int(items["open_base"].sum() or 0)
    overdue = int(items.filter(pl.col("days_overdue") > 0)["open_base"].sum() or 0)
    ageing = (
        items.with_columns(bucket=bucket_index(pl.col("days_overdue")))
        .group_by("bucket")
        .agg(pl.len().alias("count"), pl.col("open_base").sum().alias("amount"))
    )
    by_bucket = {row["bucket"]: row for row in ageing.iter_rows(named=True)}
    largest = (
        items.group_by("buyer_id")
        .agg(pl.col("open_base").sum().alias("exposure"))
        .sort(["exposure", "buyer_id"], descending=[True, False])
        .head(10)
        .join(snapshot.buyers.select("buyer_id", "name", "country"), on="buyer_id", how="left")
        .sort(["exposure", "buyer_id"], descending=[True, False])
    )
    return {
        "as_of": as_of,
        "organisation": org.name,
        "currency": base,
        "buyers": session.scalar(select(func.count()).where(Buyer.org_id == org.id)) or 0,
        "invoices": session.scalar(select(func.count()).where(Invoice.org_id == org.id)) or 0,
        "open_invoices": items.height,
        "open_receivables": money(total),
        "overdue": money(overdue),
        "overdue_share": round(overdue / total, 4) if total else 0.0,
        "ageing": [
            {
                "label": bucket.label,
                "min_days": bucket.min_days,
                "max_days": bucket.max_days,
                "count": int(by_bucket[i]["count"]) if i in by_bucket else 0,
                "amount": money(by_bucket[i]["amount"]) if i in by_bucket else money(0),
            }
            for i, bucket in enumerate(buckets())
        ],
        "largest_buyers": [
            {
                "buyer_id": row["buyer_id"],
                "name": row["name"],
                "country": row["country"],
                "exposure": money(row["exposure"]),
                "share": round(row["exposure"] / total, 4) if total else 0.0,
            }
            for row in largest.iter_rows(named=True)
        ],
    }
