"""KPI formulas against the published worked examples (REFERENCES.md) and against a
hand-computed ledger."""

from __future__ import annotations

import pytest

from tests.receivables.ledgers import D, snapshot
from tradeguard.domain.dates import months_back
from tradeguard.domain.receivables.ageing import positions
from tradeguard.domain.receivables.kpis import (
    KpiSettings,
    best_possible_dso,
    cei,
    countback_dso,
    countback_windows,
    kpi_trend,
    kpis,
    standard_dso,
    trend_dates,
)


def test_published_standard_dso() -> None:
    assert standard_dso(150_000, 1_800_000, 365) == pytest.approx(30.42, abs=0.005)


def test_published_countback_with_30_day_months() -> None:
    months = [(100_000, 30), (80_000, 30), (70_000, 30)]
    assert countback_dso(212_000, months) == pytest.approx(73.71, abs=0.005)


def test_published_countback_with_calendar_months() -> None:
    months = [(900_000, 31), (800_000, 28), (700_000, 31)]  # March, February, January
    assert countback_dso(2_100_000, months) == pytest.approx(76.71, abs=0.005)


def test_countback_cannot_cover_the_receivables() -> None:
    assert countback_dso(500, [(100, 30), (100, 30)]) is None
    assert countback_dso(0, [(100, 30)]) == 0


def test_published_cei() -> None:
    assert cei(100_000, 1_000_000, 120_000, 100_000, period_days=365) == pytest.approx(98.0)
    quarter = {"period_days": 90}
    assert cei(6_200, 10_890, 6_340, 3_590, **quarter) == pytest.approx(79.63, abs=0.005)
    assert cei(
        6_200, 10_890, 6_340, 3_590, **quarter, convention="monthly_average"
    ) == pytest.approx(55.93, abs=0.005)


def test_published_add() -> None:
    dso = standard_dso(15_000, 10_000, 30)
    best = best_possible_dso(4_000, 10_000, 30)
    assert (dso, best) == (45, 12)
    assert dso is not None
    assert best is not None
    assert dso - best == 33


def test_month_arithmetic() -> None:
    assert months_back(D(2024, 3, 31), 1) == D(2024, 2, 29)  # month ends stay month ends
    assert months_back(D(2024, 2, 29), 1) == D(2024, 1, 31)
    assert months_back(D(2024, 3, 15), 14) == D(2023, 1, 15)
    assert months_back(D(2024, 5, 30), 3) == D(2024, 2, 29)
    assert countback_windows(D(2024, 3, 31), D(2024, 1, 10), "calendar") == [
        D(2024, 3, 31),
        D(2024, 2, 29),
        D(2024, 1, 31),
        D(2023, 12, 31),
    ]
    assert countback_windows(D(2024, 3, 31), D(2024, 3, 1), "30-day") == [
        D(2024, 3, 31),
        D(2024, 3, 1),
        D(2024, 1, 31),
    ]
    assert trend_dates(D(2025, 6, 30)) == [
        D(2023, 9, 30),
        D(2023, 12, 31),
        D(2024, 3, 31),
        D(2024, 6, 30),
        D(2024, 9, 30),
        D(2024, 12, 31),
        D(2025, 3, 31),
        D(2025, 6, 30),
    ]


# The ADD example as a ledger, over 30 days to 31 March 2024, plus a write-off, a
# payment after the date and a second currency:
# - A (buyer X) 10,000 issued 15 March, 6,000 paid 20 March, the rest on 5 April
#   (after the date): 4,000 open and current;
# - B (buyer Y) 11,000 issued 10 January, due 9 February: open, overdue;
# - C (buyer Y) 2,000 issued 1 December, written off 10 March.
# - U (buyer Z) 1,000 USD issued 1 December 2023, paid 15 January 2024.
AS_OF = D(2024, 3, 31)
LEDGER = snapshot(
    invoices=[
        ("A", "X", D(2024, 3, 15), D(2024, 4, 14), 10_000_00, "EUR"),
        ("B", "Y", D(2024, 1, 10), D(2024, 2, 9), 11_000_00, "EUR"),
        ("C", "Y", D(2023, 12, 1), D(2023, 12, 31), 2_000_00, "EUR"),
        ("U", "Z", D(2023, 12, 1), D(2023, 12, 31), 1_000_00, "USD"),
    ],
    allocations=[
        ("A", "payment", D(2024, 3, 20), 6_000_00),
        ("A", "payment", D(2024, 4, 5), 4_000_00),
        ("C", "write_off", D(2024, 3, 10), 2_000_00),
        ("U", "payment", D(2024, 1, 15), 1_000_00),
    ],
    fx=[("USD", D(2023, 11, 1), 0.9), ("USD", D(2024, 4, 1), 0.5)],
)


def test_kpis_of_a_hand_computed_ledger() -> None:
    figures = kpis(positions(LEDGER, AS_OF, 30), KpiSettings(period_days=30))
    assert figures.receivables == 15_000_00
    assert figures.current_receivables == 4_000_00
    assert figures.credit_sales == 10_000_00
    # Opening (1 March): B 11,000 and C 2,000 open; A not issued; U paid in January.
    assert figures.opening_receivables == 13_000_00
    assert figures.write_offs == 2_000_00
    assert figures.dso == pytest.approx(45)
    assert figures.best_possible_dso == pytest.approx(12)
    assert figures.add == pytest.approx(33)
    assert figures.cei == pytest.approx(8_000 / 19_000 * 100)
    assert figures.bad_debt_ratio == pytest.approx(0.2)
    assert figures.overdue_share == pytest.approx(11 / 15)
    assert figures.largest_buyer_share == pytest.approx(11 / 15)
    assert figures.top10_share == pytest.approx(1.0)
    assert figures.hhi == pytest.approx((4 / 15) ** 2 + (11 / 15) ** 2)
    # Calendar months: March's 10,000 (31 days), February nothing (29 days), then
    # 5,000 of January's 11,000 (the USD invoice is 900 EUR of December, not reached).
    assert figures.dso_countback == pytest.approx(31 + 29 + 5 / 11 * 31)


def test_countback_with_30_day_months_and_cei_with_monthly_sales() -> None:
    settings = KpiSettings(period_days=60, countback_months="30-day", cei_sales="monthly_average")
    figures = kpis(positions(LEDGER, AS_OF, 60), settings)
    # 30-day months: (1 Mar, 31 Mar] holds A, (31 Jan, 1 Mar] nothing, (1 Jan, 31 Jan] B.
    assert figures.dso_countback == pytest.approx(30 + 30 + 5 / 11 * 30)
    # Over 60 days from 31 January: opening 13,000 (B, C); sales 10,000, i.e. 5,000 a month.
    assert figures.opening_receivables == 13_000_00
    assert figures.cei == pytest.approx((13_000 + 5_000 - 15_000) / (13_000 + 5_000 - 4_000) * 100)


def test_no_sales_means_no_ratio() -> None:
    figures = kpis(positions(LEDGER, D(2024, 3, 5), 30), KpiSettings(period_days=30))
    assert figures.credit_sales == 0
    assert figures.dso is None
    assert figures.add is None
    assert figures.bad_debt_ratio is None
    assert figures.receivables == 13_000_00


def test_trend_is_eight_quarters_ending_on_the_date() -> None:
    points = kpi_trend(LEDGER, AS_OF, KpiSettings(period_days=30))
    assert [p.as_of for p in points][-2:] == [D(2023, 12, 31), D(2024, 3, 31)]
    assert len(points) == 8
    assert points[-1] == kpis(positions(LEDGER, AS_OF, 30), KpiSettings(period_days=30))
    # 31 December: C 2,000 and U 1,000 USD at 0.9 = 900 open, both issued on 1 December,
    # the opening day: in the opening receivables, not in the sales of (1 Dec, 31 Dec].
    december = points[-2]
    assert (december.receivables, december.opening_receivables) == (2_900_00, 2_900_00)
    assert december.credit_sales == 0
    assert points[0].receivables == 0
    assert points[0].dso is None


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="countback"):
        KpiSettings(countback_months="weeks")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period"):
        positions(LEDGER, AS_OF, 0)
