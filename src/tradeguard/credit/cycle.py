"""Credit's step of the daily cycle: score every buyer and keep the history."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from tradeguard.credit.service import score_buyers
from tradeguard.domain.credit.grading import CLASSES
from tradeguard.domain.identity.access import Org


def scoring_step(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """Score every buyer on ``as_of``; the summary the cycle keeps (JSON, ``cycle_runs``):
    buyers, the model, and buyers per grade and per class."""
    scores = score_buyers(session, org, as_of)
    grades = Counter(s.grade for s in scores)
    classes = Counter(s.credit_class for s in scores)
    return {
        "buyers": len(scores),
        "model": scores[0].model if scores else None,
        "grades": {str(g): grades[g] for g in range(1, 11)},
        "classes": {c: classes[c] for c in CLASSES},
    }
