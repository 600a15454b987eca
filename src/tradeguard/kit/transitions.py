"""Conditional state transitions: how a workflow moves a row from one status to the next.

The move is first checked against the workflow's table (``domain.workflow``): an illegal
one is refused before any write. Reading a row, checking its status in Python and then
writing the new one would still let two concurrent requests both pass the check (both see
``pending``, both decide). The write carries the check instead::

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
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradeguard.domain.workflow import IllegalTransitionError, Workflow
from tradeguard.kit.orm import Base

S = TypeVar("S", bound=StrEnum)


class TransitionConflictError(IllegalTransitionError):
    """The row was no longer in the state the move starts from: another transaction moved
    it first (409)."""


def transition(
    session: Session,
    entity: type[Base],
    key: ColumnElement[bool],
    status: InstrumentedAttribute[str],
    workflow: Workflow[S],
    current: S,
    target: S,
    values: Mapping[str, object],
    conflict: str,
) -> None:
    """``UPDATE entity SET status = target, values WHERE key AND status = current``, once
    ``workflow`` allows the move; exactly one row must change, else
    ``TransitionConflictError(conflict)``. Objects of ``entity`` already in the session are
    not refreshed: call ``session.refresh`` on the one you hold."""
    workflow.check(current, target)
    statement = (
        update(entity)
        .where(key, status == current.value)
        .values({status.key: target.value, **values})
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    if result.rowcount != 1:
        raise TransitionConflictError(conflict)
