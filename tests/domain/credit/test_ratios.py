"""Financial ratios, hand-checked, with unknown and impossible denominators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradeguard.domain.credit.ratios import Statements, ratios, safe_ratio


def test_hand_checked_ratios() -> None:
    s = Statements.of(
        total_assets=1_000_000,
        current_assets=400_000,
        current_liabilities=250_000,
        total_liabilities=600_000,
        retained_earnings=150_000,
        ebit=80_000,
        sales=1_500_000,
        equity=400_000,
        market_equity=900_000,
        interest_expense=20_000,
    )
    r = ratios(s)
    assert r.current_ratio[0] == pytest.approx(1.6)
    assert r.x1[0] == pytest.approx(0.15)
    assert r.x2[0] == pytest.approx(0.15)
    assert r.x3[0] == pytest.approx(0.08)
    assert r.x4_market[0] == pytest.approx(1.5)
    assert r.x4_book[0] == pytest.approx(400_000 / 600_000)
    assert r.x5[0] == pytest.approx(1.5)
    assert r.debt_ratio[0] == pytest.approx(0.6)
    assert r.ebit_margin[0] == pytest.approx(80_000 / 1_500_000)
    assert r.interest_cover[0] == pytest.approx(4.0)
    assert r.log_assets[0] == pytest.approx(6.0)


def test_unknown_lines_and_non_positive_denominators_give_nan() -> None:
    r = ratios(Statements.of(total_assets=[0.0, 100.0], current_assets=[10.0, 50.0]))
    assert math.isnan(r.x1[0])
    assert math.isnan(r.log_assets[0])
    assert math.isnan(r.x1[1])  # current liabilities unknown
    assert math.isnan(r.interest_cover[1])
    assert math.isnan(r.x4_market[1])
    assert np.isnan(safe_ratio([1.0, 1.0], [0.0, -2.0])).all()


def test_unknown_line_names_are_refused() -> None:
    with pytest.raises(TypeError):
        Statements.of(total_asets=1.0)
