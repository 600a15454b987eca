"""Lists read page by page: a sortable query, its total and one page of its rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradeguard.domain.errors import BadQueryError


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    total: int
    limit: int
    offset: int


def paginate(
    session: Session,
    query: Select[Any],
    sortable: dict[str, InstrumentedAttribute[Any]],
    sort: str,
    limit: int,
    offset: int,
    tiebreak: InstrumentedAttribute[Any],
) -> Page:
    name = sort.removeprefix("-")
    if name not in sortable:
        raise BadQueryError("sort", f"unknown field {name!r}; choose one of {', '.join(sortable)}")
    column = sortable[name]
    order = column.desc() if sort.startswith("-") else column.asc()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(order, tiebreak).limit(limit).offset(offset)).all()
    return Page(list(rows), total, limit, offset)
