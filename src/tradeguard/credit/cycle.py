"""Credit's step of the daily cycle: score every buyer and keep the history."""

from __future__ import annotations

from collections import Counter

from tradeguard.credit.service import score_buyers
from tradeguard.domain.credit.grading import CLASSES
from tradeguard.kit.cycle_day import CycleDay, StepResult


def scoring_step(day: CycleDay) -> StepResult:
    """Score every buyer on the day; the summary the cycle keeps (JSON, ``cycle_runs``):
    buyers, the model, and buyers per grade and per class."""
    scores = score_buyers(day.session, day.org, day.as_of, snapshot=day.snapshot())
    grades = Counter(s.grade for s in scores)
    classes = Counter(s.credit_class for s in scores)
    return {
        "buyers": len(scores),
        "model": scores[0].model if scores else None,
        "grades": {str(g): grades[g] for g in range(1, 11)},
        "classes": {c: classes[c] for c in CLASSES},
    }
