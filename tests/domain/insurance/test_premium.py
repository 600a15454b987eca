"""The monthly premium declaration and the minimum-premium true-up, worked by hand."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import polars as pl

from tests.domain.insurance.cover_policy import POLICY, day
from tradeguard.domain.insurance.premium import (
    Declaration,
    declare,
    insured_turnover,
    minimum_premium_true_up,
    premium_due,
)

COVER = pl.DataFrame(
    {
        "invoice_id": ["I1", "I2", "I3", "I4"],
        "issue_date": [day(1, 31), day(2, 1), day(2, 29), day(3, 1)],
        "covered_at_delivery": [1000, 2500, 1234567, 800],
        "covered": [0, 0, 0, 0],  # what is open now does not matter
    }
)


def test_insured_turnover_is_what_was_insured_on_the_invoices_issued_in_the_month() -> None:
    assert insured_turnover(COVER, day(1, 1)) == 1000
    assert insured_turnover(COVER, day(2, 17)) == 2500 + 1_234_567  # any day of the month
    assert insured_turnover(COVER, day(4, 1)) == 0
    assert insured_turnover(COVER, day(2, 1, year=2023)) == 0


def test_the_premium_is_the_rate_on_the_turnover_rounded_half_to_even() -> None:
    # 12345.67 × 0.0025 = 30.864175 → 30.86
    assert premium_due(POLICY, Decimal("12345.67")) == Decimal("30.86")
    half = dataclasses.replace(POLICY, premium_rate=Decimal("0.002"))
    # 1002.50 × 0.002 = 2.005 → 2.00 (to even), 1007.50 × 0.002 = 2.015 → 2.02
    assert premium_due(half, Decimal("1002.50")) == Decimal("2.00")
    assert premium_due(half, Decimal("1007.50")) == Decimal("2.02")


def test_a_declaration_from_the_cover_frame() -> None:
    # February: 2500 + 1234567 = 1237067 cents = 12370.67 EUR; × 0.0025 = 30.926675 → 30.93
    assert declare(POLICY, COVER, day(2, 17)) == Declaration(
        day(2, 1), Decimal("12370.67"), Decimal("30.93")
    )


def test_the_true_up_tops_the_premiums_up_to_the_minimum() -> None:
    # minimum 500.00 − (120.50 + 200.25) = 179.25
    assert minimum_premium_true_up(POLICY, [Decimal("120.50"), Decimal("200.25")]) == Decimal(
        "179.25"
    )
    assert minimum_premium_true_up(POLICY, [Decimal("300"), Decimal("300")]) == 0
    assert minimum_premium_true_up(POLICY, [Decimal("500.00")]) == 0
    assert minimum_premium_true_up(POLICY, []) == Decimal("500.00")
