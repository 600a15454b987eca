"""The way every endpoint reaches the database: authenticated, authorised, one unit of work.

A request is authenticated by a personal API token (``Authorization: Bearer``) or by
the session cookie of a signed-in browser. An endpoint declares the permission it needs
by the type of one parameter (``reader: Reader``, ``writer: Writer``, ...) and gets an
``Access``; it can reach the database only through ``Access.run`` (or ``call``), which,
in one trip to a worker thread, opens the unit of work, looks up the caller, checks the
permission (and a browser form's CSRF token), runs the work and commits (rolls back on
any error), or through ``Access.read``, the same for a short read without the thread.
The organisation always comes from the caller, never from the request, so nothing can
read or change another organisation's rows.

One trip instead of one per dependency, and none for a short read: each trip to the
thread pool cost about as much as the queries of a typical read (BENCHMARKS.md, API).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Concatenate, ParamSpec, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import OrgRef, Permission, can
from tradeguard.identity import service as users
from tradeguard.identity.service import Principal
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.short_reads import ShortReads

SESSION_COOKIE = "tg_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Requests that hold a unit of work (a worker thread and a pooled connection) at the
# same time; the others wait for a turn on the event loop, holding nothing. Below the
# engine's pool (``kit.settings``: 20 + 20 overflow by default), so a worker never waits for a
# connection.
MAX_CONCURRENT_UNITS_OF_WORK = 20

T = TypeVar("T")
P = ParamSpec("P")


class NotAuthenticatedError(Exception):
    """No valid token or session: 401 for the API, a redirect to the login page for pages."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of a request and the organisation they act for."""

    principal: Principal
    org: OrgRef
    csrf_token: str | None  # set for browser sessions; API tokens need none

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return f"user:{self.principal.email}"


def units_of_work_limiter() -> anyio.CapacityLimiter:
    """The limiter an application passes to ``in_unit_of_work`` (one per application)."""
    return anyio.CapacityLimiter(MAX_CONCURRENT_UNITS_OF_WORK)


async def in_unit_of_work(request: Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a worker thread inside one unit of work, committed before it returns.

    The event loop never waits for the database. A client that goes away does not cut
    the work short: it finishes (commit or rollback) in its thread either way.
    """
    engine: Engine = request.app.state.engine

    def run() -> T:
        with unit_of_work(engine) as session:
            return work(session)

    return await anyio.to_thread.run_sync(run, limiter=request.app.state.units_of_work)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request presents, read without any I/O."""

    bearer: str | None
    session_cookie: str | None
    sent_csrf: str | None  # a browser's CSRF token on a state-changing request
    state_changing: bool


async def _read_credentials(request: Request) -> Credentials:
    """The request's token or session cookie; 401 at once when it sends neither.

    Async because a form body must be awaited for its CSRF field (cached on the request:
    the endpoint reads the same form). API calls (bearer token) and safe methods need no
    CSRF token, so their bodies (uploads) are not parsed here.
    """
    authorization = request.headers.get("authorization", "")
    state_changing = request.method not in _SAFE_METHODS
    if authorization.lower().startswith("bearer "):
        return Credentials(authorization[7:].strip(), None, None, state_changing)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotAuthenticatedError
    sent: str | None = None
    if state_changing:
        sent = request.headers.get(CSRF_HEADER)
        if not sent and request.headers.get("content-type", "").startswith(_FORM_TYPES):
            value = (await request.form()).get("csrf_token")
            sent = value if isinstance(value, str) else None
    return Credentials(None, cookie, sent, state_changing)


def authenticate(session: Session, credentials: Credentials, *, record_use: bool = True) -> Caller:
    """The caller the credentials name, or ``NotAuthenticatedError``; 403 on a bad CSRF token.
    ``record_use``: note the token's use (not in a short read, which cannot write)."""
    if credentials.bearer is not None:
        found = users.caller_for_token(session, credentials.bearer, record_use=record_use)
        if found is None:
            raise NotAuthenticatedError
        return Caller(*found, None)
    web = users.caller_for_web_session(session, credentials.session_cookie or "")
    if web is None:
        raise NotAuthenticatedError
    principal, org, csrf = web
    if credentials.state_changing and (
        credentials.sent_csrf is None or not secrets.compare_digest(credentials.sent_csrf, csrf)
    ):
        raise HTTPException(403, "missing or wrong CSRF token")
    return Caller(principal, org, csrf)


class Access:
    """An endpoint's way to the database, for a caller who must hold ``permission``
    (any signed-in user when it is None)."""

    __slots__ = ("_credentials", "_permission", "_request")

    def __init__(
        self, request: Request, credentials: Credentials, permission: Permission | None
    ) -> None:
        self._request = request
        self._credentials = credentials
        self._permission = permission

    def _authorised(self, session: Session, *, record_use: bool = True) -> Caller:
        caller = authenticate(session, self._credentials, record_use=record_use)
        if self._permission is not None and not can(caller.principal.role, self._permission):
            raise HTTPException(403, f"your role ({caller.principal.role}) may not do this")
        return caller

    async def run(self, work: Callable[[Session, Caller], T]) -> T:
        """``work(session, caller)`` for an authenticated caller allowed to do this."""
        return await in_unit_of_work(
            self._request, lambda session: work(session, self._authorised(session))
        )

    async def read(self, work: Callable[[Session, Caller], T]) -> T:
        """Like ``run``, for a short read: a handful of indexed rows (one buyer's open
        invoices, one invoice), never a scan of the ledger or a count of a whole table.

        It never takes a worker thread (``kit.short_reads``): on a SQLite file it runs
        right here on the event loop, on connections that cannot write or wait for a
        lock; on PostgreSQL its queries await the network on the event loop, in a
        read-only transaction. Where neither is set up (an in-memory database, or an
        application whose lifespan has not started) it is ``run``.
        """
        reads: ShortReads | None = self._request.app.state.short_reads
        if reads is None:
            return await self.run(work)
        return await reads.run(
            lambda session: work(session, self._authorised(session, record_use=False))
        )

    async def call(
        self,
        service: Callable[Concatenate[Session, OrgRef, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``service(session, caller's organisation, *args, **kwargs)``: the common case."""
        return await self.run(lambda session, caller: service(session, caller.org, *args, **kwargs))


def require(
    permission: Permission | None,
) -> Callable[[Request], Awaitable[Access]]:
    """A dependency giving the endpoint an ``Access`` for callers with ``permission``."""

    async def access(request: Request) -> Access:
        return Access(request, await _read_credentials(request), permission)

    return access


SignedIn = Annotated[Access, Depends(require(None))]
Reader = Annotated[Access, Depends(require(Permission.READ_LEDGER))]
Writer = Annotated[Access, Depends(require(Permission.WRITE_LEDGER))]
LimitRequester = Annotated[Access, Depends(require(Permission.REQUEST_LIMITS))]
Screener = Annotated[Access, Depends(require(Permission.SCREEN_ORDERS))]
Auditor = Annotated[Access, Depends(require(Permission.READ_AUDIT))]
Admin = Annotated[Access, Depends(require(Permission.MANAGE_USERS))]
