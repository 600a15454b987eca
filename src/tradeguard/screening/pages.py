"""The order-screening form's answer page (``POST /screen``); the form itself is the
partial ``screening_form.html``, which other pages include."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tradeguard.domain.errors import ConflictError, NotFoundError, TradeGuardError
from tradeguard.identity.dependencies import Caller, Screener
from tradeguard.kit.forms import FormValueError
from tradeguard.kit.rendering import render_page
from tradeguard.screening import service as screening

router = APIRouter(include_in_schema=False)


def _order(
    buyer_id: str, amount: str, currency: str, terms_days: str, order_id: str
) -> screening.OrderRequest:
    """The order a form sent, or ``FormValueError``; the service checks the rest."""
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise FormValueError(f"amount: not a number: {amount!r}") from None
    terms = terms_days.strip()
    if terms and not terms.isdigit():
        raise FormValueError(f"terms_days: not a whole number: {terms_days!r}")
    return screening.OrderRequest(
        buyer_id.strip(),
        value,
        currency.strip() or None,
        int(terms) if terms else None,
        order_id.strip() or None,
    )


def _status(error: TradeGuardError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    return 409 if isinstance(error, ConflictError) else 422


@router.post("/screen")
async def screen_form(
    request: Request,
    screener: Screener,
    buyer_id: Annotated[str, Form(max_length=64)],
    amount: Annotated[str, Form(max_length=40)],
    currency: Annotated[str, Form(max_length=3)] = "",
    terms_days: Annotated[str, Form(max_length=4)] = "",
    order_id: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Screen the order of the form and show the answer with its reasons, or the refusal
    next to the form (404 unknown buyer, 409 no FX rate, 422 a bad value)."""
    values = {
        "buyer_id": buyer_id,
        "amount": amount,
        "currency": currency,
        "terms_days": terms_days,
        "order_id": order_id,
    }

    def work(session: Session, caller: Caller) -> HTMLResponse:
        language = caller.principal.language
        try:
            with session.begin_nested():
                record = screening.screen_order(
                    session,
                    caller.org,
                    _order(buyer_id, amount, currency, terms_days, order_id),
                    as_of=dt.date.today(),
                    actor=caller.actor,
                )
        except TradeGuardError as error:
            response = render_page(
                request, caller, "screening_answer.html", error=str(error), screening_values=values
            )
            response.status_code = _status(error)
            return response
        return render_page(
            request,
            caller,
            "screening_answer.html",
            answer=record,
            reasons=screening.reason_messages(record.reasons, language),
            decision_words=screening.DECISION_WORDS,
            screening_values={},
        )

    return await screener.run(work)
