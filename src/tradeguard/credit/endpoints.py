"""``/api/v1``: buyer scores and their history, the grade distribution and the credit
settings (the model mode).

Reading needs ``read_ledger`` (every role); changing the settings needs ``write_ledger``
(admin, credit_manager), audited by the service with the user (``user:<email>``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException

from tradeguard.credit import service as credit
from tradeguard.credit.schemas import (
    CreditSettingsRead,
    GradeDistributionRead,
    ScorePointRead,
    ScoreRead,
)
from tradeguard.domain.credit.settings import InvalidSettingsError
from tradeguard.identity.dependencies import Reader, Writer
from tradeguard.kit.bounds import AsOf
from tradeguard.kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.get("/buyers/{buyer_id}/score", tags=["credit"])
async def buyer_score(buyer_id: str, reader: Reader, as_of: AsOf = None) -> ScoreRead:
    """The buyer's score on a date (the latest recorded without one; computed when none
    is recorded for that date): PD, grade, class, recommended limit, Altman, reasons."""
    score = await reader.call(credit.buyer_score, buyer_id, as_of, today=dt.date.today())
    return ScoreRead.model_validate(score)


@router.get("/buyers/{buyer_id}/score-history", tags=["credit"])
async def score_history(buyer_id: str, reader: Reader) -> list[ScorePointRead]:
    """One point per scoring date, oldest first."""
    points = await reader.call(credit.score_history, buyer_id)
    return [ScorePointRead.model_validate(p) for p in points]


@router.get("/credit/grades", tags=["credit"])
async def grade_distribution(reader: Reader, as_of: AsOf = None) -> GradeDistributionRead:
    """Buyers per grade on the latest scoring date (or ``as_of``)."""
    return GradeDistributionRead.model_validate(await reader.call(credit.grade_distribution, as_of))


@router.get("/credit/settings", tags=["credit"])
async def get_settings(reader: Reader) -> CreditSettingsRead:
    """The organisation's credit settings (defaults where never changed); ``mode`` is
    ``expert`` (the scorecard) or ``fitted`` (the latest model fitted on its history)."""
    return CreditSettingsRead.of(await reader.call(credit.load_settings))


@router.put("/credit/settings", tags=["credit"])
async def put_settings(
    writer: Writer,
    changes: Annotated[dict[str, Any], Body(examples=[{"mode": "fitted"}])],
) -> CreditSettingsRead:
    """Change some settings, e.g. ``{"mode": "fitted"}``; validated as a whole, audited."""
    try:
        saved = await writer.run(
            lambda session, caller: credit.save_settings(session, caller.org, changes, caller.actor)
        )
    except InvalidSettingsError as error:
        raise HTTPException(422, str(error)) from None
    return CreditSettingsRead.of(saved)
