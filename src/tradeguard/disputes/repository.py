"""Reading and writing disputes, and what was settled on invoices by a given day.

Every read is scoped to one organisation: another organisation's dispute is not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import polars as pl
from sqlalchemy import Connection, CursorResult, select, update
from sqlalchemy.orm import Session

from tradeguard.domain.disputes import DisputeStatus
from tradeguard.kit.bulk import read_frame, read_matching
from tradeguard.ledger.models import Allocation, Dispute, Invoice

# Invoices read with one IN list; more go through a temporary key table.
_IN_LIST = 500
_ALLOCATIONS = {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64}


def _allocations(connection: Connection, org_id: int, invoice_ids: list[str]) -> pl.DataFrame:
    if len(invoice_ids) > _IN_LIST:
        return read_matching(
            connection,
            cast(Any, Allocation.__table__),
            list(_ALLOCATIONS),
            org_id,
            pl.DataFrame({"invoice_id": invoice_ids}, schema={"invoice_id": pl.String}),
            _ALLOCATIONS,
        )
    query = select(Allocation.invoice_id, Allocation.date, Allocation.amount).where(
        Allocation.org_id == org_id, Allocation.invoice_id.in_(invoice_ids)
    )
    return read_frame(connection, query, _ALLOCATIONS)


def settled_by(connection: Connection, org_id: int, claims: pl.DataFrame) -> pl.Series:
    """For each row of ``claims`` (``invoice_id``, ``opened_on``): the minor units of its
    invoice settled (paid, credited, written off) on or before that day, 0 when none.

    One read of the invoices' allocations and one join, whatever the number of rows.
    """
    wanted = claims["invoice_id"].drop_nulls().unique().to_list()
    allocations = _allocations(connection, org_id, wanted)
    indexed = claims.select("invoice_id", "opened_on").with_row_index("_claim")
    settled = (
        indexed.join(allocations, on="invoice_id", how="inner")
        .filter(pl.col("date") <= pl.col("opened_on"))
        .group_by("_claim")
        .agg(pl.col("amount").sum().alias("settled"))
    )
    return (
        indexed.join(settled, on="_claim", how="left", maintain_order="left")["settled"]
        .fill_null(0)
        .cast(pl.Int64)
    )


def dispute(session: Session, org_id: int, dispute_id: str) -> Dispute | None:
    return session.get(Dispute, (org_id, dispute_id))


def add(session: Session, row: Dispute) -> Dispute:
    session.add(row)
    session.flush()
    return row


def resolve(
    session: Session,
    row: Dispute,
    resolved_on: dt.date,
    outcome: str,
) -> bool:
    """Resolve ``row`` if it is still open, by one conditional update: of two concurrent
    resolutions exactly one changes the row. False when it was resolved meanwhile."""
    statement = (
        update(Dispute)
        .where(
            Dispute.org_id == row.org_id,
            Dispute.dispute_id == row.dispute_id,
            Dispute.resolved_on.is_(None),
        )
        .values(resolved_on=resolved_on, outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    session.refresh(row)
    return result.rowcount == 1


def disputes(
    session: Session, org_id: int, status: DisputeStatus | None, buyer_id: str | None
) -> list[tuple[Dispute, str, str]]:
    """Disputes with their invoice's buyer and currency, oldest first."""
    query = (
        select(Dispute, Invoice.buyer_id, Invoice.currency)
        .join(
            Invoice,
            (Invoice.org_id == Dispute.org_id) & (Invoice.invoice_id == Dispute.invoice_id),
        )
        .where(Dispute.org_id == org_id)
        .order_by(Dispute.opened_on, Dispute.dispute_id)
    )
    if status is DisputeStatus.OPEN:
        query = query.where(Dispute.resolved_on.is_(None))
    elif status is DisputeStatus.RESOLVED:
        query = query.where(Dispute.resolved_on.is_not(None))
    if buyer_id is not None:
        query = query.where(Invoice.buyer_id == buyer_id)
    return [(row[0], row[1], row[2]) for row in session.execute(query)]
