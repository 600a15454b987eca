"""The web dashboard: server-rendered pages over the same services as the API."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from tradeguard.analytics.ledger import MissingFxRateError
from tradeguard.domain.access import Permission, can
from tradeguard.domain.errors import ImportRejectedError, TradeGuardError
from tradeguard.importing.formats import FORMATS
from tradeguard.importing.reader import UnreadableFileError
from tradeguard.serialisation import to_jsonable
from tradeguard.services import credit, ledger, limits, users
from tradeguard.services.daily_cycle import latest_snapshot
from tradeguard.services.imports import import_file
from tradeguard.services.summary import portfolio_summary
from tradeguard.web import i18n
from tradeguard.web.bounds import PageOffset
from tradeguard.web.deps import (
    SESSION_COOKIE,
    Auditor,
    Caller,
    LimitRequester,
    Reader,
    SignedIn,
    Writer,
    in_unit_of_work,
)
from tradeguard.web.schemas import PaymentRead
from tradeguard.web.uploads import save_upload

router = APIRouter(include_in_schema=False)
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
LOGIN_CSRF_COOKIE = "tg_login_csrf"
PAGE_SIZE = 50


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def _render(
    request: Request, template: str, caller: Caller | None, language: str, **context: Any
) -> HTMLResponse:
    helpers = {
        "t": partial(i18n.translate, language),
        "fmt_money": partial(i18n.money, language),
        "fmt_number": partial(i18n.number, language),
        "fmt_percent": partial(i18n.percent, language),
        "fmt_date": partial(i18n.date, language),
        "fmt_bucket": partial(i18n.bucket, language),
        "language": language,
        "caller": caller,
        "csrf": caller.csrf_token if caller else None,
        "can_import": caller is not None and can(caller.principal.role, Permission.WRITE_LEDGER),
        "can_audit": caller is not None and can(caller.principal.role, Permission.READ_AUDIT),
        "fmt_industry": partial(i18n.industry, language),
        "fmt_model": partial(i18n.model, language),
        "can_decide_limits": caller is not None
        and can(caller.principal.role, Permission.WRITE_LEDGER),
    }
    return TEMPLATES.TemplateResponse(request, template, {**helpers, **context})


def render_page(request: Request, caller: Caller, template: str, **context: Any) -> HTMLResponse:
    """A page of the site in the caller's language, with the common layout."""
    return _render(request, template, caller, caller.principal.language, **context)


def render_error(
    request: Request,
    caller: Caller | None,
    language: str,
    status: int,
    headers: Mapping[str, str] | None,
    **context: Any,
) -> HTMLResponse:
    """The error page in ``language``; the site's header only when the caller is known."""
    response = _render(request, "error.html", caller, language, status=status, **context)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/static/plotly.js")
def plotly_js() -> Response:
    return Response(
        _plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None, lang: str = "en") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = _render(
        request,
        "login.html",
        None,
        lang if lang in users.LANGUAGES else "en",
        login_csrf=token,
        next=_safe_next(next),
        error=None,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_cookie_secure(request)
    )
    return response


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "/",
    lang: Annotated[str, Form(max_length=5)] = "en",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return RedirectResponse("/login", status_code=303)
    # The socket's peer, never X-Forwarded-For: a client can write any header it likes.
    address = request.client.host if request.client else "unknown"

    def refused(error: str, status_code: int) -> HTMLResponse:
        page = _render(
            request,
            "login.html",
            None,
            lang if lang in users.LANGUAGES else "en",
            login_csrf=expected,
            next=_safe_next(next),
            error=error,
        )
        page.status_code = status_code
        return page

    try:  # the attempt's turn, committed before any password is checked
        await in_unit_of_work(request, lambda session: users.reserve_login(session, email, address))
    except users.LoginThrottledError as throttled:
        page = refused("Too many failed sign-ins. Wait a moment and try again.", 429)
        page.headers["Retry-After"] = str(int(throttled.retry_after) + 1)
        return page

    def sign_in(session: Session) -> tuple[str, str] | None:  # Argon2: in the worker thread
        principal = users.authenticate(session, email, password, address)
        return None if principal is None else users.open_web_session(session, principal)

    opened = await in_unit_of_work(request, sign_in)
    if opened is None:
        return refused("Wrong e-mail or password.", 401)
    token, _csrf = opened
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(request),
        max_age=12 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, signed_in: SignedIn) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    await signed_in.run(lambda session, _caller: users.close_web_session(session, cookie))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
async def language(
    signed_in: SignedIn,
    language: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    await signed_in.run(
        lambda session, caller: users.set_language(session, caller.principal, language)
    )
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/")
async def overview(request: Request, reader: Reader) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        summary = latest_snapshot(session, caller.org)
        if summary is None:
            summary = to_jsonable(portfolio_summary(session, caller.org, dt.date.today()))
        grades = to_jsonable(credit.grade_distribution(session, caller.org))
        return render_page(request, caller, "overview.html", s=summary, grades=grades)

    return await reader.run(page)


MAX_OFFSET = 10_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]

# What a form that succeeded says on the page it redirects to (``?done=KEY``).
DONE_MESSAGES = {
    "limit-requested": "Limit requested: it waits for a credit manager's decision.",
    "limit-approved": "Limit approved: it is now in force.",
    "limit-rejected": "Limit request rejected.",
    "shipments-stopped": "Shipments stopped.",
    "stop-lifted": "Stop-shipment lifted.",
}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class FormValueError(TradeGuardError):
    """A form field that cannot be read: an amount that is not a number, a bad date."""


def _query_string(params: Mapping[str, object]) -> str:
    """``?a=1&b=x`` of the parameters that are set (None and "" are left out)."""
    kept = {name: str(value) for name, value in params.items() if value is not None and value != ""}
    return f"?{urlencode(kept)}" if kept else ""


def _day(value: str, field: str) -> dt.date:
    """A YYYY-MM-DD date, or ``FormValueError`` naming the field."""
    try:
        if _ISO_DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise FormValueError(f"{field}: not a date in YYYY-MM-DD form: {value!r}")


def _amount(value: str) -> Decimal:
    """The amount a form sent, or ``FormValueError``; the service checks the rest."""
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise FormValueError(f"amount: not a number: {value!r}") from None
    if not amount.is_finite() or abs(amount) > limits.MAX_AMOUNT:
        raise FormValueError(f"amount: at most {limits.MAX_AMOUNT:,}")
    return amount


def _sort_link(base: str, params: Mapping[str, object], sort: str, column: str) -> str:
    """The link of a column header: ascending first, descending when already ascending."""
    order = f"-{column}" if sort == column else column
    return base + _query_string({**params, "sort": order, "offset": None})


@router.get("/buyers")
async def buyers_page(
    request: Request,
    reader: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    credit_class: Annotated[Literal["", "A", "B", "C"], Query(alias="class")] = "",
    overdue: Annotated[Literal["", "0", "1"], Query()] = "",
    sort: Annotated[str, Query(max_length=20)] = "name",
    offset: PageOffset = 0,
) -> HTMLResponse:
    """Every buyer with its grade, class, exposure, limit and overdue amount today."""
    filters = {
        "q": q,
        "country": country,
        "industry": industry,
        "class": credit_class,
        "overdue": "1" if overdue == "1" else None,
    }

    def page(session: Session, caller: Caller) -> HTMLResponse:
        found = ledger.portfolio(
            session,
            caller.org,
            dt.date.today(),
            q=q,
            country=country,
            industry=industry,
            credit_class=credit_class or None,
            overdue_only=overdue == "1",
            sort=sort,
            limit=PAGE_SIZE,
            offset=offset,
        )
        countries, industries = ledger.buyer_facets(session, caller.org)
        params = {**filters, "sort": sort}
        return render_page(
            request,
            caller,
            "buyers.html",
            page=found,
            filters=filters,
            sort=sort,
            countries=countries,
            industries=industries,
            sort_link=partial(_sort_link, "/buyers", filters, sort),
            offset_link=lambda to: "/buyers" + _query_string({**params, "offset": to or None}),
        )

    return await reader.run(page)


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
        return f"/buyers/{quote(buyer_id, safe='')}{_query_string(params)}"


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
        day = _day(as_of, "as_of") if as_of else dt.date.today()
    except FormValueError as error:
        raise ledger.BadQueryError("as_of", str(error).removeprefix("as_of: ")) from None
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
        score: dict[str, Any] | None = to_jsonable(
            credit.buyer_score(session, caller.org, buyer_id)
        )
        score_error = None
    except TradeGuardError as error:  # e.g. a missing FX rate: the rest of the page still shows
        score, score_error = None, str(error)
    credit_status = to_jsonable(limits.buyer_limits(session, caller.org, buyer_id))
    role = caller.principal.role
    return render_page(
        request,
        caller,
        "buyer.html",
        buyer=buyer,
        score=score,
        score_error=score_error,
        score_history=to_jsonable(credit.score_history(session, caller.org, buyer_id)),
        credit_status=credit_status,
        pending=[r for r in credit_status["requests"] if r["status"] == limits.PENDING],
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
                session, caller.org, buyer_id, _amount(amount), reason.strip() or None, caller.actor
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
        pending = ledger.limit_request(session, caller.org, request_id)
        buyer_id, conflict = pending.buyer_id, pending.status != limits.PENDING
        form = f"{decision}-{request_id}"
        values = {"amount": amount, "reason": reason, "override_reason": override_reason}

        def act() -> object:
            approved = _amount(amount) if decision == "approve" and amount.strip() else None
            return limits.decide(
                session,
                caller.org,
                request_id,
                decision,
                reason,
                caller.actor,
                approved,
                override_reason=override_reason.strip() or None,
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
                _day(until, "until") if until else None,
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
        stopped = limits.buyer_limits(session, caller.org, buyer_id)["stop_shipment"] is not None

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
        pending=ledger.pending_limit_requests(session, caller.org),
        done=DONE_MESSAGES.get(done or ""),
        refusal=refusal,
    )


@router.get("/import")
async def import_form(request: Request, writer: Writer) -> HTMLResponse:
    return await writer.run(
        lambda _session, caller: render_page(
            request, caller, "import.html", kinds=list(FORMATS), result=None, errors=None
        )
    )


@router.post("/import")
async def import_upload(
    request: Request,
    writer: Writer,
    kind: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    return await writer.run(partial(_import_upload, request, kind, file))


def _import_upload(
    request: Request, kind: str, file: UploadFile, session: Session, caller: Caller
) -> HTMLResponse:
    context: dict[str, Any] = {"kinds": list(FORMATS), "result": None, "errors": None, "kind": kind}
    if kind not in FORMATS:
        raise TradeGuardError(f"unknown kind {kind!r}")
    with tempfile.TemporaryDirectory(prefix="tradeguard-upload-") as folder:
        try:
            path = save_upload(file, Path(folder))
            with session.begin_nested():
                context["result"] = import_file(
                    session, caller.org, kind, path, caller.actor
                ).as_dict()
        except ImportRejectedError as rejected:
            context["errors"] = [
                (e.row, e.column, i18n.row_problem(caller.principal.language, e))
                for e in rejected.errors
            ]
        except UnreadableFileError as error:
            context["errors"] = [(1, "file", str(error))]
    response = render_page(request, caller, "import.html", **context)
    if context["errors"]:
        response.status_code = 422
    return response


@router.get("/audit")
async def audit_page(request: Request, auditor: Auditor, offset: PageOffset = 0) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        found = ledger.audit_log(session, caller.org, limit=PAGE_SIZE, offset=offset)
        return render_page(request, caller, "audit.html", page=found)

    return await auditor.run(page)
