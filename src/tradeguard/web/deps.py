"""Request dependencies: the unit of work and the caller's organisation.

Every endpoint gets its organisation from ``current_org``; nothing reads another
organisation's rows. (Users, roles and tokens arrive with the authentication layer;
until then a server holds one organisation, or the request names one with ``org``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from tradeguard.domain.errors import TradeGuardError
from tradeguard.services import organisations
from tradeguard.store.db import unit_of_work
from tradeguard.store.models import Organisation


def get_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_org(session: SessionDep, org: str | None = None) -> Organisation:
    try:
        return organisations.resolve(session, org)
    except TradeGuardError as error:
        raise HTTPException(404, str(error)) from error


OrgDep = Annotated[Organisation, Depends(current_org)]
