"""A buyer's page (its exposure, score, limit and shipping status) with the forms that
change them, and the page of limit requests waiting for a decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.collections import service as collections
from tradeguard.credit import service as credit
from tradeguard.credit.schemas import ScorePointRead, ScoreRead
from tradeguard.domain.errors import BadQueryError, TradeGuardError
from tradeguard.domain.identity.access import Permission, can
from tradeguard.domain.ledger.snapshot import MissingFxRateError
from tradeguard.domain.limits.workflow import LimitRequestStatus
from tradeguard.identity.dependencies import (
    Caller,
    LimitRequester,
    Reader,
    Writer,
)
from tradeguard.kit.bounds import Offset
from tradeguard.kit.forms import FormValueError, form_amount, form_day, query_string
from tradeguard.kit.rendering import DONE_MESSAGES, render_page
from tradeguard.ledger import repository as ledger
from tradeguard.ledger.schemas import PaymentRead
from tradeguard.limits import service as limits

router = APIRouter(include_in_schema=False)


PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class BuyerSection:
    """A section of the buyer page that a capability importing limits adds (so limits
    cannot import it): the web shell lists them in ``app.state.buyer_sections``. ``read``
    gathers what ``template`` shows of the buyer on the page's day; the template sees it
    as ``section``."""

    template: str
    read: Callable[[Session, Caller, str, dt.date], object]


@dataclass(frozen=True, slots=True)
class BuyerView:
    """What the buyer page shows: the date it is seen on, the invoice filter, the pages."""

    as_of: dt.date
    status: ledger.InvoiceStatus = "all"
    inv_offset: int = 0
    pay_offset: int = 0

    def link(self, buyer_id: str, **changes: object) -> str:
        """This view of the page with some parameters changed (paging keeps the others)."""
        params: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "status": None if self.status == "all" else self.status,
            "inv_offset": self.inv_offset or None,
            "pay_offset": self.pay_offset or None,
        }
        params.update({name: value or None for name, value in changes.items()})
        return f"/buyers/{quote(buyer_id, safe='')}{query_string(params)}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A form the service refused: which one, why, and what was typed (to show it again)."""

    form: str
    message: str
    values: Mapping[str, str]
    conflict: bool = False  # the state changed under the form: it was decided, lifted already

    @property
    def status_code(self) -> int:
        return 409 if self.conflict else 422


@router.get("/buyers/{buyer_id}")
async def buyer_page(
    request: Request,
    buyer_id: str,
    reader: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[ledger.InvoiceStatus, Query()] = "all",
    inv_offset: Offset = 0,
    pay_offset: Offset = 0,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """A buyer seen on ``as_of`` (today by default): exposure, open and overdue invoices."""
    try:
        day = form_day(as_of, "as_of") if as_of else dt.date.today()
    except FormValueError as error:
        raise BadQueryError("as_of", str(error).removeprefix("as_of: ")) from None
    view = BuyerView(day, status, inv_offset, pay_offset)
    return await reader.run(partial(_buyer_page, request, buyer_id, view, done=done))


def _buyer_page(
    request: Request,
    buyer_id: str,
    view: BuyerView,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    buyer = ledger.buyer(session, caller.org, buyer_id)
    try:
        exposure: ledger.Exposure | None = ledger.exposure(
            session, caller.org, buyer_id, view.as_of
        )
        exposure_error = None
    except MissingFxRateError as error:  # the invoices and the forms still show
        exposure, exposure_error = None, str(error)
    invoices = ledger.buyer_invoices(
        session,
        caller.org,
        buyer_id,
        view.as_of,
        status=view.status,
        limit=PAGE_SIZE,
        offset=view.inv_offset,
    )
    payments = ledger.payments(
        session,
        caller.org,
        buyer_id=buyer_id,
        date_to=view.as_of,
        limit=PAGE_SIZE,
        offset=view.pay_offset,
    )
    try:
        found = credit.buyer_score(session, caller.org, buyer_id, today=dt.date.today())
        score: dict[str, Any] | None = ScoreRead.model_validate(found).model_dump(mode="json")
        score_error = None
    except TradeGuardError as error:  # e.g. a missing FX rate: the rest of the page still shows
        score, score_error = None, str(error)
    credit_status = limits.buyer_limits(session, caller.org, buyer_id, dt.date.today())
    contacts = collections.contact_history(session, caller.org, buyer_id)
    role = caller.principal.role
    return render_page(
        request,
        caller,
        "buyer.html",
        buyer=buyer,
        score=score,
        score_error=score_error,
        score_history=[
            ScorePointRead.model_validate(p).model_dump(mode="json")
            for p in credit.score_history(session, caller.org, buyer_id)
        ],
        credit_status=credit_status,
        pending=[r for r in credit_status.requests if r.status is LimitRequestStatus.PENDING],
        can_request=can(role, Permission.REQUEST_LIMITS),
        can_decide=can(role, Permission.WRITE_LEDGER),
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
        exposure=exposure,
        exposure_error=exposure_error,
        view=view,
        invoices=invoices,
        payments=payments,
        payment_rows=[PaymentRead.of(p) for p in payments.items],
        contacts=contacts,
        sections=[
            (s.template, s.read(session, caller, buyer_id, view.as_of))
            for s in request.app.state.buyer_sections
        ],
        today=dt.date.today(),
    )


def _attempt(session: Session, action: Callable[[], object]) -> TradeGuardError | None:
    """Run one service call in a savepoint: on a refusal nothing it did is kept."""
    try:
        with session.begin_nested():
            action()
    except TradeGuardError as error:
        return error
    return None


def _after_buyer_form(
    request: Request,
    session: Session,
    caller: Caller,
    buyer_id: str,
    form: str,
    values: Mapping[str, str],
    action: Callable[[], object],
    done: str,
    *,
    conflict: bool = False,
) -> Response:
    """Post/redirect/get for a form of the buyer page: back to the page with a message,
    or the page again with the refusal next to the form (422, 409 for a conflict)."""
    error = _attempt(session, action)
    if error is None:
        return RedirectResponse(f"/buyers/{quote(buyer_id, safe='')}?done={done}", status_code=303)
    refusal = Refusal(form, str(error), values, conflict)
    response = _buyer_page(
        request,
        buyer_id,
        BuyerView(dt.date.today()),
        session,
        caller,
        refusal=refusal,
    )
    response.status_code = refusal.status_code
    return response


@router.post("/buyers/{buyer_id}/limit-requests")
async def request_limit_form(
    request: Request,
    buyer_id: str,
    requester: LimitRequester,
    amount: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The buyer page's "Request a limit" form (roles that may request limits)."""

    def work(session: Session, caller: Caller) -> Response:
        ledger.buyer(session, caller.org, buyer_id)
        return _after_buyer_form(
            request,
            session,
            caller,
            buyer_id,
            "request",
            {"amount": amount, "reason": reason},
            lambda: limits.request_limit(
                session,
                caller.org,
                buyer_id,
                form_amount(amount, "amount", limits.MAX_AMOUNT),
                reason.strip() or None,
                caller.actor,
            ),
            "limit-requested",
        )

    return await requester.run(work)


@router.post("/limit-requests/{request_id}/decision")
async def decide_form(
    request: Request,
    request_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    writer: Writer,
    decision: Annotated[Literal["approve", "reject"], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[Literal["buyer", "pending"], Form()] = "buyer",
) -> Response:
    """Approve or reject a pending request, from the buyer page or the pending page."""

    def work(session: Session, caller: Caller) -> Response:
        pending = limits.limit_request(session, caller.org, request_id)
        buyer_id, conflict = pending.buyer_id, pending.status is not LimitRequestStatus.PENDING
        form = f"{decision}-{request_id}"
        values = {"amount": amount, "reason": reason, "override_reason": override_reason}

        def act() -> object:
            approved = (
                form_amount(amount, "amount", limits.MAX_AMOUNT)
                if decision == "approve" and amount.strip()
                else None
            )
            return limits.decide(
                session,
                caller.org,
                request_id,
                decision,
                reason,
                caller.actor,
                approved,
                override_reason=override_reason.strip() or None,
                today=dt.date.today(),
            )

        done = "limit-approved" if decision == "approve" else "limit-rejected"
        if back == "buyer":
            return _after_buyer_form(
                request, session, caller, buyer_id, form, values, act, done, conflict=conflict
            )
        error = _attempt(session, act)
        if error is None:
            return RedirectResponse(f"/limit-requests?done={done}", status_code=303)
        refusal = Refusal(form, str(error), values, conflict)
        response = _pending_page(request, session, caller, refusal=refusal)
        response.status_code = refusal.status_code
        return response

    return await writer.run(work)


@router.post("/buyers/{buyer_id}/stop-shipment")
async def stop_shipment_form(
    request: Request,
    buyer_id: str,
    writer: Writer,
    reason: Annotated[str, Form(max_length=2000)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Stop shipments to the buyer: until a date (inclusive) or, without one, permanently."""

    def work(session: Session, caller: Caller) -> Response:
        ledger.buyer(session, caller.org, buyer_id)
        return _after_buyer_form(
            request,
            session,
            caller,
            buyer_id,
            "stop",
            {"reason": reason, "until": until},
            lambda: limits.stop_shipment(
                session,
                caller.org,
                buyer_id,
                reason,
                caller.actor,
                form_day(until, "until") if until else None,
                today=dt.date.today(),
            ),
            "shipments-stopped",
        )

    return await writer.run(work)


@router.post("/buyers/{buyer_id}/stop-shipment/lift")
async def lift_stop_form(
    request: Request,
    buyer_id: str,
    writer: Writer,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Lift the buyer's stop-shipment, with a reason."""

    def work(session: Session, caller: Caller) -> Response:
        ledger.buyer(session, caller.org, buyer_id)
        stopped = limits.current_stop(session, caller.org, buyer_id, dt.date.today()) is not None

        def lift() -> None:
            if not reason.strip():
                raise FormValueError("lifting a stop-shipment needs a reason")
            limits.lift_stop(session, caller.org, buyer_id, reason, caller.actor)

        return _after_buyer_form(
            request,
            session,
            caller,
            buyer_id,
            "lift",
            {"reason": reason},
            lift,
            "stop-lifted",
            conflict=not stopped,
        )

    return await writer.run(work)


@router.post("/buyers/{buyer_id}/promises")
async def promise_form(
    request: Request,
    buyer_id: str,
    writer: Writer,
    amount: Annotated[str, Form(max_length=40)],
    promised_for: Annotated[str, Form(max_length=10)],
    invoice_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the buyer's promise to pay, made today: the dunning of the invoices it
    covers (the one named, else all the buyer's open ones) waits until its date."""

    def work(session: Session, caller: Caller) -> Response:
        ledger.buyer(session, caller.org, buyer_id)
        return _after_buyer_form(
            request,
            session,
            caller,
            buyer_id,
            "promise",
            {
                "amount": amount,
                "promised_for": promised_for,
                "invoice_id": invoice_id,
                "note": note,
            },
            lambda: collections.add_promise(
                session,
                caller.org,
                buyer_id=buyer_id,
                amount=form_amount(amount, "amount", limits.MAX_AMOUNT),
                promised_for=form_day(promised_for, "promised_for"),
                made_on=dt.date.today(),
                actor=caller.actor,
                invoice_id=invoice_id.strip() or None,
                note=note.strip() or None,
            ),
            "promise-recorded",
        )

    return await writer.run(work)


@router.get("/limit-requests")
async def limit_requests_page(
    request: Request,
    writer: Writer,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Every pending limit request of the organisation, oldest first, to decide."""
    return await writer.run(partial(_pending_page, request, done=done))


def _pending_page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    return render_page(
        request,
        caller,
        "limit_requests.html",
        pending=limits.pending_limit_requests(session, caller.org),
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )
