"""The validation report: its metrics, and its kept form read back, old versions too."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tradeguard.domain.credit.fitted import Scorecard
from tradeguard.domain.credit.metrics import auc
from tradeguard.domain.credit.scorecard import FACTORS
from tradeguard.domain.credit.validation import (
    Evaluation,
    FactorUse,
    FitReport,
    Metrics,
    NotEnoughHistoryError,
    Sample,
    evaluate,
)

D = dt.date


def test_metrics_round_as_reported_and_gini_is_two_auc_minus_one() -> None:
    defaulted = np.array([True, False, True, False, False])
    pd = np.array([0.9, 0.1, 0.4, 0.5, 0.2])
    m = Metrics.of(defaulted, pd)
    assert m.auc == round(auc(defaulted, pd), 4) == 0.8333
    assert m.gini == round(2 * auc(defaulted, pd) - 1, 4) == 0.6667
    assert m.brier == round(float(np.mean((pd - defaulted) ** 2)), 5)


def _model() -> Scorecard:
    return Scorecard([f.code for f in FACTORS], [None] * len(FACTORS), -2.0, [])


def test_evaluate_needs_both_outcomes_in_the_test_sample() -> None:
    values = np.full((4, len(FACTORS)), np.nan)
    sound = Sample(D(2024, 6, 30), values, np.full(4, 0.1), np.zeros(4, dtype=bool))
    with pytest.raises(NotEnoughHistoryError):
        evaluate(_model(), sound)
    mixed = Sample(
        D(2024, 6, 30), values, np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1], bool)
    )
    result = evaluate(_model(), mixed)
    assert (result.test_date, result.test_buyers, result.test_defaults) == (D(2024, 6, 30), 4, 2)
    assert result.expert.auc == 1.0
    assert sum(group.buyers for group in result.calibration) == 4


def test_the_kept_report_reads_back_and_keeps_its_json_shape() -> None:
    evaluation = evaluate(
        _model(),
        Sample(
            D(2024, 6, 30),
            np.full((4, len(FACTORS)), np.nan),
            np.array([0.1, 0.2, 0.3, 0.4]),
            np.array([0, 1, 0, 1], bool),
        ),
    )
    report = FitReport(
        as_of=D(2025, 6, 30),
        train_dates=(D(2023, 12, 31), D(2024, 3, 31)),
        train_rows=300,
        train_defaults=40,
        evaluation=evaluation,
        factors=FactorUse.of(_model()),
    )
    kept = report.as_dict()
    assert list(kept) == [
        "as_of",
        "train_dates",
        "train_rows",
        "train_defaults",
        "test_date",
        "test_buyers",
        "test_defaults",
        "fitted",
        "expert",
        "calibration",
        "factors",
    ]
    assert (kept["as_of"], kept["train_dates"], kept["test_date"]) == (
        "2025-06-30",
        ["2023-12-31", "2024-03-31"],
        "2024-06-30",
    )
    assert kept["factors"][0] == {"code": FACTORS[0].code, "used": False, "bins": None}
    assert FitReport.from_dict(kept) == report


def test_a_report_kept_by_an_older_version_without_training_figures_reads() -> None:
    old = {
        "test_date": "2024-06-30",
        "test_buyers": 10,
        "test_defaults": 2,
        "fitted": {"auc": 0.7, "gini": 0.4, "ks": 0.3, "brier": 0.1},
        "expert": {"auc": 0.6, "gini": 0.2, "ks": 0.2, "brier": 0.2},
        "calibration": [],
    }
    report = FitReport.from_dict(old)
    assert (report.as_of, report.train_dates, report.train_rows, report.factors) == (
        None,
        (),
        None,
        (),
    )
    assert report.evaluation == Evaluation.from_dict(old)
    assert report.evaluation.fitted == Metrics(0.7, 0.4, 0.3, 0.1)
