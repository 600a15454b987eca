"""Payment behaviour on a hand-computed ledger (as of 30 June 2024, 12 months back)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.receivables.ledgers import D, snapshot
from tradeguard.domain.receivables.ageing import positions
from tradeguard.domain.receivables.behaviour import behaviour

AS_OF = D(2024, 6, 30)
LEDGER = snapshot(
    invoices=[
        # buyer X
        ("X1", "X", D(2024, 1, 1), D(2024, 1, 31), 100_00, "EUR"),  # paid 10 Feb: +10
        ("X2", "X", D(2024, 2, 1), D(2024, 3, 31), 300_00, "EUR"),  # payment + credit note
        ("X3", "X", D(2024, 5, 1), D(2024, 5, 31), 100_00, "EUR"),  # open, 30 days overdue
        ("X4", "X", D(2024, 6, 1), D(2024, 7, 31), 50_00, "EUR"),  # not yet due: no evidence
        ("X5", "X", D(2023, 3, 1), D(2023, 3, 31), 80_00, "EUR"),  # paid before the window
        ("X6", "X", D(2023, 9, 1), D(2023, 10, 1), 90_00, "EUR"),  # written off: not paid
        ("X7", "X", D(2024, 5, 11), D(2024, 6, 10), 200_00, "EUR"),  # paid after the date
        ("X8", "X", D(2024, 7, 1), D(2024, 7, 31), 10_00, "EUR"),  # issued after the date
        # buyer Y: nothing due yet
        ("Y1", "Y", D(2024, 6, 15), D(2024, 7, 15), 10_00, "EUR"),
        # buyer W: two open overdue invoices, both observed on the as-of date
        ("W1", "W", D(2024, 4, 1), D(2024, 5, 1), 10_00, "EUR"),
        ("W2", "W", D(2024, 4, 1), D(2024, 6, 20), 30_00, "EUR"),
        # buyer Z: invoices only after the date: not listed
        ("Z1", "Z", D(2024, 7, 2), D(2024, 8, 1), 10_00, "EUR"),
    ],
    allocations=[
        ("X1", "payment", D(2024, 2, 10), 100_00),
        ("X2", "payment", D(2024, 3, 1), 200_00),
        ("X2", "credit_note", D(2024, 3, 29), 100_00),  # settled 2 days early
        ("X3", "payment", D(2024, 6, 1), 40_00),  # partial: still open
        ("X5", "payment", D(2023, 4, 10), 80_00),
        ("X6", "payment", D(2023, 10, 20), 30_00),
        ("X6", "write_off", D(2024, 3, 1), 60_00),
        ("X7", "payment", D(2024, 7, 5), 200_00),
    ],
    disputes=[
        ("X2", D(2024, 4, 1), D(2024, 4, 20)),  # counted
        ("X5", D(2023, 5, 1), None),  # before the window
        ("X3", D(2024, 7, 2), None),  # after the date
        ("W1", D(2024, 6, 1), None),
    ],
)


def _rows() -> dict[str, dict[str, object]]:
    table = behaviour(positions(LEDGER, AS_OF))
    return {row["buyer_id"]: row for row in table.iter_rows(named=True)}


def test_one_entry_per_buyer_invoiced_by_the_date() -> None:
    assert list(_rows()) == ["W", "X", "Y"]


def test_days_beyond_terms_of_paid_and_open_overdue_invoices() -> None:
    x = _rows()["X"]
    # Observations (amount, days beyond terms, days before the as-of date):
    # X1 (100, +10, −141), X2 (300, −2, −93), X3 (100, +30, 0), X7 (200, +20, 0).
    weights = np.array([100.0, 300.0, 100.0, 200.0])
    days = np.array([10.0, -2.0, 30.0, 20.0])
    months = np.array([-141.0, -93.0, 0.0, 0.0]) / (365.25 / 12)
    assert x["avg_days_beyond_terms"] == pytest.approx(7_400 / 700)
    assert x["late_share"] == pytest.approx(0.75)
    assert x["max_delay_days"] == 30
    slope = np.polyfit(months, days, 1, w=np.sqrt(weights))[0]
    assert x["trend_days_per_month"] == pytest.approx(slope)
    assert x["disputes"] == 1


def test_no_evidence_and_a_single_date() -> None:
    rows = _rows()
    y = rows["Y"]
    assert [y[k] for k in ("avg_days_beyond_terms", "trend_days_per_month", "late_share")] == [
        None,
        None,
        None,
    ]
    assert (y["max_delay_days"], y["disputes"]) == (None, 0)
    w = rows["W"]
    assert w["avg_days_beyond_terms"] == pytest.approx((10 * 60 + 30 * 10) / 40)
    assert w["trend_days_per_month"] is None
    assert (w["late_share"], w["max_delay_days"], w["disputes"]) == (1.0, 60, 1)


def test_early_payers_have_no_delay() -> None:
    ledger = snapshot(
        invoices=[("E1", "E", D(2024, 1, 1), D(2024, 1, 31), 100, "EUR")],
        allocations=[("E1", "payment", D(2024, 1, 20), 100)],
    )
    row = behaviour(positions(ledger, AS_OF)).row(0, named=True)
    assert (row["avg_days_beyond_terms"], row["late_share"], row["max_delay_days"]) == (
        -11.0,
        0.0,
        0,
    )
