"""Users, passwords (Argon2id), personal API tokens and browser sessions.

An API token may expire (``expires_at``) and be revoked (``revoked_at``); either way the
lookup of every request refuses it. Changing a password revokes the user's tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
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
    Org,
    OrgRef,
    Role,
)
from tradeguard.identity import repository
from tradeguard.identity.models import ApiToken, User
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


@dataclass(frozen=True, slots=True)
class UserInfo:
    """What may be shown of a user: never the password's hash."""

    id: int
    email: str
    role: Role
    language: str
    created_at: dt.datetime

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(user.id, user.email, Role(user.role), user.language, user.created_at)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown of a token: never its secret nor its hash."""

    id: int
    user: str  # the e-mail of the user it belongs to
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool

    @classmethod
    def of(cls, row: ApiToken, email: str) -> TokenInfo:
        return cls(
            row.id,
            email,
            row.created_at,
            row.expires_at,
            row.last_used_at,
            row.revoked_at is not None,
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: User) -> Principal:
    return Principal(user.id, user.email, user.org_id, Role(user.role), user.language)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def find(session: Session, email: str) -> User:
    user = repository.user_by_email(session, email.strip().lower())
    if user is None:
        raise NotFoundError(f"no user {email!r}")
    return user


def add_user(session: Session, org: Org, email: str, role: Role, password: str, actor: str) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInputError(f"not an e-mail address: {email!r}")
    if repository.email_taken(session, email):
        raise UserExistsError
    _check_password(password)
    user = repository.add_user(session, org.id, email, _HASHER.hash(password), role.value, "en")
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
    repository.delete_web_sessions_of(session, user.id)
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
    user = repository.user(session, principal.user_id)
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


def list_users(session: Session, org_id: int | None = None) -> list[UserInfo]:
    return [UserInfo.of(user) for user in repository.users(session, org_id)]


# Failed sign-ins are counted per account and per client address (``LoginThrottle``).
# An attempt first takes its turn in one atomic statement per counter, committed on its
# own, and only then is its password checked: parallel attempts can never check more
# passwords than the back-off allows, and no lock is held while Argon2 runs.
_ACCOUNT = "account"
_ADDRESS = "address"
_LONGEST_MEMORY_MS = 1000 * max(ACCOUNT_BACK_OFF.forget_after_s, ADDRESS_BACK_OFF.forget_after_s)


@cache
def _unknown_user_hash() -> str:
    """A real Argon2 hash to check unknown e-mails against: the same work and the same
    time as a known e-mail with a wrong password. Made on the first sign-in, not when the
    module is imported (every command would pay for it)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _epoch_ms(now: dt.datetime) -> int:
    return int(now.timestamp() * 1000)


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
            repository.take_turn(session, _ACCOUNT, _account_key(email), ACCOUNT_BACK_OFF, now_ms),
            repository.take_turn(session, _ADDRESS, address, ADDRESS_BACK_OFF, now_ms),
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
    user = repository.user_by_email(session, key)
    matches = _password_matches(user.password_hash if user else _unknown_user_hash(), password)
    now_ms = _epoch_ms(dt.datetime.now(dt.UTC))
    if user is None or not matches:
        repository.wait_from_now(session, _ACCOUNT, key, ACCOUNT_BACK_OFF, now_ms)
        repository.wait_from_now(session, _ADDRESS, address, ADDRESS_BACK_OFF, now_ms)
        return None
    repository.forget_counters(session, _ACCOUNT, key, now_ms - _LONGEST_MEMORY_MS)
    repository.uncount_attempt(session, _ADDRESS, address)
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
) -> tuple[str, TokenInfo]:
    """``create_token``, also returning what may be shown of the token."""
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidInputError(
            f"a token expires in 1 to {MAX_TOKEN_DAYS} days, not {expires_in_days}"
        )
    token = "tg_" + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    expires = None if expires_in_days is None else now + dt.timedelta(days=expires_in_days)
    row = repository.add_token(session, user.id, _digest(token), token[:10], now, expires)
    audit.record(
        session,
        org_id=user.org_id,
        actor=actor,
        action="create",
        entity="api_tokens",
        entity_key=str(row.id),
        after={"user": user.email, "expires_at": None if expires is None else expires.isoformat()},
    )
    return token, TokenInfo.of(row, user.email)


def list_tokens(session: Session, org_id: int, email: str | None = None) -> list[TokenInfo]:
    """The organisation's API tokens (one user's with ``email``), oldest first."""
    wanted = None if email is None else email.strip().lower()
    return [
        TokenInfo.of(token, owner) for token, owner in repository.tokens(session, org_id, wanted)
    ]


def token_owner(session: Session, token_id: int) -> User:
    """The user a token belongs to (``TokenNotFoundError`` when there is no such token)."""
    token = repository.token(session, token_id)
    if token is None:
        raise TokenNotFoundError(f"no API token {token_id}")
    return repository.user(session, token.user_id)


def revoke_token(session: Session, org_id: int, token_id: int, actor: str) -> TokenInfo:
    """Revoke a token of the organisation: refused from the next request on, also by a
    running server (every request looks its token up). Revoking twice is refused."""
    found = repository.organisation_token(session, org_id, token_id)
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
    return TokenInfo.of(token, email)


def _revoke_all(session: Session, user: User, actor: str) -> int:
    now = dt.datetime.now(dt.UTC)
    tokens = repository.live_tokens(session, user.id)
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


# ``last_used_at`` is written at most once a minute per token, and never waits.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def _caller(row: repository.CallerRow) -> tuple[Principal, OrgRef]:
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
    row = repository.caller_by_token(session, _digest(token), now)
    if row is None:
        return None
    if record_use and (row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION):
        repository.touch_token(session, row.token_id, now - LAST_USED_RESOLUTION, now)
    return _caller(row)


def open_web_session(session: Session, principal: Principal) -> tuple[str, str]:
    """Start a browser session; return (cookie token, CSRF token).

    Every sign-in also deletes the sessions that have expired, so the table holds only
    live sessions (a handful per user) without a job of its own.
    """
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    repository.delete_web_sessions_expired(session, now)
    repository.add_web_session(
        session,
        principal.user_id,
        _digest(token),
        csrf,
        now,
        now + dt.timedelta(hours=settings().session_hours),
    )
    return token, csrf


def caller_for_web_session(session: Session, token: str) -> tuple[Principal, OrgRef, str] | None:
    """The browser session's user, their organisation and the session's CSRF token."""
    row = repository.caller_by_web_session(session, _digest(token))
    if row is None or row.expires_at < dt.datetime.now(dt.UTC):
        return None
    principal, org = _caller(row)
    return principal, org, row.csrf_token


def close_web_session(session: Session, token: str) -> None:
    repository.delete_web_session(session, _digest(token))
