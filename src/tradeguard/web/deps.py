"""Request dependencies: the unit of work, the authenticated caller and their organisation.

A request is authenticated by a personal API token (``Authorization: Bearer``) or by
the session cookie of a signed-in browser. Every endpoint then names the permission it
needs (``require``); the organisation always comes from the caller, never from the
request, so nothing can read or change another organisation's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

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


def get_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class NotAuthenticatedError(Exception):
    """No valid token or session: 401 for the API, a redirect to the login page for pages."""


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    org: Organisation
    csrf_token: str | None  # set for browser sessions; API tokens need none


async def _csrf_from(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def get_caller(request: Request, session: SessionDep) -> Caller:
    authorization = request.headers.get("authorization", "")
    csrf: str | None = None
    principal: Principal | None = None
    if authorization.lower().startswith("bearer "):
        principal = users.principal_for_token(session, authorization[7:].strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = users.principal_for_web_session(session, cookie)
        if found is not None:
            principal, csrf = found
            if request.method not in _SAFE_METHODS and await _csrf_from(request) != csrf:
                raise HTTPException(403, "missing or wrong CSRF token")
    if principal is None:
        raise NotAuthenticatedError
    org = session.get_one(Organisation, principal.org_id)
    return Caller(principal, org, csrf)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(permission: Permission) -> Callable[[Caller], Caller]:
    """A dependency that lets the request through only with ``permission``."""

    def check(caller: CallerDep) -> Caller:
        if not can(caller.principal.role, permission):
            raise HTTPException(403, f"your role ({caller.principal.role}) may not do this")
        return caller

    return check


Reader = Annotated[Caller, Depends(require(Permission.READ_LEDGER))]
Writer = Annotated[Caller, Depends(require(Permission.WRITE_LEDGER))]
Auditor = Annotated[Caller, Depends(require(Permission.READ_AUDIT))]
Admin = Annotated[Caller, Depends(require(Permission.MANAGE_USERS))]


def current_org(caller: Reader) -> Organisation:
    """The organisation of a caller allowed to read the ledger."""
    return caller.org


OrgDep = Annotated[Organisation, Depends(current_org)]
