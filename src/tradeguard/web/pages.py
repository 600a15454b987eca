"""The web dashboard: server-rendered pages over the same services as the API."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from collections.abc import Mapping
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

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
    Reader,
    SignedIn,
    Writer,
    in_unit_of_work,
)
from tradeguard.web.schemas import InvoiceRead, PaymentRead
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


@router.get("/buyers")
async def buyers_page(
    request: Request,
    reader: Reader,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        found = ledger.buyers(session, caller.org, q=q, sort="name", limit=PAGE_SIZE, offset=offset)
        return render_page(request, caller, "buyers.html", page=found, q=q or "")

    return await reader.run(page)


@router.get("/buyers/{buyer_id}")
async def buyer_page(request: Request, buyer_id: str, reader: Reader) -> HTMLResponse:
    return await reader.run(partial(_buyer_page, request, buyer_id))


def _buyer_page(request: Request, buyer_id: str, session: Session, caller: Caller) -> HTMLResponse:
    buyer = ledger.buyer(session, caller.org, buyer_id)
    exposure = ledger.exposure(session, caller.org, buyer_id, dt.date.today())
    invoices = ledger.invoices(session, caller.org, buyer_id=buyer_id, limit=100)
    settled = ledger.settled_amounts(session, caller.org, [i.invoice_id for i in invoices.items])
    payments = ledger.payments(session, caller.org, buyer_id=buyer_id, limit=100)
    try:
        score: dict[str, Any] | None = to_jsonable(
            credit.buyer_score(session, caller.org, buyer_id)
        )
        score_error = None
    except TradeGuardError as error:  # e.g. a missing FX rate: the rest of the page still shows
        score, score_error = None, str(error)
    return render_page(
        request,
        caller,
        "buyer.html",
        buyer=buyer,
        score=score,
        score_error=score_error,
        score_history=to_jsonable(credit.score_history(session, caller.org, buyer_id)),
        credit_status=to_jsonable(limits.buyer_limits(session, caller.org, buyer_id)),
        exposure=exposure,
        invoices=[InvoiceRead.of(i, settled.get(i.invoice_id, 0)) for i in invoices.items],
        invoice_total=invoices.total,
        payments=[PaymentRead.of(p) for p in payments.items],
        payment_total=payments.total,
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
