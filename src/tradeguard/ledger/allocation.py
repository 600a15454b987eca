"""Keep the ``allocations`` table equal to the allocation rule applied to the ledger.

Allocations are derived data: after any import that touches invoices or money, the
affected buyers' settlements are recomputed from scratch (``domain.allocation``) and
replaced in the same transaction. Recomputing is idempotent by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import ColumnElement, Connection, Executable, delete, literal, select
from sqlalchemy.orm import Session

from tradeguard.domain.ledger.allocation import allocate
from tradeguard.kit.bulk import count_at_most, insert_frame, read_frame
from tradeguard.ledger.models import Allocation, Buyer, CreditNote, Invoice, Payment, WriteOff

_MANY_BUYERS = 2_000
_IN_CHUNK = 500

_MONEY_SCHEMA = {
    "source_type": pl.String,
    "source_id": pl.String,
    "buyer_id": pl.String,
    "currency": pl.String,
    "date": pl.Date,
    "amount": pl.Int64,
    "invoice_id": pl.String,
}


def _buyer_chunks(buyers: Collection[str] | None) -> list[list[str] | None]:
    if buyers is None or len(buyers) > _MANY_BUYERS:
        return [None]
    ordered = sorted(buyers)
    return [ordered[i : i + _IN_CHUNK] for i in range(0, len(ordered), _IN_CHUNK)]


def _in_buyers(column: Any, chunk: list[str] | None) -> ColumnElement[bool]:
    return column.in_(chunk) if chunk is not None else literal(True)


def _plan(
    connection: Connection, org_id: int, buyers: Collection[str] | None
) -> list[list[str] | None]:
    """How to select the buyers' rows: ``[None]`` for the whole organisation, or id lists.

    Many buyers are read as the whole organisation (one scan) when they are most of its
    buyers, and otherwise in lists of ids through the buyer index, so that a batch of
    buyers in a large ledger reads (and replaces) only its own rows.
    """
    chunks = _buyer_chunks(buyers)
    if buyers is not None and chunks == [None]:
        limit = 2 * len(buyers)
        everyone = count_at_most(
            connection, select(Buyer.buyer_id).where(Buyer.org_id == org_id), limit
        )
        if everyone >= limit:
            ordered = sorted(buyers)
            chunks = [ordered[i : i + _IN_CHUNK] for i in range(0, len(ordered), _IN_CHUNK)]
    return chunks


def _read_by_buyers(
    connection: Connection,
    chunks: list[list[str] | None],
    build: Callable[[list[str] | None], Executable],
    schema: dict[str, type[pl.DataType]],
) -> pl.DataFrame:
    frames = [read_frame(connection, build(chunk), schema) for chunk in chunks]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


_INVOICE_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "currency": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "amount": pl.Int64,
}


def load_invoices(
    connection: Connection, org_id: int, buyers: Collection[str] | None
) -> pl.DataFrame:
    """The invoices of some buyers (all when None), ordered by invoice id."""
    chunks = _plan(connection, org_id, buyers)

    def build(chunk: list[str] | None) -> Executable:
        return select(
            Invoice.invoice_id,
            Invoice.buyer_id,
            Invoice.currency,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.amount,
        ).where(Invoice.org_id == org_id, _in_buyers(Invoice.buyer_id, chunk))

    invoices = _read_by_buyers(connection, chunks, build, _INVOICE_SCHEMA)
    if buyers is not None and chunks == [None]:
        wanted = pl.Series(sorted(buyers), dtype=pl.String)
        invoices = invoices.filter(pl.col("buyer_id").is_in(wanted))
    return invoices.sort("invoice_id")


def load_money(connection: Connection, org_id: int, chunks: list[list[str] | None]) -> pl.DataFrame:
    """The payments, credit notes and write-offs of the buyers of a ``_plan``."""
    frames = []
    for model, id_column, label in (
        (Payment, Payment.payment_id, "payment"),
        (CreditNote, CreditNote.credit_note_id, "credit_note"),
    ):

        def build(
            chunk: list[str] | None,
            model: Any = model,
            id_column: Any = id_column,
            label: str = label,
        ) -> Executable:
            return select(
                literal(label),
                id_column,
                model.buyer_id,
                model.currency,
                model.date,
                model.amount,
                model.invoice_id,
            ).where(model.org_id == org_id, _in_buyers(model.buyer_id, chunk))

        frames.append(_read_by_buyers(connection, chunks, build, _MONEY_SCHEMA))

    def build_write_offs(chunk: list[str] | None) -> Executable:
        return (
            select(
                literal("write_off"),
                WriteOff.invoice_id,
                Invoice.buyer_id,
                Invoice.currency,
                WriteOff.date,
                WriteOff.amount,
                WriteOff.invoice_id,
            )
            .join(
                Invoice,
                (Invoice.org_id == WriteOff.org_id) & (Invoice.invoice_id == WriteOff.invoice_id),
            )
            .where(WriteOff.org_id == org_id, _in_buyers(Invoice.buyer_id, chunk))
        )

    frames.append(_read_by_buyers(connection, chunks, build_write_offs, _MONEY_SCHEMA))
    return pl.concat(frames).sort("source_type", "source_id")


def compute_allocations(invoices: pl.DataFrame, money: pl.DataFrame) -> pl.DataFrame:
    """Apply the allocation rule; one row per settlement, ready for the table."""
    groups = (
        pl.concat([invoices.select("buyer_id", "currency"), money.select("buyer_id", "currency")])
        .unique()
        .with_row_index("group")
    )
    invoices = invoices.join(groups, on=["buyer_id", "currency"], how="left", maintain_order="left")
    money = money.join(groups, on=["buyer_id", "currency"], how="left", maintain_order="left")
    position = invoices.select("invoice_id").with_row_index("target")
    money = money.join(position, on="invoice_id", how="left", maintain_order="left")

    def days(frame: pl.DataFrame, column: str) -> np.ndarray[Any, np.dtype[np.int64]]:
        return frame[column].cast(pl.Int32).cast(pl.Int64).to_numpy()

    settled = allocate(
        invoice_group=invoices["group"].cast(pl.Int64).to_numpy(),
        invoice_issue_day=days(invoices, "issue_date"),
        invoice_due_day=days(invoices, "due_date"),
        invoice_amount=invoices["amount"].to_numpy(),
        money_group=money["group"].cast(pl.Int64).to_numpy(),
        money_day=days(money, "date"),
        money_amount=money["amount"].to_numpy(),
        money_invoice=money["target"].cast(pl.Int64).fill_null(-1).to_numpy(),
        money_is_cash=(money["source_type"] != "write_off").to_numpy(),
    )
    return pl.DataFrame(
        {
            "buyer_id": invoices["buyer_id"].gather(settled.invoice),
            "invoice_id": invoices["invoice_id"].gather(settled.invoice),
            "source_type": money["source_type"].gather(settled.money),
            "source_id": money["source_id"].gather(settled.money),
            "date": pl.Series(settled.day, dtype=pl.Int64).cast(pl.Int32).cast(pl.Date),
            "amount": pl.Series(settled.amount, dtype=pl.Int64),
        }
    )


def reallocate(session: Session, org_id: int, buyers: Collection[str] | None = None) -> int:
    """Recompute and replace the allocations of ``buyers`` (all when None); return the count.

    The money items are read first: only buyers that have some can have allocations,
    so an import of invoices alone reads no invoices back, and otherwise only the
    invoices of the buyers with money are read.
    """
    connection = session.connection()
    chunks = _plan(connection, org_id, buyers)
    money = load_money(connection, org_id, chunks)
    for chunk in chunks:
        connection.execute(
            delete(Allocation).where(
                Allocation.org_id == org_id, _in_buyers(Allocation.buyer_id, chunk)
            )
        )
    if money.height == 0:
        return 0
    paying = set(money["buyer_id"].unique().to_list())
    invoices = load_invoices(connection, org_id, paying)
    if invoices.height == 0:
        return 0
    rows = compute_allocations(invoices, money).with_columns(org_id=pl.lit(org_id, pl.Int64))
    return insert_frame(connection, Allocation.__table__, rows)  # type: ignore[arg-type]
