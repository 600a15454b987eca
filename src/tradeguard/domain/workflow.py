"""A workflow's states and the moves between them, as data the core checks.

A table maps each state to the states it may move to; a state with no moves is final.
Checking a move against the table is the rule; the database's conditional update
(``kit.transitions``) is what makes two concurrent moves safe, and it checks here first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from tradeguard.domain.errors import ConflictError

S = TypeVar("S", bound=StrEnum)


class IllegalTransitionError(ConflictError):
    """The move is not in the workflow's table, e.g. deciding twice (409)."""


@dataclass(frozen=True, slots=True)
class Workflow(Generic[S]):
    """The legal moves of one workflow: ``moves[state]`` are the states it may go to."""

    moves: Mapping[S, frozenset[S]]

    @classmethod
    def of(cls, moves: Mapping[S, Iterable[S]]) -> Workflow[S]:
        """The table from ``{state: targets}``; every target must be a state of the table."""
        table = {state: frozenset(targets) for state, targets in moves.items()}
        unknown = frozenset().union(*table.values()) - table.keys()
        if unknown:
            raise ValueError(f"moves to states without a row: {sorted(unknown)}")
        return cls(MappingProxyType(table))

    def allows(self, current: S, target: S) -> bool:
        return target in self.moves[current]

    def is_final(self, state: S) -> bool:
        return not self.moves[state]

    def check(self, current: S, target: S, refusal: str | None = None) -> None:
        """Refuse a move the table does not have, with ``refusal`` as the message."""
        if not self.allows(current, target):
            raise IllegalTransitionError(refusal or f"cannot move from {current} to {target}")
