"""Small hand-made ledgers as ``LedgerSnapshot`` frames, for the analytics tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from tradeguard.domain.ledger.snapshot import LedgerSnapshot

D = dt.date
Invoice = tuple[str, str, dt.date, dt.date, int, str]  # id, buyer, issued, due, minor, currency
Settlement = tuple[str, str, dt.date, int]  # invoice id, source type, date, minor


def snapshot(
    invoices: Sequence[Invoice],
    allocations: Sequence[Settlement],
    fx: Sequence[tuple[str, dt.date, float]] = (),
    disputes: Sequence[tuple[str, dt.date, dt.date | None]] = (),
    buyers: Sequence[tuple[str, str, str]] = (),  # buyer id, country, industry
) -> LedgerSnapshot:
    return LedgerSnapshot(
        base_currency="EUR",
        buyers=pl.DataFrame(
            [(b, f"Buyer {b}", c, i) for b, c, i in buyers],
            schema={
                "buyer_id": pl.String,
                "name": pl.String,
                "country": pl.String,
                "industry": pl.String,
            },
            orient="row",
        ),
        invoices=pl.DataFrame(
            list(invoices),
            schema={
                "invoice_id": pl.String,
                "buyer_id": pl.String,
                "issue_date": pl.Date,
                "due_date": pl.Date,
                "amount": pl.Int64,
                "currency": pl.String,
            },
            orient="row",
        ),
        allocations=pl.DataFrame(
            list(allocations),
            schema={
                "invoice_id": pl.String,
                "source_type": pl.String,
                "date": pl.Date,
                "amount": pl.Int64,
            },
            orient="row",
        ),
        fx=pl.DataFrame(
            list(fx),
            schema={"currency": pl.String, "date": pl.Date, "rate": pl.Float64},
            orient="row",
        ),
        disputes=pl.DataFrame(
            list(disputes),
            schema={"invoice_id": pl.String, "opened_on": pl.Date, "resolved_on": pl.Date},
            orient="row",
        ),
    )
