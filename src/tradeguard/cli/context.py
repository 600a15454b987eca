"""What every command shares: global options, the database, the organisation, dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard.cli.output import OutputFormat
from tradeguard.domain.errors import TradeGuardError
from tradeguard.services import organisations
from tradeguard.store.db import get_engine, is_current, migrate, resolve_url, unit_of_work
from tradeguard.store.models import Organisation

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: TRADEGUARD_DB or sqlite)")
]
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation name")]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
AsOfOption = Annotated[
    dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date (default today)")
]


class Context:
    """Global options, overridable per command."""

    def __init__(self) -> None:
        self.db: str | None = None
        self.org: str | None = None

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


@contextmanager
def org_session(db: str | None, org: str | None) -> Iterator[tuple[Session, Organisation]]:
    with unit_of_work(STATE.engine(db)) as session:
        yield session, organisations.resolve(session, org or STATE.org)


def as_of_date(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()
