"""Each rule holds exactly when its threshold is passed, with the figures that show it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import polars as pl
import pytest

from tradeguard.domain.monitoring.rules import MonitoringInputs, Rule, evaluate, evidence_of
from tradeguard.domain.monitoring.settings import (
    InvalidMonitoringSettingsError,
    MonitoringSettings,
)

DAY = dt.date(2025, 6, 30)
# Round thresholds, so that each test's edge is plain to see.
SETTINGS = MonitoringSettings(
    overdue_days=30, overdue_min_share=0.0, delay_trend_days_per_month=2.0, delay_min_days=0.0
)


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def inputs(
    *,
    scores: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
    behaviour: list[dict[str, Any]] | None = None,
    exposure: list[dict[str, Any]] | None = None,
    limits: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    disputes: list[dict[str, Any]] | None = None,
) -> MonitoringInputs:
    return MonitoringInputs(
        as_of=DAY,
        scores=_frame(
            scores or [],
            {
                "buyer_id": pl.String,
                "grade": pl.Int64,
                "credit_class": pl.String,
                "country": pl.String,
                "country_grade": pl.Int64,
                "limit_recommended": pl.Int64,
            },
        ),
        history=_frame(
            history or [],
            {
                "buyer_id": pl.String,
                "best_grade": pl.Int64,
                "best_country_grade": pl.Int64,
                "worst_recent": pl.Int64,
                "grade_before": pl.Int64,
            },
        ),
        behaviour=_frame(
            behaviour or [],
            {
                "buyer_id": pl.String,
                "trend_days_per_month": pl.Float64,
                "avg_days_beyond_terms": pl.Float64,
            },
        ),
        exposure=_frame(
            exposure or [],
            {
                "buyer_id": pl.String,
                "receivables": pl.Int64,
                "open_orders": pl.Int64,
                "long_overdue": pl.Int64,
                "days_overdue": pl.Int64,
                "invoice_id": pl.String,
            },
        ),
        limits=_frame(limits or [], {"buyer_id": pl.String, "limit": pl.Int64}),
        events=_frame(
            events or [],
            {"event_id": pl.String, "buyer_id": pl.String, "date": pl.Date, "type": pl.String},
        ),
        disputes=_frame(
            disputes or [],
            {
                "dispute_id": pl.String,
                "buyer_id": pl.String,
                "invoice_id": pl.String,
                "opened_on": pl.Date,
                "amount": pl.Int64,
                "open": pl.Boolean,
            },
        ),
        rounding=10_000,  # 100.00
        dispute_threshold=1_000_000,  # 10,000.00
    )


def held(found: pl.DataFrame) -> set[tuple[str, str, str]]:
    return {(r["buyer_id"], r["rule"], r["condition"]) for r in found.iter_rows(named=True)}


def score(buyer: str, grade: int, klass: str = "A", **more: Any) -> dict[str, Any]:
    return {
        "buyer_id": buyer,
        "grade": grade,
        "credit_class": klass,
        "country": "DE",
        "country_grade": 2,
        "limit_recommended": 5_000_000,
        **more,
    }


def test_a_downgrade_of_two_notches_holds_one_notch_does_not() -> None:
    found = evaluate(
        inputs(
            scores=[score("B1", 6, "B"), score("B2", 5)],
            history=[{"buyer_id": "B1", "best_grade": 4}, {"buyer_id": "B2", "best_grade": 4}],
        ),
        SETTINGS,
    )
    assert held(found) == {("B1", "grade_downgrade", "")}
    row = found.row(0, named=True)
    assert (row["severity"], row["grade"], row["best_grade"]) == ("medium", 6, 4)
    assert evidence_of(row, "EUR") == {"grade": 6, "best_grade": 4}


def test_class_c_and_default_hold_with_their_severity_and_cut_the_limit() -> None:
    found = evaluate(inputs(scores=[score("B1", 10, "C"), score("B2", 8, "C")]), SETTINGS)
    assert held(found) == {
        ("B1", "default", ""),  # in default: not class C besides
        ("B1", "limit_cut", ""),
        ("B2", "class_c", ""),
    }
    severities = {(r["buyer_id"], r["rule"]): r["severity"] for r in found.iter_rows(named=True)}
    assert severities[("B1", "default")] == "high"
    assert severities[("B1", "limit_cut")] is None  # a limit rule raises no alert


def test_grade_nine_cuts_the_limit_grade_eight_does_not() -> None:
    found = evaluate(inputs(scores=[score("B1", 9, "C"), score("B2", 8, "B")]), SETTINGS)
    assert ("B1", "limit_cut", "") in held(found)
    assert not any(rule == "limit_cut" for _, rule, _ in held(found) if _ == "B2")


def test_growing_delays_above_the_threshold() -> None:
    found = evaluate(
        inputs(
            behaviour=[
                {"buyer_id": "B1", "trend_days_per_month": 2.01, "avg_days_beyond_terms": 12.0},
                {"buyer_id": "B2", "trend_days_per_month": 2.0, "avg_days_beyond_terms": 9.0},
                {"buyer_id": "B3", "trend_days_per_month": None, "avg_days_beyond_terms": None},
            ]
        ),
        SETTINGS,
    )
    assert held(found) == {("B1", "delays_growing", "")}


def test_growing_delays_of_a_buyer_already_late_with_a_minimum() -> None:
    behaviour = [
        {"buyer_id": "B1", "trend_days_per_month": 5.0, "avg_days_beyond_terms": 20.0},
        {"buyer_id": "B2", "trend_days_per_month": 5.0, "avg_days_beyond_terms": 19.9},
    ]
    settings = replace(SETTINGS, delay_min_days=20.0)
    assert held(evaluate(inputs(behaviour=behaviour), settings)) == {("B1", "delays_growing", "")}


def test_exposure_counts_open_orders_against_the_limit() -> None:
    exposure = [
        # 800.00 receivables + 300.00 on order > 1,000.00 limit
        {
            "buyer_id": "B1",
            "receivables": 80_000,
            "open_orders": 30_000,
            "long_overdue": 0,
            "days_overdue": -5,
            "invoice_id": "I1",
        },
        # exactly at the limit: not over
        {
            "buyer_id": "B2",
            "receivables": 70_000,
            "open_orders": 30_000,
            "long_overdue": 0,
            "days_overdue": -5,
            "invoice_id": "I2",
        },
        # no limit in force: nothing to be over
        {
            "buyer_id": "B3",
            "receivables": 10**9,
            "open_orders": 0,
            "long_overdue": 0,
            "days_overdue": -5,
            "invoice_id": "I3",
        },
    ]
    limits = [{"buyer_id": "B1", "limit": 100_000}, {"buyer_id": "B2", "limit": 100_000}]
    found = evaluate(
        inputs(exposure=exposure, limits=limits), replace(SETTINGS, concentration_share=1.0)
    )
    assert held(found) == {("B1", "over_limit", "")}
    assert evidence_of(found.row(0, named=True), "EUR") == {
        "exposure": "1100.00",
        "limit": "1000.00",
        "receivables": "800.00",
        "open_orders": "300.00",
        "currency": "EUR",
    }


def test_an_invoice_overdue_past_the_threshold() -> None:
    exposure = [
        {
            "buyer_id": "B1",
            "receivables": 100,
            "open_orders": 0,
            "long_overdue": 100,
            "days_overdue": 31,
            "invoice_id": "I9",
        },
        {
            "buyer_id": "B2",
            "receivables": 100,
            "open_orders": 0,
            "long_overdue": 100,
            "days_overdue": 30,
            "invoice_id": "I8",
        },
    ]
    found = evaluate(inputs(exposure=exposure), replace(SETTINGS, concentration_share=1.0))
    assert held(found) == {("B1", "overdue", "")}
    assert evidence_of(found.row(0, named=True), "EUR") == {
        "days_overdue": 31,
        "invoice_id": "I9",
        "long_overdue": "1.00",
        "currency": "EUR",
        "receivables": "1.00",
    }


def test_a_stray_remainder_long_overdue_is_not_a_warning_with_a_minimum_share() -> None:
    exposure = [
        # 20.00 of 100.00 more than 30 days overdue: 20%, at the minimum share
        {
            "buyer_id": "B1",
            "receivables": 10_000,
            "open_orders": 0,
            "long_overdue": 2_000,
            "days_overdue": 45,
            "invoice_id": "I1",
        },
        # 19.99 of 100.00: below it
        {
            "buyer_id": "B2",
            "receivables": 10_000,
            "open_orders": 0,
            "long_overdue": 1_999,
            "days_overdue": 45,
            "invoice_id": "I2",
        },
    ]
    settings = replace(SETTINGS, concentration_share=1.0, overdue_min_share=0.2)
    assert held(evaluate(inputs(exposure=exposure), settings)) == {("B1", "overdue", "")}


def test_the_largest_buyer_above_forty_percent_of_receivables() -> None:
    exposure = [
        {
            "buyer_id": "B1",
            "receivables": 4_001,
            "open_orders": 0,
            "long_overdue": 0,
            "days_overdue": 0,
            "invoice_id": "I1",
        },
        {
            "buyer_id": "B2",
            "receivables": 5_999,
            "open_orders": 0,
            "long_overdue": 0,
            "days_overdue": 0,
            "invoice_id": "I2",
        },
    ]
    found = evaluate(inputs(exposure=exposure), SETTINGS)
    assert held(found) == {("B2", "concentration", "")}
    assert found.row(0, named=True)["share"] == pytest.approx(0.5999)
    even = [dict(e, receivables=5_000) for e in exposure]
    assert (
        held(evaluate(inputs(exposure=even), replace(SETTINGS, concentration_share=0.5))) == set()
    )


def test_a_country_downgrade_against_the_best_grade_of_the_window() -> None:
    found = evaluate(
        inputs(
            scores=[score("B1", 3, country_grade=4), score("B2", 3, country_grade=2)],
            history=[
                {"buyer_id": "B1", "best_grade": 3, "best_country_grade": 3},
                {"buyer_id": "B2", "best_grade": 3, "best_country_grade": 2},
            ],
        ),
        SETTINGS,
    )
    assert held(found) == {("B1", "country_downgrade", "")}


def test_large_open_disputes_and_severe_recent_events_fire_per_event() -> None:
    disputes = [
        {
            "dispute_id": "D1",
            "buyer_id": "B1",
            "invoice_id": "I1",
            "opened_on": DAY,
            "amount": 1_000_000,
            "open": True,
        },
        {
            "dispute_id": "D2",
            "buyer_id": "B1",
            "invoice_id": "I2",
            "opened_on": DAY,
            "amount": 999_999,
            "open": True,
        },
    ]
    events = [
        {"event_id": "E1", "buyer_id": "B2", "date": DAY, "type": "payment_default"},
        {"event_id": "E2", "buyer_id": "B2", "date": DAY, "type": "management_change"},
        {
            "event_id": "E3",
            "buyer_id": "B3",
            "date": DAY - dt.timedelta(days=365),
            "type": "insolvency",
        },
        {
            "event_id": "E4",
            "buyer_id": "B4",
            "date": DAY + dt.timedelta(days=1),
            "type": "insolvency",
        },
        {
            "event_id": "E5",
            "buyer_id": "B5",
            "date": DAY - dt.timedelta(days=10),
            "type": "insolvency",
        },
    ]
    found = evaluate(inputs(disputes=disputes, events=events), SETTINGS)
    assert held(found) == {
        ("B1", "large_dispute", "D1"),
        ("B2", "severe_event", "E1"),
        ("B5", "severe_event", "E5"),
        ("B5", "limit_cut", ""),  # an insolvency cuts the limit even before any score
    }


def test_a_downgrade_proposes_a_cut_to_half_or_the_recommendation() -> None:
    found = evaluate(
        inputs(
            scores=[
                score("B1", 6, "B", limit_recommended=3_000_000),
                score("B2", 6, "B", limit_recommended=9_000_000),
            ],
            history=[{"buyer_id": "B1", "best_grade": 4}, {"buyer_id": "B2", "best_grade": 4}],
            limits=[
                {"buyer_id": "B1", "limit": 10_000_000},
                {"buyer_id": "B2", "limit": 10_000_050},
            ],
        ),
        SETTINGS,
    )
    proposals = {
        r["buyer_id"]: r["proposed"]
        for r in found.iter_rows(named=True)
        if r["rule"] == "propose_cut"
    }
    # B1: min(100,000.00 × 0.5, 30,000.00); B2: half of 100,000.50 rounded down to 100.00
    assert proposals == {"B1": 3_000_000, "B2": 5_000_000}


def test_a_sustained_upgrade_proposes_an_increase_up_to_the_recommendation() -> None:
    found = evaluate(
        inputs(
            scores=[
                score("B1", 3, limit_recommended=20_000_000),
                score("B2", 3, limit_recommended=11_000_000),
                score("B3", 3, limit_recommended=20_000_000),
            ],
            history=[
                {"buyer_id": "B1", "best_grade": 3, "worst_recent": 3, "grade_before": 5},
                {"buyer_id": "B2", "best_grade": 3, "worst_recent": 3, "grade_before": 5},
                # one worse day in the period: not sustained
                {"buyer_id": "B3", "best_grade": 3, "worst_recent": 4, "grade_before": 5},
            ],
            limits=[{"buyer_id": b, "limit": 10_000_000} for b in ("B1", "B2", "B3")],
        ),
        SETTINGS,
    )
    proposals = {
        r["buyer_id"]: r["proposed"]
        for r in found.iter_rows(named=True)
        if r["rule"] == Rule.PROPOSE_INCREASE
    }
    assert proposals == {"B1": 12_500_000, "B2": 11_000_000}


def test_nothing_holds_for_a_quiet_book() -> None:
    found = evaluate(
        inputs(scores=[score("B1", 3)], history=[{"buyer_id": "B1", "best_grade": 3}]), SETTINGS
    )
    assert found.height == 0
    assert found.columns == ["buyer_id", "rule", "condition", "severity"]


def test_the_defaults_are_those_measured_on_the_demo_company() -> None:
    """docs/monitoring-quality.md: from day 60 overdue (30 days before the 90-day default)
    on 7.5% of the receivables, delays growing 4 days a month at 20 days late."""
    defaults = MonitoringSettings()
    assert (defaults.overdue_days, defaults.overdue_min_share) == (59, 0.075)
    assert (defaults.delay_trend_days_per_month, defaults.delay_min_days) == (4.0, 20.0)
    assert (defaults.large_dispute_amount, defaults.downgrade_notches) == (25_000.0, 2)


def test_settings_are_validated_whole_and_unknown_names_refused() -> None:
    with pytest.raises(InvalidMonitoringSettingsError, match="overdue_days: a whole number >= 1"):
        MonitoringSettings(overdue_days=0)
    with pytest.raises(InvalidMonitoringSettingsError, match="concentration_share"):
        MonitoringSettings.from_dict({"concentration_share": 1.5})
    with pytest.raises(InvalidMonitoringSettingsError, match="unknown monitoring settings: nope"):
        MonitoringSettings.from_dict({"nope": 1})
    assert MonitoringSettings.from_dict({"overdue_days": 45}).overdue_days == 45
