"""Who runs a command: the database and organisation it works on, checked against the
role of ``TRADEGUARD_TOKEN``'s user when one is set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard.audit.service import cli_actor
from tradeguard.domain.errors import ConflictError, PermissionDeniedError
from tradeguard.domain.identity.access import Permission, can
from tradeguard.identity import organisations
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import get_engine, is_current, migrate, resolve_url, unit_of_work
from tradeguard.kit.settings import settings

TOKEN_ENV = "TRADEGUARD_TOKEN"


class Context:
    """Global options, overridable per command, and who is acting."""

    def __init__(self) -> None:
        self.db: str | None = None
        self.org: str | None = None
        self.actor = cli_actor()

    def engine(self, db: str | None, *, create: bool = False) -> Engine:
        engine = get_engine(resolve_url(db or self.db))
        if create:
            migrate(engine)
        elif not is_current(engine):
            raise ConflictError("the database is empty or out of date: run `tradeguard init` first")
        return engine


STATE = Context()


def authorise(session: Session, org: str | None, permission: Permission) -> Organisation:
    """The organisation a command works on, checked against the caller's role.

    With ``TRADEGUARD_TOKEN`` set, the command acts as that token's user: only in the
    user's organisation and only with the user's permissions (as the API does). Without
    it, the command runs with the rights of whoever holds the database (the operator).
    """
    token = settings().token
    if token is None:
        STATE.actor = cli_actor()
        return organisations.resolve(session, org or STATE.org)
    principal = users.principal_for_token(session, token.get_secret_value())
    if principal is None:
        raise PermissionDeniedError(f"{TOKEN_ENV} is not a valid API token")
    own = session.get_one(Organisation, principal.org_id)
    wanted = org or STATE.org
    if wanted is not None and wanted != own.name:
        raise PermissionDeniedError(f"{principal.email} may only work in {own.name!r}")
    if not can(principal.role, permission):
        raise PermissionDeniedError(f"your role ({principal.role}) may not do this")
    STATE.actor = f"user:{principal.email}"
    return own


@contextmanager
def org_session(
    db: str | None, org: str | None, permission: Permission = Permission.READ_LEDGER
) -> Iterator[tuple[Session, Organisation]]:
    with unit_of_work(STATE.engine(db)) as session:
        yield session, authorise(session, org, permission)
