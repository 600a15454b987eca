"""Reading and writing organisations, users, API tokens, browser sessions and the login
throttle's counters.

Tokens and sessions are looked up by the SHA-256 of their secret, which the service
computes; nothing here sees a secret. The caller lookups of every request are statements
built once (composing one costs more than running it) that select table columns, not ORM
entities: SQLAlchemy skips the ORM's loading machinery, which cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    String,
    Table,
    bindparam,
    case,
    delete,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tradeguard.domain.identity.access import LoginBackOff
from tradeguard.identity.models import ApiToken, LoginThrottle, Organisation, User, WebSession
from tradeguard.kit.orm import UtcDateTime

# Organisations


def organisation_named(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_names(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.name).order_by(Organisation.name)))


def add_organisation(session: Session, name: str, base_currency: str, locale: str) -> Organisation:
    org = Organisation(name=name, base_currency=base_currency, locale=locale)
    session.add(org)
    session.flush()
    return org


# Users


def user_by_email(session: Session, email: str) -> User | None:
    """The user signing in with ``email`` (already lower-cased), in any organisation."""
    return session.scalar(select(User).where(User.email == email))


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == email)) is not None


def add_user(
    session: Session, org_id: int, email: str, password_hash: str, role: str, language: str
) -> User:
    user = User(
        org_id=org_id, email=email, password_hash=password_hash, role=role, language=language
    )
    session.add(user)
    session.flush()
    return user


def user(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)


def users(session: Session, org_id: int | None) -> list[User]:
    """The users (of one organisation with ``org_id``), by e-mail."""
    query = select(User).order_by(User.email)
    if org_id is not None:
        query = query.where(User.org_id == org_id)
    return list(session.scalars(query))


# API tokens


def add_token(
    session: Session,
    user_id: int,
    token_hash: str,
    prefix: str,
    created_at: dt.datetime,
    expires_at: dt.datetime | None,
) -> ApiToken:
    row = ApiToken(
        user_id=user_id,
        token_hash=token_hash,
        prefix=prefix,
        created_at=created_at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def tokens(session: Session, org_id: int, email: str | None) -> list[tuple[ApiToken, str]]:
    """The organisation's tokens with their users' e-mails (one user's with ``email``),
    oldest first."""
    query = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(User.org_id == org_id)
        .order_by(ApiToken.id)
    )
    if email is not None:
        query = query.where(User.email == email)
    return [(token, user_email) for token, user_email in session.execute(query)]


def token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def organisation_token(session: Session, org_id: int, token_id: int) -> tuple[ApiToken, str] | None:
    """A token of the organisation with its user's e-mail; None for another's."""
    found = session.execute(
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == token_id, User.org_id == org_id)
    ).one_or_none()
    return None if found is None else (found[0], found[1])


def live_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens not revoked yet."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        )
    )


# Browser sessions


def add_web_session(
    session: Session,
    user_id: int,
    token_hash: str,
    csrf_token: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    session.add(
        WebSession(
            user_id=user_id,
            token_hash=token_hash,
            csrf_token=csrf_token,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def delete_web_sessions_expired(session: Session, now: dt.datetime) -> None:
    session.execute(delete(WebSession).where(WebSession.expires_at < now))


def delete_web_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def delete_web_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


# Who calls: one query per request

_USERS = User.__table__
_ORGS = Organisation.__table__
_CALLER_COLUMNS = (
    _USERS.c.id,
    _USERS.c.email,
    _USERS.c.org_id,
    _USERS.c.role,
    _USERS.c.language,
    _ORGS.c.name.label("org_name"),
    _ORGS.c.base_currency,
)
_TOKEN_HASH = bindparam("token_hash", type_=String)
_TOKENS = ApiToken.__table__
_NOW = bindparam("now", type_=UtcDateTime())
# Revoked and expired tokens find no caller: refused at once, also by a running server.
_BY_TOKEN = (
    select(*_CALLER_COLUMNS, _TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at)
    .select_from(
        _TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id).join(
            _ORGS, _ORGS.c.id == _USERS.c.org_id
        )
    )
    .where(
        _TOKENS.c.token_hash == _TOKEN_HASH,
        _TOKENS.c.revoked_at.is_(None),
        or_(_TOKENS.c.expires_at.is_(None), _TOKENS.c.expires_at > _NOW),
    )
)
# A touch never waits: a request that finds the row locked by another request's touch
# leaves it to that one.
_TOKEN_ID = bindparam("token_id", type_=Integer)
_STALE = bindparam("stale", type_=UtcDateTime())
_TOUCH = (
    update(ApiToken)
    .where(
        _TOKENS.c.id.in_(
            select(_TOKENS.c.id)
            .where(
                _TOKENS.c.id == _TOKEN_ID,
                or_(_TOKENS.c.last_used_at.is_(None), _TOKENS.c.last_used_at < _STALE),
            )
            .with_for_update(skip_locked=True)
        )
    )
    .values(last_used_at=_NOW)
)
_WEB_SESSIONS = WebSession.__table__
# A caller's columns (``_CALLER_COLUMNS`` and the token's or the session's), by name.
CallerRow = Row[*tuple[Any, ...]]
_BY_WEB_SESSION = (
    select(*_CALLER_COLUMNS, _WEB_SESSIONS.c.expires_at, _WEB_SESSIONS.c.csrf_token)
    .select_from(
        _WEB_SESSIONS.join(_USERS, _USERS.c.id == _WEB_SESSIONS.c.user_id).join(
            _ORGS, _ORGS.c.id == _USERS.c.org_id
        )
    )
    .where(_WEB_SESSIONS.c.token_hash == _TOKEN_HASH)
)


def caller_by_token(session: Session, token_hash: str, now: dt.datetime) -> CallerRow | None:
    """The user and organisation columns of a live token's caller, with the token's
    ``token_id`` and ``last_used_at``; None for an unknown, revoked or expired token."""
    found = session.connection().execute(_BY_TOKEN, {"token_hash": token_hash, "now": now})
    return found.one_or_none()


def touch_token(session: Session, token_id: int, stale: dt.datetime, now: dt.datetime) -> None:
    """Set the token's ``last_used_at`` to ``now`` when it is older than ``stale``."""
    session.connection().execute(_TOUCH, {"token_id": token_id, "stale": stale, "now": now})


def caller_by_web_session(session: Session, token_hash: str) -> CallerRow | None:
    """The user and organisation columns of a browser session's caller, with the
    session's ``expires_at`` and ``csrf_token``."""
    found = session.connection().execute(_BY_WEB_SESSION, {"token_hash": token_hash})
    return found.one_or_none()


# The login throttle: one counter per account and per client address


_THROTTLE = cast(Table, LoginThrottle.__table__)


def _ensure_counter(session: Session, kind: str, key: str) -> None:
    """The counter's row, created at zero unless it exists (safe under concurrency)."""
    values = {"kind": kind, "key": key, "failures": 0, "next_attempt_ms": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(_THROTTLE).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(_THROTTLE).values(values).on_conflict_do_nothing())


def _wait_ms(back_off: LoginBackOff, failures: ColumnElement[int]) -> ColumnElement[int]:
    """``back_off.wait_after(failures)`` in milliseconds, as SQL (one ``CASE``)."""
    return case(
        (failures < back_off.free_failures, 0),
        *((failures == count, 1000 * wait) for count, wait in back_off.waits()),
        else_=1000 * back_off.max_wait_s,
    )


def _counter(kind: str, key: str) -> ColumnElement[bool]:
    return (_THROTTLE.c.kind == kind) & (_THROTTLE.c.key == key)


def take_turn(
    session: Session, kind: str, key: str, back_off: LoginBackOff, now_ms: int
) -> int | None:
    """Count one more attempt under ``key`` if its turn has come (None), else the wait left
    in milliseconds.

    One ``UPDATE ... WHERE next_attempt_ms <= now RETURNING``: the database decides,
    so of any number of parallel attempts only as many get a turn as the back-off allows.
    """
    _ensure_counter(session, kind, key)
    now = literal(now_ms, BigInteger)
    forgotten = _THROTTLE.c.next_attempt_ms < now - 1000 * back_off.forget_after_s
    failures: ColumnElement[int] = case((forgotten, 1), else_=_THROTTLE.c.failures + 1)
    taken = session.execute(
        update(_THROTTLE)
        .where(
            _counter(kind, key),
            # free tries need no wait: parallel ones whose clocks were read a moment
            # apart must not refuse each other
            (_THROTTLE.c.failures < back_off.free_failures)
            | forgotten
            | (_THROTTLE.c.next_attempt_ms <= now),
        )
        .values(failures=failures, next_attempt_ms=now + _wait_ms(back_off, failures))
        .returning(_THROTTLE.c.failures)
    ).first()
    if taken is not None:
        return None
    next_attempt_ms = session.scalar(select(_THROTTLE.c.next_attempt_ms).where(_counter(kind, key)))
    return max(int(next_attempt_ms or now_ms) - now_ms, 1)


def wait_from_now(
    session: Session, kind: str, key: str, back_off: LoginBackOff, now_ms: int
) -> None:
    """Start the counter's wait again from now, the moment the failure is known: time
    spent checking the password never shortens the next attempt's wait."""
    due = literal(now_ms, BigInteger) + _wait_ms(back_off, _THROTTLE.c.failures)
    session.execute(
        update(_THROTTLE)
        .where(_counter(kind, key), _THROTTLE.c.next_attempt_ms < due)
        .values(next_attempt_ms=due)
    )


def forget_counters(session: Session, kind: str, key: str, idle_before_ms: int) -> None:
    """Delete the counter under ``key`` and every counter idle since before ``idle_before_ms``."""
    session.execute(
        delete(_THROTTLE).where(
            _counter(kind, key) | (_THROTTLE.c.next_attempt_ms < idle_before_ms)
        )
    )


def uncount_attempt(session: Session, kind: str, key: str) -> None:
    """Take one attempt off the counter under ``key`` (never below zero)."""
    session.execute(
        update(_THROTTLE)
        .where(_counter(kind, key), _THROTTLE.c.failures > 0)
        .values(failures=_THROTTLE.c.failures - 1)
    )
