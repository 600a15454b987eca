"""``/today``: the credit manager's page, first in the navigation, and its alert forms."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.domain.errors import ConflictError, NotFoundError, TradeGuardError
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.insurance.pages import NOTIFICATION_STATUSES
from tradeguard.kit.rendering import DONE_MESSAGES, render_page
from tradeguard.monitoring import service as monitoring
from tradeguard.screening.service import reason_messages
from tradeguard.today.service import today

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: str | None = None,
) -> HTMLResponse:
    day = today(session, caller.org, dt.date.today())
    language = caller.principal.language
    return render_page(
        request,
        caller,
        "today.html",
        day=day,
        hold_reasons={
            h.screening_id: "; ".join(r["message"] for r in reason_messages(h.reasons, language))
            for h in day.holds
        },
        notification_statuses=NOTIFICATION_STATUSES,
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )


@router.get("/today")
async def today_page(
    request: Request,
    reader: Reader,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Open alerts by severity (to acknowledge or resolve), limit proposals and requests to
    decide, buyers over their limit and new defaults; every line links to its buyer."""

    def work(session: Session, caller: Caller) -> HTMLResponse:
        return _page(request, session, caller, done=done)

    return await reader.run(work)


@router.post("/today/alerts/{alert_id}/{move}")
async def move_alert_form(
    request: Request,
    alert_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    move: Literal["ack", "resolve"],
    writer: Writer,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Acknowledge or resolve an alert from the page; a refusal shows the page again."""

    def work(session: Session, caller: Caller) -> Response:
        action = monitoring.acknowledge if move == "ack" else monitoring.resolve
        try:
            with session.begin_nested():  # a refusal keeps nothing of what it did
                action(session, caller.org, alert_id, comment, caller.actor)
        except TradeGuardError as error:
            response = _page(request, session, caller, refusal=str(error))
            response.status_code = 422
            if isinstance(error, NotFoundError):
                response.status_code = 404
            elif isinstance(error, ConflictError):
                response.status_code = 409
            return response
        done = "alert-acknowledged" if move == "ack" else "alert-resolved"
        return RedirectResponse(f"/today?done={done}", status_code=303)

    return await writer.run(work)
