"""A buyer's score as the product answers and keeps it, its history and the grade
distribution: plain values that the service returns, the repository stores and reads
back, and the API, pages and command line render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tradeguard.domain.credit.assess import AltmanResult, Reason


@dataclass(frozen=True, slots=True)
class BuyerScore:
    buyer_id: str
    as_of: dt.date
    model: str  # "expert", or "fitted:<model id>"
    score: float
    confidence: float
    pd: float
    grade: int
    credit_class: str
    limit_recommended: Decimal  # in ``currency``
    currency: str
    altman: AltmanResult | None
    country_grade: int | None
    reasons: tuple[Reason, ...]  # the default triggers first
    terms: str | None = None  # the class's payment terms; not kept with a stored score


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One date of a buyer's score history."""

    as_of: dt.date
    pd: float
    grade: int
    credit_class: str


@dataclass(frozen=True, slots=True)
class GradeCount:
    grade: int
    credit_class: str
    buyers: int


@dataclass(frozen=True, slots=True)
class GradeDistribution:
    as_of: dt.date | None  # None: no buyer scored yet
    grades: tuple[GradeCount, ...]  # grades 1 to 10
