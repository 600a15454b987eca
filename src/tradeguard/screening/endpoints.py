"""``/api/v1/orders``: screen an order, the screening log, the interception KPI.

Screening needs ``screen_orders`` (sales, credit managers, admins); reading the log and
the KPI needs ``read_ledger`` (every role). Reasons are in the caller's language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from tradeguard.identity.dependencies import Caller, Reader, Screener
from tradeguard.kit.bounds import Limit, Offset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.kit.schemas import PageRead
from tradeguard.screening import service as screening
from tradeguard.screening.schemas import (
    InterceptionRead,
    QuarterRead,
    ScreeningCreate,
    ScreeningRead,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.post("/orders/screen", tags=["screening"])
async def screen_order(body: ScreeningCreate, screener: Screener) -> ScreeningRead:
    """Screen an order: approve, approve with a prepayment, cash before delivery or hold,
    with the reasons (the deciding one first). Every screening is recorded. 404 for an
    unknown buyer, 409 without an FX rate for the order's currency on or before the day."""
    as_of = body.as_of or dt.date.today()

    def work(session: Session, caller: Caller) -> ScreeningRead:
        record = screening.screen_order(
            session, caller.org, body.order(), as_of=as_of, actor=caller.actor
        )
        return ScreeningRead.of(record, caller.principal.language)

    return await screener.run(work)


@router.get("/orders/screenings", tags=["screening"])
async def list_screenings(
    reader: Reader,
    buyer: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[ScreeningRead]:
    """The screening log, newest first (one buyer's with ``buyer``)."""

    def work(session: Session, caller: Caller) -> PageRead[ScreeningRead]:
        page = screening.screenings(session, caller.org, buyer, limit, offset)
        language = caller.principal.language
        return PageRead(
            items=[ScreeningRead.of(r, language) for r in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
        )

    return await reader.run(work)


@router.get("/orders/interception", tags=["screening"])
async def interception(reader: Reader) -> InterceptionRead:
    """Per quarter: high-risk orders screened (grade 8+, class C, stopped, or over the
    limit) and how many were intercepted (not approved as asked); share null without any."""
    quarters = await reader.call(screening.interception)
    return InterceptionRead(
        quarters=[
            QuarterRead(
                quarter=q.quarter,
                high_risk_orders=q.high_risk_orders,
                intercepted=q.intercepted,
                share=q.share,
            )
            for q in quarters
        ]
    )
