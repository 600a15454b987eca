"""Problems in batch work are data (row, column, message), collected rather than raised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, order=True)
class RowError:
    """One problem in an input file. ``row`` counts like a spreadsheet: the header is row 1.

    ``message`` is the English the CLI and the API show; ``template`` and ``params`` are
    the same message before formatting, so that a page can show it in another language
    (the parameters are values from the file, never translated).
    """

    row: int
    column: str
    message: str
    template: str = field(default="", compare=False)
    params: Mapping[str, str] = field(default_factory=lambda: _NO_PARAMS, compare=False)

    @classmethod
    def of(cls, row: int, column: str, template: str, **params: str) -> RowError:
        """The problem ``template`` with its ``{name}`` placeholders filled from ``params``."""
        return cls(row, column, template.format(**params), template, MappingProxyType(params))

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportRejectedError(Exception):
    """The whole file was refused; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")


class TradeGuardError(Exception):
    """A failure a user can act on; the CLI prints it without a traceback."""
