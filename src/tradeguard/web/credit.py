"""``/api/v1``: buyer scores and their history, grades, country risk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from tradeguard.serialisation import to_jsonable
from tradeguard.services import country as countries
from tradeguard.services import credit
from tradeguard.web.deps import Reader, SessionDep
from tradeguard.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


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


def _score(row: dict[str, Any]) -> ScoreRead:
    return ScoreRead.model_validate({**row, "limit_recommended": str(row["limit_recommended"])})


@router.get("/buyers/{buyer_id}/score", tags=["credit"])
def buyer_score(
    buyer_id: str, caller: Reader, session: SessionDep, as_of: dt.date | None = None
) -> ScoreRead:
    """The buyer's score on a date (the latest recorded without one; computed when none
    is recorded for that date): PD, grade, class, recommended limit, Altman, reasons."""
    return _score(credit.buyer_score(session, caller.org, buyer_id, as_of))


@router.get("/buyers/{buyer_id}/score-history", tags=["credit"])
def score_history(buyer_id: str, caller: Reader, session: SessionDep) -> list[ScorePointRead]:
    """One point per scoring date, oldest first."""
    return [
        ScorePointRead.model_validate(p)
        for p in credit.score_history(session, caller.org, buyer_id)
    ]


@router.get("/credit/grades", tags=["credit"])
def grade_distribution(
    caller: Reader, session: SessionDep, as_of: dt.date | None = None
) -> GradeDistributionRead:
    """Buyers per grade on the latest scoring date (or ``as_of``)."""
    return GradeDistributionRead.model_validate(
        credit.grade_distribution(session, caller.org, as_of)
    )


@router.get("/countries/{code}", tags=["credit"])
def country(code: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """A country's grade, political risk and indicators, with their sources."""
    result: dict[str, Any] = to_jsonable(
        countries.country_risk(session, caller.org, code).as_dict()
    )
    return result
