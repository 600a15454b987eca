"""The one map from errors to HTTP answers: each kind of refusal has its status, as
problem details (RFC 9457, ``application/problem+json``) or as an HTML page.

The API and every client that does not accept ``text/html`` get problem JSON. A browser
on a page (not ``/api/``) gets ``error.html`` with the site's layout, in the signed-in
user's language (looked up from the session cookie in a unit of work of its own),
else the language of ``Accept-Language``, else English.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from tradeguard.domain.errors import (
    ConflictError,
    ImportRejectedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TradeGuardError,
    UnavailableError,
)
from tradeguard.identity import service as users
from tradeguard.identity.dependencies import (
    SESSION_COOKIE,
    Caller,
    NotAuthenticatedError,
    in_unit_of_work,
)
from tradeguard.kit import i18n
from tradeguard.kit.problems import TITLES, InvalidParam, PlainReason, problem
from tradeguard.kit.rendering import render_error

log = logging.getLogger(__name__)

# Each kind of refusal and its status: the one place they are mapped.
STATUS_OF_KIND: dict[type[TradeGuardError], int] = {
    NotFoundError: 404,
    InvalidInputError: 422,
    ConflictError: 409,
    PermissionDeniedError: 403,
    RateLimitedError: 429,
    UnavailableError: 503,
}


def status_of(error: TradeGuardError) -> int:
    """The HTTP status of a refusal: its kind's (the nearest in its class's ancestry)."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF_KIND:
            return STATUS_OF_KIND[kind]
    return 500


# What the error page tells a person, in plain words, beside the problem's detail.
_EXPLANATIONS = {
    400: "The request could not be carried out.",
    403: "Your role does not allow this page or action.",
    404: "There is nothing at this address, or it is not in your organisation's ledger.",
    409: "The request conflicts with the data as it is now; nothing was changed.",
    422: "Some values in the request are not valid; correct them and try again.",
    429: "Too many attempts; wait a little and try again.",
    500: "Something went wrong on the server; nothing was changed. Try again shortly.",
    503: "The database is busy; nothing was changed. Try again in a few seconds.",
}


# Pydantic's error types in words for the error page (the API keeps Pydantic's message):
# the text (``%s``: the limit) and the name of the limit in the error's context.
_PLAIN_REASONS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
        ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"),
        ("not a date in YYYY-MM-DD form", None),
    ),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), ("not a whole number", None)),
    "less_than_equal": ("at most %s", "le"),
    "greater_than_equal": ("at least %s", "ge"),
    "string_too_long": ("at most %s characters", "max_length"),
    "string_pattern_mismatch": ("not one of the accepted values", None),
    "bool_parsing": ("true or false", None),
    "missing": ("missing", None),
}


# How long a client should wait before retrying after a transient database failure.
RETRY_AFTER_S = 2


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _accepted_language(request: Request) -> str:
    """The first of the browser's ``Accept-Language`` entries that the site speaks, or en."""
    for entry in request.headers.get("accept-language", "").split(","):
        primary = entry.split(";")[0].strip().split("-")[0].lower()
        if primary in users.LANGUAGES:
            return primary
    return "en"


async def _signed_in_caller(request: Request) -> Caller | None:
    """The browser session's user, or None: no cookie, an expired one, or any failure
    (the error page must not fail itself; it is then shown without the user)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        found = await in_unit_of_work(
            request, lambda session: users.caller_for_web_session(session, cookie)
        )
    except Exception:
        log.warning("error page: the session's user could not be read", exc_info=True)
        return None
    return None if found is None else Caller(*found)


def _reasons_in(language: str, params: list[InvalidParam], plain: list[PlainReason]) -> list[str]:
    """Each parameter's reason for the page: in plain words where known, else as given."""
    reasons = []
    for param, (text, limit) in zip(params, plain or [(None, None)] * len(params), strict=True):
        if text is None:
            reasons.append(i18n.translate(language, param.reason.removeprefix(f"{param.name}: ")))
        else:
            words = i18n.translate(language, text)
            reasons.append(words if limit is None else words % limit)
    return reasons


async def _error_page(
    request: Request,
    status: int,
    detail: str | None,
    params: list[InvalidParam] | None,
    headers: Mapping[str, str] | None,
    plain: list[PlainReason],
) -> Response:
    # After a database failure (5xx) the database is not asked again for the user.
    caller = await _signed_in_caller(request) if status < 500 else None
    language = caller.principal.language if caller else _accepted_language(request)
    same_page = status == 422 and request.method == "GET"
    try:
        reasons = _reasons_in(language, params or [], plain)
        return render_error(
            request,
            caller,
            language,
            status,
            headers,
            title=TITLES.get(status, "Error"),
            explanation=_EXPLANATIONS.get(status, _EXPLANATIONS[400]),
            detail=detail,
            params=list(zip((p.name for p in params or ()), reasons, strict=True)),
            back=request.url.path if same_page else "/",
        )
    except Exception:
        log.exception("the error page could not be rendered; answering problem JSON")
        return problem(status, detail, params, headers)


async def respond(
    request: Request,
    status: int,
    detail: str | None,
    params: list[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
    plain: list[PlainReason] | None = None,
) -> Response:
    """The error as an HTML page for a browser on a page, else as problem JSON; ``plain``
    (one per parameter) says on the page in words what Pydantic's reasons say."""
    if _wants_html(request):
        return await _error_page(request, status, detail, params, headers, plain or [])
    return problem(status, detail, params, headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticatedError)
    async def _unauthenticated(request: Request, _error: NotAuthenticatedError) -> Response:
        if _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return problem(
            401,
            "sign in or send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(HTTPException)  # Starlette's: unknown paths and FastAPI's too
    async def _http(request: Request, error: HTTPException) -> Response:
        return await respond(request, error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        params, plain = [], []
        for e in error.errors():
            params.append(
                InvalidParam(
                    name=".".join(str(p) for p in e["loc"] if p not in ("query", "path", "body"))
                    or "request",
                    reason=str(e["msg"]),
                )
            )
            text, limit = _PLAIN_REASONS.get(e["type"], (None, None))
            plain.append((text, None if limit is None else e.get("ctx", {}).get(limit)))
        return await respond(request, 422, "the request has invalid fields", params, plain=plain)

    @app.exception_handler(ImportRejectedError)
    async def _rejected(request: Request, error: ImportRejectedError) -> Response:
        params = [InvalidParam(name=e.column, reason=e.message, row=e.row) for e in error.errors]
        return await respond(request, 422, str(error), params)

    @app.exception_handler(TradeGuardError)
    async def _refused(request: Request, error: TradeGuardError) -> Response:
        status = status_of(error)
        if status == 500:
            log.error("a refusal without a kind (a bug): %r", error)
        params = None
        if isinstance(error, InvalidInputError) and error.field is not None:
            params = [InvalidParam(name=error.field, reason=str(error))]
        headers = None
        if isinstance(error, RateLimitedError):
            headers = {"Retry-After": str(int(error.retry_after) + 1)}
        elif isinstance(error, UnavailableError):
            headers = {"Retry-After": str(RETRY_AFTER_S)}
        return await respond(request, status, str(error), params, headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, _error: IntegrityError) -> Response:
        # A concurrent request wrote a conflicting row first; the unit of work rolled back.
        return await respond(
            request, 409, "a concurrent change conflicted with this one; nothing was changed"
        )

    @app.exception_handler(OperationalError)
    async def _unavailable(request: Request, _error: OperationalError) -> Response:
        # Locks, timeouts, lost connections, I/O errors: nothing was written; a retry can help.
        return await respond(
            request,
            503,
            "the database could not complete the request; nothing was changed, retry shortly",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, _error: DBAPIError) -> Response:
        return await respond(request, 500, "the database refused the request; nothing was changed")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _error: Exception) -> Response:
        return await respond(request, 500, "an unexpected error; it is in the server's log")
