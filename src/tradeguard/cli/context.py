"""What every command shares: global options, the database, the organisation, dates."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard.cli.output import OutputFormat
from tradeguard.domain.access import Permission, can
from tradeguard.domain.errors import TradeGuardError
from tradeguard.services import organisations, users
from tradeguard.services.audit import cli_actor
from tradeguard.store.db import get_engine, is_current, migrate, resolve_url, unit_of_work
from tradeguard.store.models import Organisation

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: TRADEGUARD_DB or sqlite)")
]
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation name")]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


_DATE_FORM = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD; a bad one says what is wrong with it.

    ``2026-02-30`` is refused because February 2026 has 28 days, ``30/01/2026`` because
    of its form. Click turns the refusal into a usage error (exit code 2). The parser of
    every date option (``--as-of``, ``--until``).
    """
    form = _DATE_FORM.fullmatch(text.strip())
    if form is None:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-30")
    year, month, day = (int(part) for part in form.groups())
    if year < 1:
        raise typer.BadParameter(f"{text} is not a date: there is no year 0")
    if not 1 <= month <= 12:
        raise typer.BadParameter(f"{text} is not a date: there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        raise typer.BadParameter(f"{text} is not a date: {name} {year} has {days} days")
    return dt.date(year, month, day)


DATE_METAVAR = "YYYY-MM-DD"
AsOfOption = Annotated[
    dt.date | None,
    typer.Option("--as-of", parser=parse_date, metavar=DATE_METAVAR, help="Date (default today)"),
]


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
            raise TradeGuardError(
                "the database is empty or out of date: run `tradeguard init` first"
            )
        return engine


STATE = Context()


def authorise(session: Session, org: str | None, permission: Permission) -> Organisation:
    """The organisation a command works on, checked against the caller's role.

    With ``TRADEGUARD_TOKEN`` set, the command acts as that token's user: only in the
    user's organisation and only with the user's permissions (as the API does). Without
    it, the command runs with the rights of whoever holds the database (the operator).
    """
    token = os.environ.get(TOKEN_ENV)
    if not token:
        STATE.actor = cli_actor()
        return organisations.resolve(session, org or STATE.org)
    principal = users.principal_for_token(session, token)
    if principal is None:
        raise TradeGuardError(f"{TOKEN_ENV} is not a valid API token")
    own = session.get_one(Organisation, principal.org_id)
    wanted = org or STATE.org
    if wanted is not None and wanted != own.name:
        raise TradeGuardError(f"{principal.email} may only work in {own.name!r}")
    if not can(principal.role, permission):
        raise TradeGuardError(f"your role ({principal.role}) may not do this")
    STATE.actor = f"user:{principal.email}"
    return own


@contextmanager
def org_session(
    db: str | None, org: str | None, permission: Permission = Permission.READ_LEDGER
) -> Iterator[tuple[Session, Organisation]]:
    with unit_of_work(STATE.engine(db)) as session:
        yield session, authorise(session, org, permission)


def as_of_date(value: dt.date | None) -> dt.date:
    return value or dt.date.today()
