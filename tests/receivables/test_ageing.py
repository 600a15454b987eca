"""Ageing on hand-computed ledgers: point in time, partial payments, credit notes,
write-offs, several currencies, custom buckets, groups and the drill-down."""

from __future__ import annotations

import polars as pl
import pytest

from tests.receivables.ledgers import D, snapshot
from tradeguard.domain.ledger.snapshot import (
    MissingFxRateError,
    rates_on,
    to_base,
)
from tradeguard.domain.money import convert_minor
from tradeguard.domain.receivables.ageing import (
    GradesNotComputedError,
    ageing,
    bucket_invoices,
    positions,
)

AS_OF = D(2024, 6, 30)
LEDGER = snapshot(
    invoices=[
        ("I1", "B1", D(2024, 6, 1), D(2024, 7, 1), 100_00, "EUR"),  # current, paid later
        ("I2", "B1", D(2024, 5, 1), D(2024, 5, 31), 200_00, "EUR"),  # 30 days, part paid
        ("I3", "B2", D(2024, 3, 1), D(2024, 3, 31), 300_00, "EUR"),  # 91 days, credit note
        ("I4", "B2", D(2023, 11, 1), D(2023, 12, 1), 400_00, "EUR"),  # written off
        ("I5", "B3", D(2024, 1, 1), D(2024, 1, 31), 50_000, "JPY"),  # 151 days, in JPY
        ("I6", "B3", D(2024, 7, 1), D(2024, 7, 31), 999_00, "EUR"),  # issued after the date
        ("I7", "B1", D(2023, 1, 1), D(2023, 1, 31), 70_00, "EUR"),  # 516 days overdue
        ("I8", "B2", D(2024, 4, 1), D(2024, 5, 1), 80_00, "EUR"),  # paid in full
    ],
    allocations=[
        ("I1", "payment", D(2024, 7, 2), 100_00),  # after the as-of date: still open on it
        ("I2", "payment", D(2024, 6, 10), 50_00),
        ("I2", "payment", D(2024, 7, 10), 150_00),
        ("I3", "credit_note", D(2024, 4, 15), 120_00),
        ("I4", "write_off", D(2024, 5, 1), 400_00),
        ("I8", "payment", D(2024, 5, 1), 80_00),
    ],
    fx=[
        ("JPY", D(2024, 1, 15), 0.007),
        ("JPY", D(2024, 6, 28), 0.006),
        ("JPY", D(2024, 7, 1), 0.5),
    ],
    buyers=[("B1", "DE", "retail"), ("B2", "FR", "chemicals"), ("B3", "JP", "retail")],
)


def _cells(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.rows()


def test_ageing_on_a_date() -> None:
    # I1 100.00 current; I2 150.00 at 30 days; I3 180.00 at 91; I5 50,000 JPY at 0.006
    # (the rate of 28 June, not the later one) = 300.00 at 151; I7 70.00 over 180.
    assert _cells(ageing(positions(LEDGER, AS_OF))) == [
        (0, 1, 100_00),
        (1, 1, 150_00),
        (4, 2, 180_00 + 300_00),
        (5, 1, 70_00),
    ]


def test_an_earlier_date_sees_only_what_happened_by_then() -> None:
    # 20 April: I1, I2 not issued; I3 300.00 − 120.00 credited on 15 April, 20 days;
    # I4 not yet written off, 141 days; I5 at the rate of 15 January (0.007) = 350.00,
    # 80 days; I7 445 days; I8 current.
    assert _cells(ageing(positions(LEDGER, D(2024, 4, 20)))) == [
        (0, 1, 80_00),
        (1, 1, 180_00),
        (3, 1, 350_00),
        (4, 1, 400_00),
        (5, 1, 70_00),
    ]


def test_a_missing_rate_names_the_currency_and_the_date() -> None:
    with pytest.raises(MissingFxRateError, match="no FX rate for JPY on or before 2024-01-10"):
        positions(LEDGER, D(2024, 1, 10))


def test_custom_buckets() -> None:
    cells = ageing(positions(LEDGER, AS_OF), edges=(0, 60, 365))
    assert _cells(cells) == [(0, 1, 100_00), (1, 1, 150_00), (2, 2, 480_00), (3, 1, 70_00)]


def test_by_country_and_by_buyer() -> None:
    pos = positions(LEDGER, AS_OF)
    assert _cells(ageing(pos, by="country")) == [
        ("DE", 0, 1, 100_00),
        ("DE", 1, 1, 150_00),
        ("DE", 5, 1, 70_00),
        ("FR", 4, 1, 180_00),
        ("JP", 4, 1, 300_00),
    ]
    by_buyer = ageing(pos, by="buyer").group_by("group").agg(pl.col("amount").sum()).sort("group")
    assert by_buyer.rows() == [("B1", 320_00), ("B2", 180_00), ("B3", 300_00)]


def test_grades_are_a_clear_error_until_scoring_runs() -> None:
    with pytest.raises(GradesNotComputedError, match="grades are not computed yet: run scoring"):
        ageing(positions(LEDGER, AS_OF), by="grade")


def test_bucket_drill_down_most_overdue_first() -> None:
    items = bucket_invoices(positions(LEDGER, AS_OF), 4)
    assert items.select("invoice_id", "days_overdue", "open", "open_base").rows() == [
        ("I5", 151, 50_000, 300_00),
        ("I3", 91, 180_00, 180_00),
    ]


def test_positions_columns() -> None:
    frame = positions(LEDGER, AS_OF, period_days=90).frame.sort("invoice_id")
    assert frame["invoice_id"].to_list() == ["I1", "I2", "I3", "I4", "I5", "I7", "I8"]
    row = dict(zip(frame["invoice_id"], frame.iter_rows(named=True), strict=True))
    assert row["I8"]["paid_on"] == D(2024, 5, 1)
    assert row["I4"]["paid_on"] is None
    assert row["I4"]["written_off"]
    # Opening (1 April): I4 still open (written off on 1 May), I3 not yet credited.
    assert row["I4"]["opening_open_base"] == 400_00
    assert row["I4"]["written_off_base"] == 400_00
    assert row["I3"]["opening_open_base"] == 300_00
    assert row["I8"]["opening_open_base"] == 80_00
    assert row["I1"]["opening_open_base"] == 0


def test_fast_conversion_matches_the_scalar_rule() -> None:
    frame = pl.DataFrame(
        {"amount": [1, 5, 12345, 999_999, 7], "currency": ["JPY", "KWD", "USD", "JPY", "EUR"]}
    )
    fx = pl.DataFrame(
        {
            "currency": ["JPY", "KWD", "USD"],
            "date": [D(2024, 1, 1)] * 3,
            "rate": [0.0063, 2.98, 0.9215],
        }
    )
    rates = rates_on(fx, ["JPY", "KWD", "USD", "EUR"], "EUR", D(2024, 2, 1))
    rate = dict(rates.iter_rows())
    expected = [convert_minor(a, c, "EUR", rate[c]) for a, c in frame.iter_rows()]
    fast = to_base(frame["amount"], frame["currency"], rates, "EUR")
    assert fast.to_list() == expected
