"""The overdue-notification timers on a hand-built set of open invoices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from tests.domain.insurance.cover_policy import POLICY, day
from tradeguard.domain.insurance.notifications import (
    BUYER_DEADLINES_SCHEMA,
    NOTIFICATIONS_SCHEMA,
    OPEN_ITEMS_SCHEMA,
    TIMERS_SCHEMA,
    buyer_deadlines,
    notification_timers,
)

AS_OF = day(4, 10)


def _timers(
    items: list[tuple[str, str, dt.date, int]],
    notifications: Sequence[tuple[str, dt.date]] = (),
    horizon_days: int = 14,
) -> pl.DataFrame:
    timers = notification_timers(
        pl.DataFrame(items, schema=OPEN_ITEMS_SCHEMA, orient="row"),
        pl.DataFrame(list(notifications), schema=NOTIFICATIONS_SCHEMA, orient="row"),
        POLICY,
        AS_OF,
        horizon_days,
    )
    assert timers.schema == pl.Schema(TIMERS_SCHEMA)
    return timers


def _row(invoice_id: str, buyer: str, due: dt.date, open_: int, *rest: Any) -> dict[str, Any]:
    days_overdue, deadline, days_left, status = rest
    return {
        "invoice_id": invoice_id,
        "buyer_id": buyer,
        "due_date": due,
        "open": open_,
        "days_overdue": days_overdue,
        "deadline": deadline,
        "days_left": days_left,
        "status": status,
    }


ITEMS = [
    ("I3", "B1", day(3, 20), 300),
    ("I2", "B1", day(2, 15), 200),
    ("I1", "B1", day(2, 1), 100),
    ("I4", "B1", AS_OF, 400),  # due today: not overdue yet
    ("I5", "B2", day(1, 15), 500),  # B2 was notified: reported
    ("I6", "B3", day(2, 15), 600),  # B3's notification comes after as_of
]
NOTIFICATIONS = [("B2", day(4, 1)), ("B3", day(4, 11))]


def test_each_overdue_unreported_invoice_gets_its_deadline_and_status() -> None:
    timers = _timers(ITEMS, NOTIFICATIONS)
    # deadline = due + 60 days; days_left = deadline − 10 April
    # I1: due 1 Feb, 69 days overdue (28 + 31 + 10), deadline 1 April (28 + 31 + 1): −9
    # I2: due 15 Feb, 55 overdue (14 + 31 + 10), deadline 15 April (14 + 31 + 15): 5
    # I3: due 20 March, 21 overdue (11 + 10), deadline 19 May (11 + 30 + 19): 39 > 14
    assert timers.to_dicts() == [
        _row("I1", "B1", day(2, 1), 100, 69, day(4, 1), -9, "missed"),
        _row("I2", "B1", day(2, 15), 200, 55, day(4, 15), 5, "due"),
        _row("I6", "B3", day(2, 15), 600, 55, day(4, 15), 5, "due"),
        _row("I3", "B1", day(3, 20), 300, 21, day(5, 19), 39, "upcoming"),
    ]


def test_the_horizon_bounds_due_and_the_deadline_day_is_still_due() -> None:
    # due 9 Feb → deadline 9 April (−1); 10 Feb → 10 April (0); 24 Feb → 24 April (14);
    # 25 Feb → 25 April (15)
    items = [(f"D{d}", "B1", day(2, d), 1) for d in (9, 10, 24, 25)]
    timers = _timers(items)
    assert {r[0]: r[1:] for r in timers.select("invoice_id", "days_left", "status").rows()} == {
        "D9": (-1, "missed"),
        "D10": (0, "due"),
        "D24": (14, "due"),
        "D25": (15, "upcoming"),
    }
    assert _timers(items, horizon_days=15)["status"].to_list()[-1] == "due"


def test_a_paid_invoice_needs_no_timer() -> None:
    assert _timers([("I1", "B1", day(2, 1), 0)]).is_empty()


def test_buyer_deadlines_give_the_first_deadline_and_the_worst_status() -> None:
    deadlines = buyer_deadlines(_timers(ITEMS, NOTIFICATIONS))
    assert deadlines.schema == pl.Schema(BUYER_DEADLINES_SCHEMA)
    # B1: I1 100 + I2 200 + I3 300; first deadline I1's, missed
    assert deadlines.to_dicts() == [
        {"buyer_id": "B1", "invoices": 3, "open": 600, "first_deadline": day(4, 1),
         "days_left": -9, "status": "missed"},
        {"buyer_id": "B3", "invoices": 1, "open": 600, "first_deadline": day(4, 15),
         "days_left": 5, "status": "due"},
    ]  # fmt: skip


def test_a_buyer_with_due_and_upcoming_invoices_is_due() -> None:
    timers = _timers([("I2", "B1", day(2, 15), 200), ("I3", "B1", day(3, 20), 300)])
    assert buyer_deadlines(timers)["status"].to_list() == ["due"]
