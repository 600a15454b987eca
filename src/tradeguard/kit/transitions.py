"""Conditional state transitions: how every workflow moves a row from one status to the next.

Reading a row, checking its status in Python and then writing the new one lets two
concurrent requests both pass the check (both see ``pending``, both decide). The write
carries the check instead::

    UPDATE credit_limit_requests SET status = 'approved', ...
    WHERE id = :id AND status = 'pending'

The database runs it atomically: on PostgreSQL the second transaction waits for the
first's row lock and then re-evaluates the condition against the committed row; on
SQLite writers are serialised. The row count says who won: 1, this transaction; 0,
someone else changed the row first, and ``TransitionConflictError`` (409 in the API)
rolls this unit of work back, so the loser writes nothing, audit rows included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradeguard.domain.errors import ConflictError
from tradeguard.kit.orm import Base


class TransitionConflictError(ConflictError):
    """The row was not (or no longer) in the state the change starts from (409)."""


def transition(
    session: Session,
    entity: type[Base],
    key: ColumnElement[bool],
    status: InstrumentedAttribute[str],
    expected: str,
    values: Mapping[str, Any],
    conflict: str,
) -> None:
    """``UPDATE entity SET values WHERE key AND status = expected``; exactly one row must
    change, else ``TransitionConflictError(conflict)``. Objects of ``entity`` already in
    the session are not refreshed: call ``session.refresh`` on the one you hold."""
    statement = (
        update(entity)
        .where(key, status == expected)
        .values(dict(values))
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    if result.rowcount != 1:
        raise TransitionConflictError(conflict)
