"""Request dependencies: the unit of work, the authenticated caller and their organisation.

A request is authenticated by a personal API token (``Authorization: Bearer``) or by
the session cookie of a signed-in browser. Every endpoint then names the permission it
needs (``require``); the organisation always comes from the caller, never from the
request, so nothing can read or change another organisation's rows.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from tradeguard.domain.access import Permission, can
from tradeguard.services import users
from tradeguard.services.users import Principal
from tradeguard.store.db import unit_of_work
from tradeguard.store.models import Organisation

SESSION_COOKIE = "tg_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Requests that hold a unit of work at the same time. Waiting for a turn takes no worker
# thread, and the engine's pool (``get_engine``: 20 + 20 overflow) always has a
# connection for each, so a thread never blocks on the pool while a request that holds
# a connection waits for a thread (the hang with 16+ concurrent requests).
MAX_CONCURRENT_UNITS_OF_WORK = 20


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed (or rolled back) before the response is sent.

    Starting one does no I/O (the session takes a connection at its first query, which
    runs in a worker thread), so it starts here on the event loop; ending it (commit or
    rollback, and returning the connection) runs in a worker thread of its own, like
    FastAPI's exit of a sync dependency: it never waits for the busy worker pool.
    """
    work = unit_of_work(request.app.state.engine)
    session = work.__enter__()
    try:
        yield session
    except BaseException as error:
        await _end(work, error)
        raise
    else:
        await _end(work, None)


async def _end(work: AbstractContextManager[Session], error: BaseException | None) -> None:
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(
            work.__exit__,
            None if error is None else type(error),
            error,
            None if error is None else error.__traceback__,
            limiter=anyio.CapacityLimiter(1),
        )


# scope="function": the unit of work ends when the endpoint returns, so a client that
# reads right after a write sees it (FastAPI's default, "request", commits only after the
# response has been sent). An error in a dependency or the endpoint rolls it back.
SessionDep = Annotated[
    Session,
    Depends(get_session, scope="function", max_concurrency=MAX_CONCURRENT_UNITS_OF_WORK),
]


class NotAuthenticatedError(Exception):
    """No valid token or session: 401 for the API, a redirect to the login page for pages."""


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    org: Organisation
    csrf_token: str | None  # set for browser sessions; API tokens need none


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token a browser sent with a state-changing request, else None.

    Async because a form body must be awaited; it does no database work, so it never
    blocks the event loop. API calls (bearer token) and safe methods need none, so their
    bodies (uploads) are not parsed here.
    """
    if request.method in _SAFE_METHODS or request.headers.get(
        "authorization", ""
    ).lower().startswith("bearer "):
        return None
    if SESSION_COOKIE not in request.cookies:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()  # cached on the request: the endpoint reads the same
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def get_caller(
    request: Request,
    session: SessionDep,
    sent_csrf: Annotated[str | None, Depends(sent_csrf_token)],
) -> Caller:
    """Authenticate the request (plain ``def``: the database work runs in a worker thread)."""
    authorization = request.headers.get("authorization", "")
    csrf: str | None = None
    found: tuple[Principal, Organisation] | None = None
    if authorization.lower().startswith("bearer "):
        found = users.caller_for_token(session, authorization[7:].strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        web = users.caller_for_web_session(session, cookie)
        if web is not None:
            principal, org, csrf = web
            if request.method not in _SAFE_METHODS and (
                sent_csrf is None or not secrets.compare_digest(sent_csrf, csrf)
            ):
                raise HTTPException(403, "missing or wrong CSRF token")
            found = principal, org
    if found is None:
        raise NotAuthenticatedError
    principal, org = found
    return Caller(principal, org, csrf)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(permission: Permission) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets the request through only with ``permission``.

    Async only because it is a pure check (no I/O): it then runs on the event loop
    instead of costing a trip to a worker thread on every request.
    """

    async def check(caller: CallerDep) -> Caller:
        if not can(caller.principal.role, permission):
            raise HTTPException(403, f"your role ({caller.principal.role}) may not do this")
        return caller

    return check


Reader = Annotated[Caller, Depends(require(Permission.READ_LEDGER))]
Writer = Annotated[Caller, Depends(require(Permission.WRITE_LEDGER))]
LimitRequester = Annotated[Caller, Depends(require(Permission.REQUEST_LIMITS))]
Auditor = Annotated[Caller, Depends(require(Permission.READ_AUDIT))]
Admin = Annotated[Caller, Depends(require(Permission.MANAGE_USERS))]


async def current_org(caller: Reader) -> Organisation:
    """The organisation of a caller allowed to read the ledger."""
    return caller.org


OrgDep = Annotated[Organisation, Depends(current_org)]
