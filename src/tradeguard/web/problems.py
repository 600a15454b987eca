"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from tradeguard.analytics.ledger import MissingFxRateError
from tradeguard.domain.errors import ImportRejectedError, TradeGuardError
from tradeguard.importing.reader import UnreadableFileError
from tradeguard.services.ledger import BadQueryError, NotFoundError
from tradeguard.services.users import LoginThrottledError
from tradeguard.web.deps import NotAuthenticatedError

MEDIA_TYPE = "application/problem+json"


class InvalidParam(BaseModel):
    name: str
    reason: str
    row: int | None = None


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    invalid_params: list[InvalidParam] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": title}
    for status, title in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Forbidden"),
        (404, "Not found"),
        (422, "Invalid input"),
        (500, "Internal error"),
        (503, "Service unavailable: a transient database failure; retry after Retry-After"),
    )
}

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
# How long a client should wait before retrying after a transient database failure.
RETRY_AFTER_S = 2


def problem(
    status: int,
    detail: str | None,
    params: list[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"), status=status, detail=detail, invalid_params=params
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


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

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> Response:
        return problem(error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> Response:
        params = [
            InvalidParam(
                name=".".join(str(p) for p in e["loc"] if p not in ("query", "path", "body"))
                or "request",
                reason=str(e["msg"]),
            )
            for e in error.errors()
        ]
        return problem(422, "the request has invalid fields", params)

    @app.exception_handler(ImportRejectedError)
    async def _rejected(_request: Request, error: ImportRejectedError) -> Response:
        params = [InvalidParam(name=e.column, reason=e.message, row=e.row) for e in error.errors]
        return problem(422, str(error), params)

    @app.exception_handler(NotFoundError)
    async def _not_found(_request: Request, error: NotFoundError) -> Response:
        return problem(404, str(error))

    @app.exception_handler(BadQueryError)
    async def _bad_query(_request: Request, error: BadQueryError) -> Response:
        return problem(422, str(error), [InvalidParam(name=error.field, reason=str(error))])

    @app.exception_handler(LoginThrottledError)
    async def _throttled(_request: Request, error: LoginThrottledError) -> Response:
        return problem(429, str(error), headers={"Retry-After": str(int(error.retry_after) + 1)})

    @app.exception_handler(MissingFxRateError)
    async def _fx(_request: Request, error: MissingFxRateError) -> Response:
        return problem(409, str(error))

    @app.exception_handler(UnreadableFileError)
    async def _unreadable(_request: Request, error: UnreadableFileError) -> Response:
        return problem(422, str(error), [InvalidParam(name="file", reason=str(error))])

    @app.exception_handler(TradeGuardError)
    async def _domain(_request: Request, error: TradeGuardError) -> Response:
        return problem(400, str(error))

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _error: IntegrityError) -> Response:
        # A concurrent request wrote a conflicting row first; the unit of work rolled back.
        return problem(409, "a concurrent change conflicted with this one; nothing was changed")

    @app.exception_handler(OperationalError)
    async def _unavailable(_request: Request, _error: OperationalError) -> Response:
        # Locks, timeouts, lost connections, I/O errors: nothing was written; a retry can help.
        return problem(
            503,
            "the database could not complete the request; nothing was changed, retry shortly",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, _error: DBAPIError) -> Response:
        return problem(500, "the database refused the request; nothing was changed")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _error: Exception) -> Response:
        return problem(500, "an unexpected error; it is in the server's log")
