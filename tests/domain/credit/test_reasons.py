"""Reasons as kept with a score: the scorecard's without a message, the triggers' with one."""

from __future__ import annotations

import math

from tradeguard.domain.credit.assess import Reason
from tradeguard.domain.credit.default import default_reasons


def test_a_scorecard_reason_is_kept_without_a_message_and_reads_back() -> None:
    reason = Reason("PAY_TREND", "trend", -1.56, 92.8, 2.57)
    kept = reason.as_dict()
    assert kept == {
        "code": "PAY_TREND",
        "factor": "trend",
        "value": -1.56,
        "subscore": 92.8,
        "impact": 2.57,
        "direction": "raises",
    }
    assert Reason.from_dict(kept) == reason


def test_default_triggers_lower_the_score_and_say_why() -> None:
    overdue, written_off = default_reasons(120.0, True, 90)
    assert overdue.as_dict() == {
        "code": "DEFAULT_DAYS_OVERDUE",
        "factor": "In default: 90+ days overdue",
        "value": 120.0,
        "subscore": None,
        "impact": 0.0,
        "direction": "lowers",
        "message": "invoice 120 days past due (default at 90)",
    }
    assert Reason.from_dict(written_off.as_dict()) == written_off
    assert default_reasons(math.nan, False, 90) == []
    assert default_reasons(89.0, False, 90) == []
