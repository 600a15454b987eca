"""Users, passwords (Argon2id), personal API tokens and browser sessions.

An API token may expire (``expires_at``) and be revoked (``revoked_at``); either way the
lookup of every request refuses it. Changing a password revokes the user's tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
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

from tradeguard.audit import service as audit
from tradeguard.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from tradeguard.domain.identity.access import (
    ACCOUNT_BACK_OFF,
    ADDRESS_BACK_OFF,
    LoginBackOff,
    Org,
    OrgRef,
    Role,
)
from tradeguard.identity.models import ApiToken, LoginThrottle, Organisation, User, WebSession
from tradeguard.kit.orm import UtcDateTime
from tradeguard.kit.settings import settings

_HASHER = PasswordHasher()  # Argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
LANGUAGES = ("en", "zh")


class TokenNotFoundError(NotFoundError):
    pass


class LoginThrottledError(RateLimitedError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"too many failed logins; try again in {int(retry_after) + 1} s", retry_after
        )


class UserExistsError(ConflictError):
    """The e-mail address already signs someone in, in this organisation or another.

    The message is the same either way and names no organisation: an administrator
    learns that the address cannot be used, never whose it is.
    """

    def __init__(self) -> None:
        super().__init__("cannot create this user: the e-mail address cannot be used")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: int
    email: str
    org_id: int
    role: Role
    language: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: User) -> Principal:
    return Principal(user.id, user.email, user.org_id, Role(user.role), user.language)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def find(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user {email!r}")
    return user


def add_user(session: Session, org: Org, email: str, role: Role, password: str, actor: str) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInputError(f"not an e-mail address: {email!r}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserExistsError
    _check_password(password)
    user = User(
        org_id=org.id,
        email=email,
        password_hash=_HASHER.hash(password),
        role=role.value,
        language="en",
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="create",
        entity="users",
        entity_key=email,
        after={"email": email, "role": role.value},
    )
    return user


def set_password(session: Session, user: User, password: str, actor: str) -> int:
    """Set the password, sign out the user's browsers and revoke their API tokens (a
    changed password usually means the old secrets may be known); returns how many
    tokens were revoked."""
    _check_password(password)
    user.password_hash = _HASHER.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    revoked = _revoke_all(session, user, actor)
    audit.record(
        session,
        org_id=user.org_id,
        actor=actor,
        action="password",
        entity="users",
        entity_key=user.email,
        after={"api_tokens_revoked": revoked},
    )
    return revoked


def set_language(session: Session, principal: Principal, language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInputError(f"unsupported language {language!r}")
    user = session.get_one(User, principal.user_id)
    if user.language != language:
        audit.record(
            session,
            org_id=user.org_id,
            actor=f"user:{user.email}",
            action="update",
            entity="users",
            entity_key=user.email,
            before={"language": user.language},
            after={"language": language},
        )
        user.language = language


def list_users(session: Session, org_id: int | None = None) -> list[User]:
    query = select(User).order_by(User.email)
    if org_id is not None:
        query = query.where(User.org_id == org_id)
    return list(session.scalars(query))


# Failed sign-ins are counted per account and per client address (``LoginThrottle``).
# An attempt first takes its turn in one atomic statement per counter, committed on its
# own, and only then is its password checked: parallel attempts can never check more
# passwords than the back-off allows, and no lock is held while Argon2 runs.
_THROTTLE = cast(Table, LoginThrottle.__table__)
_ACCOUNT = "account"
_ADDRESS = "address"
_LONGEST_MEMORY_MS = 1000 * max(ACCOUNT_BACK_OFF.forget_after_s, ADDRESS_BACK_OFF.forget_after_s)
# A real Argon2 hash to check unknown e-mails against: the same work and the same time
# as a known e-mail with a wrong password.
_UNKNOWN_USER_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def _epoch_ms(now: dt.datetime) -> int:
    return int(now.timestamp() * 1000)


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


def _take_turn(
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


def _wait_from_now(
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


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _account_key(email: str) -> str:
    return email.strip().lower()


def reserve_login(session: Session, email: str, address: str) -> None:
    """Take this attempt's turn for the e-mail (known or not) and the client address, or
    raise ``LoginThrottledError`` with the wait.

    Counted as a failure until ``authenticate`` succeeds; the caller commits this before
    checking the password, so that parallel attempts see it. When either counter
    refuses, the caller's rollback gives the other its turn back.
    """
    now_ms = _epoch_ms(dt.datetime.now(dt.UTC))
    waits = [
        wait
        for wait in (
            _take_turn(session, _ACCOUNT, _account_key(email), ACCOUNT_BACK_OFF, now_ms),
            _take_turn(session, _ADDRESS, address, ADDRESS_BACK_OFF, now_ms),
        )
        if wait is not None
    ]
    if waits:
        raise LoginThrottledError(max(waits) / 1000)


def authenticate(session: Session, email: str, password: str, address: str) -> Principal | None:
    """Check a password whose attempt ``reserve_login`` has let through.

    Unknown e-mails cost one Argon2 check too (no enumeration by timing). Success resets
    the account's counter and takes this attempt off the address's; a failure stays
    counted, and its wait starts again from the moment it is known.
    """
    key = _account_key(email)
    user = session.scalar(select(User).where(User.email == key))
    matches = _password_matches(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    now_ms = _epoch_ms(dt.datetime.now(dt.UTC))
    if user is None or not matches:
        _wait_from_now(session, _ACCOUNT, key, ACCOUNT_BACK_OFF, now_ms)
        _wait_from_now(session, _ADDRESS, address, ADDRESS_BACK_OFF, now_ms)
        return None
    session.execute(
        delete(_THROTTLE).where(
            _counter(_ACCOUNT, key) | (_THROTTLE.c.next_attempt_ms < now_ms - _LONGEST_MEMORY_MS)
        )
    )
    session.execute(
        update(_THROTTLE)
        .where(_counter(_ADDRESS, address), _THROTTLE.c.failures > 0)
        .values(failures=_THROTTLE.c.failures - 1)
    )
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return _principal(user)


MAX_TOKEN_DAYS = 3650


def create_token(
    session: Session, user: User, actor: str, *, expires_in_days: int | None = None
) -> str:
    """A new personal API token; returned once, stored only as its SHA-256. It expires
    after ``expires_in_days`` days (never without)."""
    return issue_token(session, user, actor, expires_in_days=expires_in_days)[0]


def issue_token(
    session: Session, user: User, actor: str, *, expires_in_days: int | None = None
) -> tuple[str, dict[str, Any]]:
    """``create_token``, also returning what may be shown of the token (``token_as_dict``)."""
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInputError(
            f"a token expires in 1 to {MAX_TOKEN_DAYS} days, not {expires_in_days}"
        )
    token = "tg_" + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    expires = None if expires_in_days is None else now + dt.timedelta(days=expires_in_days)
    row = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        prefix=token[:10],
        created_at=now,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_id=user.org_id,
        actor=actor,
        action="create",
        entity="api_tokens",
        entity_key=str(row.id),
        after={"user": user.email, "expires_at": None if expires is None else expires.isoformat()},
    )
    return token, token_as_dict(row, user.email)


def token_as_dict(row: ApiToken, email: str) -> dict[str, Any]:
    """What may be shown of a token: never its secret nor its hash."""
    return {
        "id": row.id,
        "user": email,
        "created_at": row.created_at.isoformat(),
        "expires_at": None if row.expires_at is None else row.expires_at.isoformat(),
        "last_used_at": None if row.last_used_at is None else row.last_used_at.isoformat(),
        "revoked": row.revoked_at is not None,
    }


def list_tokens(session: Session, org_id: int, email: str | None = None) -> list[dict[str, Any]]:
    """The organisation's API tokens (one user's with ``email``), oldest first."""
    query = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(User.org_id == org_id)
        .order_by(ApiToken.id)
    )
    if email is not None:
        query = query.where(User.email == email.strip().lower())
    return [token_as_dict(token, user_email) for token, user_email in session.execute(query)]


def token_owner(session: Session, token_id: int) -> User:
    """The user a token belongs to (``TokenNotFoundError`` when there is no such token)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFoundError(f"no API token {token_id}")
    return session.get_one(User, token.user_id)


def revoke_token(session: Session, org_id: int, token_id: int, actor: str) -> dict[str, Any]:
    """Revoke a token of the organisation: refused from the next request on, also by a
    running server (every request looks its token up). Revoking twice is refused."""
    found = session.execute(
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == token_id, User.org_id == org_id)
    ).one_or_none()
    if found is None:
        raise TokenNotFoundError(f"no API token {token_id}")
    token, email = found
    if token.revoked_at is not None:
        raise ConflictError(f"API token {token_id} is already revoked")
    token.revoked_at = dt.datetime.now(dt.UTC)
    session.flush()
    audit.record(
        session,
        org_id=org_id,
        actor=actor,
        action="revoke",
        entity="api_tokens",
        entity_key=str(token_id),
        after={"user": email},
    )
    return token_as_dict(token, email)


def _revoke_all(session: Session, user: User, actor: str) -> int:
    now = dt.datetime.now(dt.UTC)
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
        audit.record(
            session,
            org_id=user.org_id,
            actor=actor,
            action="revoke",
            entity="api_tokens",
            entity_key=str(token.id),
            after={"user": user.email, "why": "password changed"},
        )
    session.flush()
    return len(tokens)


def principal_for_token(session: Session, token: str) -> Principal | None:
    found = caller_for_token(session, token)
    return None if found is None else found[0]


# What a request needs of its caller (the user's columns and the organisation's), read in
# one query by statements built once (composing one costs more than running it). They
# select table columns, not ORM entities: the request gets plain values (``OrgRef``), and
# SQLAlchemy skips the ORM's loading machinery, which cost more than the query itself.
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
# ``last_used_at`` is written at most once a minute per token, and never waits: a request
# that finds the row locked by another request's touch leaves it to that one.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
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
_BY_WEB_SESSION = (
    select(*_CALLER_COLUMNS, _WEB_SESSIONS.c.expires_at, _WEB_SESSIONS.c.csrf_token)
    .select_from(
        _WEB_SESSIONS.join(_USERS, _USERS.c.id == _WEB_SESSIONS.c.user_id).join(
            _ORGS, _ORGS.c.id == _USERS.c.org_id
        )
    )
    .where(_WEB_SESSIONS.c.token_hash == _TOKEN_HASH)
)


def _caller(row: Any) -> tuple[Principal, OrgRef]:
    principal = Principal(row.id, row.email, row.org_id, Role(row.role), row.language)
    return principal, OrgRef(row.org_id, row.org_name, row.base_currency)


def caller_for_token(
    session: Session, token: str, *, record_use: bool = True
) -> tuple[Principal, OrgRef] | None:
    """The token's user and their organisation, in one query (once per API request);
    None for an unknown, revoked or expired token. With ``record_use`` (a unit of work
    that may write; never a short read) the token's ``last_used_at`` is brought up to
    date when it is older than ``LAST_USED_RESOLUTION``."""
    now = dt.datetime.now(dt.UTC)
    connection = session.connection()
    row = connection.execute(_BY_TOKEN, {"token_hash": _digest(token), "now": now}).one_or_none()
    if row is None:
        return None
    if record_use and (row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION):
        connection.execute(
            _TOUCH, {"token_id": row.token_id, "stale": now - LAST_USED_RESOLUTION, "now": now}
        )
    return _caller(row)


def open_web_session(session: Session, principal: Principal) -> tuple[str, str]:
    """Start a browser session; return (cookie token, CSRF token).

    Every sign-in also deletes the sessions that have expired, so the table holds only
    live sessions (a handful per user) without a job of its own.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            user_id=principal.user_id,
            token_hash=_digest(token),
            csrf_token=csrf,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings().session_hours),
        )
    )
    return token, csrf


def caller_for_web_session(session: Session, token: str) -> tuple[Principal, OrgRef, str] | None:
    """The browser session's user, their organisation and the session's CSRF token."""
    found = session.connection().execute(_BY_WEB_SESSION, {"token_hash": _digest(token)})
    row = found.one_or_none()
    if row is None or row.expires_at < dt.datetime.now(dt.UTC):
        return None
    principal, org = _caller(row)
    return principal, org, row.csrf_token


def close_web_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
