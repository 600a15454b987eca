"""Signing in and out of the site, and choosing its language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.identity import service as users
from tradeguard.identity.dependencies import (
    SESSION_COOKIE,
    SignedIn,
    in_unit_of_work,
)
from tradeguard.kit.rendering import render

router = APIRouter(include_in_schema=False)


LOGIN_CSRF_COOKIE = "tg_login_csrf"


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_form(request: Request, next: str | None = None, lang: str = "en") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
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
        page = render(
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
