"""Problems in batch work are data (row, column, message), collected rather than raised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class RowError:
    """One problem in an input file. ``row`` counts like a spreadsheet: the header is row 1."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportRejectedError(Exception):
    """The whole file was refused; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")


class TradeGuardError(Exception):
    """A failure a user can act on; the CLI prints it without a traceback."""
