"""Month arithmetic against hand-checked calendar dates."""

from __future__ import annotations

import datetime as dt

import pytest

from tradeguard.domain.dates import month_end, months_back

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2023, 12, 31)),  # across the year
        (D(2024, 3, 31), 1, D(2024, 2, 29)),  # leap February: its last day
        (D(2023, 3, 31), 1, D(2023, 2, 28)),  # common February
        (D(2024, 3, 30), 1, D(2024, 2, 29)),  # a day February lacks: its last day
        (D(2024, 2, 29), 1, D(2024, 1, 31)),  # a month end stays a month end
        (D(2023, 2, 28), 12, D(2022, 2, 28)),
        (D(2024, 2, 29), 12, D(2023, 2, 28)),
        (D(2024, 6, 30), 3, D(2024, 3, 31)),  # quarter end to quarter end
        (D(2024, 6, 30), 9, D(2023, 9, 30)),
        (D(2024, 5, 30), 3, D(2024, 2, 29)),
        (D(2024, 3, 15), 14, D(2023, 1, 15)),  # mid-month keeps its day
        (D(2024, 1, 30), 1, D(2023, 12, 30)),  # not a month end: the day is kept
        (D(2024, 7, 4), 0, D(2024, 7, 4)),
    ],
)
def test_months_back(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_back(day, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 1), D(2024, 2, 29)),  # leap February
        (D(2023, 2, 15), D(2023, 2, 28)),
        (D(2024, 12, 31), D(2024, 12, 31)),
        (D(2024, 4, 1), D(2024, 4, 30)),
    ],
)
def test_month_end(day: dt.date, expected: dt.date) -> None:
    assert month_end(day) == expected
