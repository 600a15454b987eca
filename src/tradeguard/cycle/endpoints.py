"""``/api/v1/summary``: the portfolio summary of the latest daily cycle, or of any date."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tradeguard.cycle.service import latest_snapshot
from tradeguard.domain.identity.access import Org
from tradeguard.identity.dependencies import Reader
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.receivables.endpoints import report_day
from tradeguard.receivables.schemas import PortfolioSummary
from tradeguard.receivables.service import portfolio_summary

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def _summary(session: Session, org: Org, as_of: dt.date | None) -> PortfolioSummary:
    if as_of is None and (snapshot := latest_snapshot(session, org)) is not None:
        return snapshot
    return portfolio_summary(session, org, report_day(as_of))


@router.get("/summary", tags=["reports"])
async def summary(reader: Reader, as_of: dt.date | None = None) -> PortfolioSummary:
    """Portfolio summary of the caller's organisation: the latest daily cycle, or any date."""
    return await reader.call(_summary, as_of)
