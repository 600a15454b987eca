"""Open items at a past date, and conversion into the base currency."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradeguard.domain.ledger.snapshot import LedgerSnapshot, MissingFxRateError
from tradeguard.domain.receivables.ageing import bucket_index, buckets, open_items, positions

D = dt.date


def _snapshot(fx: list[tuple[str, dt.date, float]]) -> LedgerSnapshot:
    return LedgerSnapshot(
        base_currency="EUR",
        buyers=pl.DataFrame(
            {"buyer_id": ["B1"], "name": ["A"], "country": ["DE"], "industry": ["x"]}
        ),
        invoices=pl.DataFrame(
            {
                "invoice_id": ["I1", "I2", "I3", "I4"],
                "buyer_id": ["B1"] * 4,
                "issue_date": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 5), D(2024, 1, 15)],
                "due_date": [D(2024, 1, 31), D(2024, 3, 2), D(2024, 4, 4), D(2024, 2, 14)],
                "amount": [10000, 5000, 7000, 100000],
                "currency": ["EUR", "EUR", "EUR", "JPY"],
            }
        ),
        allocations=pl.DataFrame(
            {
                "invoice_id": ["I1", "I1", "I2"],
                "source_type": ["payment", "payment", "credit_note"],
                "date": [D(2024, 2, 10), D(2024, 3, 10), D(2024, 2, 20)],
                "amount": [4000, 6000, 5000],
            }
        ),
        fx=pl.DataFrame(
            {
                "currency": [c for c, _, _ in fx],
                "date": [d for _, d, _ in fx],
                "rate": [r for _, _, r in fx],
            },
            schema={"currency": pl.String, "date": pl.Date, "rate": pl.Float64},
        ),
    )


def test_open_items_are_point_in_time() -> None:
    snapshot = _snapshot([("JPY", D(2024, 2, 28), 0.0062), ("JPY", D(2024, 3, 2), 0.0070)])
    items = open_items(positions(snapshot, D(2024, 3, 1))).collect().sort("invoice_id")
    # I1: 40.00 paid on 10 Feb, the rest after the date; I2 fully credited; I3 not issued yet.
    assert items.select("invoice_id", "open", "days_overdue", "open_base").rows() == [
        ("I1", 6000, 30, 6000),
        ("I4", 100000, 16, 62000),  # 100,000 JPY at 0.0062 (the rate of 28 Feb) = 620.00 EUR
    ]


def test_missing_rate_names_currency_and_date() -> None:
    with pytest.raises(MissingFxRateError, match="no FX rate for JPY on or before 2024-03-01"):
        open_items(positions(_snapshot([("JPY", D(2024, 3, 2), 0.007)]), D(2024, 3, 1)))


def test_buckets_from_edges() -> None:
    labels = [b.label for b in buckets()]
    assert labels == ["current", "1-30", "31-60", "61-90", "91-180", "over 180"]
    days = pl.DataFrame({"d": [-5, 0, 1, 30, 31, 180, 181]})
    assert days.select(bucket_index(pl.col("d")).alias("b"))["b"].to_list() == [0, 0, 1, 1, 2, 4, 5]
