"""The early-warning benchmark's measures, on tiny ledgers and alert lists checked by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from bench.bench_early_warning import (
    Window,
    alert_outcomes,
    by_behaviour,
    default_days,
    quality,
)

D = dt.date


def _frame(rows: list[tuple[object, ...]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


INVOICE = {
    "invoice_id": pl.String(),
    "buyer_id": pl.String(),
    "due_date": pl.Date(),
    "amount": pl.Int64(),
}
SETTLED = {"invoice_id": pl.String(), "date": pl.Date(), "amount": pl.Int64()}
EVENT = {"buyer_id": pl.String(), "date": pl.Date()}
ALERT = {"buyer_id": pl.String(), "rule": pl.String(), "raised_on": pl.Date()}
DEFAULT = {"buyer_id": pl.String(), "default_on": pl.Date(), "cause": pl.String()}


def test_a_buyer_defaults_on_its_first_invoice_90_days_overdue_or_its_insolvency() -> None:
    invoices = _frame(
        [
            ("A1", "A", D(2025, 1, 1), 100),  # paid in full after 59 days
            ("A2", "A", D(2025, 1, 10), 100),  # the rest paid on day 90 itself: not a default
            ("B1", "B", D(2025, 1, 10), 100),  # 40 open at the end of day 90 (2025-04-10)
            ("B2", "B", D(2025, 2, 1), 100),  # never paid: day 90 is 2025-05-02, later
            ("C1", "C", D(2025, 1, 1), 100),  # unpaid, under dispute on its day 90: counts
            ("C2", "C", D(2025, 2, 1), 100),  # unpaid: day 90 is 2025-05-02, later
            ("D1", "D", D(2025, 1, 1), 100),  # unpaid (day 90 2025-04-01), insolvent before
            ("E1", "E", D(2025, 6, 1), 100),  # its day 90 is after the ledger's end
        ],
        INVOICE,
    )
    settlements = _frame(
        [
            ("A1", D(2025, 3, 1), 100),
            ("A2", D(2025, 2, 1), 60),
            ("A2", D(2025, 4, 10), 40),
            ("B1", D(2025, 2, 1), 60),
            ("B1", D(2025, 4, 11), 40),
        ],
        SETTLED,
    )
    insolvencies = _frame([("D", D(2025, 3, 15)), ("F", D(2025, 7, 1))], EVENT)
    defaults = default_days(invoices, settlements, insolvencies, D(2025, 6, 30))
    assert defaults.sort("buyer_id").rows() == [
        ("B", D(2025, 4, 10), "overdue"),
        ("C", D(2025, 4, 1), "overdue"),
        ("D", D(2025, 3, 15), "insolvency"),
    ]


def test_the_window_is_whole_months_ending_on_the_last_day() -> None:
    assert Window.of(D(2025, 6, 30), 12, 30) == Window(D(2024, 7, 1), D(2025, 6, 30), D(2024, 6, 1))
    assert Window.of(D(2025, 2, 28), 1) == Window(D(2025, 2, 1), D(2025, 2, 28), D(2025, 2, 1))
    assert Window.of(D(2025, 5, 15), 1).first == D(2025, 4, 16)
    assert Window.of(D(2025, 6, 30), 12).days == 365


WINDOW = Window.of(D(2025, 6, 30), 12, 10)  # 2024-07-01 to 2025-06-30, warm-up from 06-21
DEFAULTS = _frame(
    [
        ("B", D(2025, 4, 10), "overdue"),
        ("D", D(2025, 3, 15), "insolvency"),
        ("G", D(2024, 5, 1), "overdue"),  # before the window
    ],
    DEFAULT,
)
BUYERS = pl.Series("buyer_id", ["A", "B", "C", "D", "E", "G", "H"])  # A C E H sound
ALERTS = _frame(
    [
        ("B", "overdue", D(2025, 2, 1)),  # warning, 68 days ahead
        ("B", "delay_trend", D(2025, 4, 1)),  # warning, 9 days ahead
        ("B", "overdue", D(2025, 4, 20)),  # after the default
        ("D", "event", D(2024, 6, 25)),  # warning of the warm-up, 263 days ahead
        ("D", "overdue", D(2025, 3, 1)),  # warning, 14 days ahead
        ("G", "overdue", D(2025, 2, 10)),  # its buyer had defaulted before the window
        ("A", "overdue", D(2024, 8, 15)),  # false, 2024-Q3
        ("A", "overdue", D(2025, 2, 15)),  # false, unconfirmed (last 180 days), 2025-Q1
        ("C", "delay_trend", D(2024, 6, 25)),  # false but in the warm-up: not counted
        ("E", "event", D(2024, 11, 30)),  # false, 2024-Q4
        ("H", "overdue", D(2025, 7, 5)),  # after the window: ignored
    ],
    ALERT,
)


def test_each_alert_is_a_warning_a_false_alert_or_after_the_default() -> None:
    outcomes = alert_outcomes(ALERTS, DEFAULTS, WINDOW)
    assert outcomes.select(
        "buyer_id", "raised_on", "outcome", "lead_days", "in_window", "unconfirmed"
    ).rows() == [
        ("B", D(2025, 2, 1), "warning", 68, True, False),
        ("B", D(2025, 4, 1), "warning", 9, True, False),
        ("B", D(2025, 4, 20), "after default", None, True, False),
        ("D", D(2024, 6, 25), "warning", 263, False, False),
        ("D", D(2025, 3, 1), "warning", 14, True, False),
        ("G", D(2025, 2, 10), "after default", None, True, False),
        ("A", D(2024, 8, 15), "false", None, True, False),
        ("A", D(2025, 2, 15), "false", None, True, True),
        ("C", D(2024, 6, 25), "false", None, False, False),
        ("E", D(2024, 11, 30), "false", None, True, False),
    ]


def test_quality_counts_warnings_lead_times_and_false_alerts_per_quarter() -> None:
    result = quality(ALERTS, DEFAULTS, BUYERS, WINDOW)
    assert result["defaulters"] == 2
    assert result["defaulted_before_window"] == 1
    assert result["defaults_by_cause"] == {"insolvency": 1, "overdue": 1}
    assert result["warned_30"] == 2  # B 68 days ahead, D 263 (its alert of the warm-up)
    assert result["warned_30_share"] == 1.0
    assert result["median_lead_days"] == 165.5
    assert (result["alerts"], result["warnings"], result["after_default"]) == (8, 3, 2)
    assert (result["sound_buyers"], result["false_alerts"], result["unconfirmed"]) == (4, 3, 1)
    # 3 false alerts / 4 buyers × 100, over a 365-day window: × 91.3125 / 365 per quarter
    assert result["per_100_buyers_per_quarter"] == pytest.approx(18.763)
    assert [
        (q["quarter"], q["days"], q["false_alerts"], q["per_100_buyers"])
        for q in result["quarters"]
    ] == [
        ("2024-Q3", 92, 1, 25.0),
        ("2024-Q4", 92, 1, 25.0),
        ("2025-Q1", 90, 1, 25.0),
        ("2025-Q2", 91, 0, 0.0),
    ]
    overdue, event, trend = (result["rules"][r] for r in ("overdue", "event", "delay_trend"))
    assert (overdue["alerts"], overdue["warnings"], overdue["false_alerts"]) == (6, 2, 2)
    assert (overdue["warned_30"], overdue["median_lead_days"]) == (1, 68.0)  # D only 14
    assert (event["alerts"], event["warned_30"], event["median_lead_days"]) == (1, 1, 263.0)
    assert (trend["alerts"], trend["warned_30"], trend["median_lead_days"]) == (1, 0, None)
    assert trend["false_alerts"] == 0  # C's was in the warm-up


def test_a_part_quarter_is_scaled_to_a_whole_one() -> None:
    window = Window.of(D(2025, 5, 15), 1)  # 2025-04-16 to 2025-05-15: 30 of Q2's 91 days
    alerts = _frame([("A", "overdue", D(2025, 5, 1))], ALERT)
    buyers = pl.Series("buyer_id", [f"B{i}" for i in range(9)] + ["A"])
    result = quality(alerts, DEFAULTS.clear(), buyers, window)
    assert result["quarters"] == [
        {"quarter": "2025-Q2", "days": 30, "false_alerts": 1, "per_100_buyers": 30.333}
    ]
    assert result["per_100_buyers_per_quarter"] == pytest.approx(30.438)  # × 91.3125 / 30
    assert result["defaulters"] == 0
    assert result["warned_30_share"] is None


def test_the_alerts_against_the_hidden_process() -> None:
    hidden = pl.DataFrame(
        {
            "buyer_id": ["A", "B", "C", "D", "E", "G", "H"],
            "behaviour": ["good", "default", "good", "insolvent", "drift", "default", "good"],
            "event_on": [None, D(2025, 4, 1), None, D(2025, 3, 15), None, D(2024, 5, 1), None],
        }
    )
    assert by_behaviour(ALERTS, DEFAULTS, hidden, WINDOW) == {
        # B fails on 04-01 (the ledger says 04-10): warned by its alert of 02-01, 59 days
        "default": {
            "buyers": 2,
            "ledger_defaulters": 1,
            "false_alerts": 0,
            "failures_in_window": 1,
            "failures_warned_30": 1,
            "median_lead_days": 59.0,
        },
        "drift": {
            "buyers": 1,
            "ledger_defaulters": 0,
            "false_alerts": 1,
            "failures_in_window": 0,
            "failures_warned_30": 0,
            "median_lead_days": None,
        },
        "good": {  # A's two alerts; C's of the warm-up and H's after the window not counted
            "buyers": 3,
            "ledger_defaulters": 0,
            "false_alerts": 2,
            "failures_in_window": 0,
            "failures_warned_30": 0,
            "median_lead_days": None,
        },
        "insolvent": {
            "buyers": 1,
            "ledger_defaulters": 1,
            "false_alerts": 0,
            "failures_in_window": 1,
            "failures_warned_30": 1,
            "median_lead_days": 263.0,
        },
    }
