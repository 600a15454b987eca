"""Errors as RFC 9457 problem details (``application/problem+json``), or as HTML pages.

The API and every client that does not accept ``text/html`` get problem JSON. A browser
on a page (not ``/api/``) gets ``error.html`` with the site's layout, in the signed-in
user's language (looked up from the session cookie in a unit of work of its own),
else the language of ``Accept-Language``, else English.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

log = logging.getLogger(__name__)


MEDIA_TYPE = "application/problem+json"


# A reason in words for people (a translatable text, ``%s`` for the limit) and the limit.
PlainReason = tuple[str | None, Any]


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


def problem_response(description: str) -> dict[str, Any]:
    """An answer of one endpoint beyond the common ones, as problem details."""
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_response(title)
    for status, title in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Forbidden"),
        (404, "Not found"),
        (409, "Conflict: the request conflicts with the data as it is now"),
        (422, "Invalid input"),
        (429, "Too many requests: retry after Retry-After"),
        (500, "Internal error"),
        (503, "Service unavailable: a transient database failure; retry after Retry-After"),
    )
}


TITLES = {
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


def problem(
    status: int,
    detail: str | None,
    params: list[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=TITLES.get(status, "Error"), status=status, detail=detail, invalid_params=params
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )
