"""What the API answers about scores, reasons and grades."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class AltmanRead(BaseModel):
    variant: str
    value: float
    zone: str


class ReasonRead(BaseModel):
    code: str
    factor: str
    value: float | None
    subscore: float | None
    impact: float
    direction: str
    message: str | None = None  # the default triggers say what happened in words


class ScoreRead(BaseModel):
    buyer_id: str
    as_of: dt.date
    model: str
    score: float
    confidence: float
    pd: float
    grade: int
    credit_class: str
    limit_recommended: str  # a decimal string in ``currency``
    currency: str
    altman: AltmanRead | None
    country_grade: int | None
    reasons: list[ReasonRead]


class ScorePointRead(BaseModel):
    as_of: dt.date
    pd: float
    grade: int
    credit_class: str


class GradeCountRead(BaseModel):
    grade: int
    credit_class: str
    buyers: int


class GradeDistributionRead(BaseModel):
    as_of: dt.date | None
    grades: list[GradeCountRead]
