"""The kinds of refusal, named for their condition, and an input file's problems as data
(row, column, message): collected rather than raised, then refused all at once."""

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


class TradeGuardError(Exception):
    """A refusal a user can act on; the CLI prints it without a traceback.

    Raise one of the kinds below, named for the condition: the web shell maps each kind
    to its HTTP status in one place (``web.errors``). A bare ``TradeGuardError`` is a
    bug (answered 500), never a refusal.
    """


class NotFoundError(TradeGuardError):
    """No such thing in the caller's organisation (404)."""


class InvalidInputError(TradeGuardError):
    """A value that cannot be used as given (422); ``field`` names it where one is to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BadQueryError(InvalidInputError):
    """A query parameter that cannot be used (422), named first in the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field)


class ConflictError(TradeGuardError):
    """The request conflicts with the data as it is now, e.g. an illegal state transition
    or a decision already taken (409); nothing was changed."""


class PermissionDeniedError(TradeGuardError):
    """The caller's role or organisation does not allow this (403)."""


class RateLimitedError(TradeGuardError):
    """Too many attempts: try again after ``retry_after`` seconds (429)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableError(TradeGuardError):
    """The server cannot do this now (busy database, missing font); retrying may help (503)."""


class ImportRejectedError(InvalidInputError):
    """The whole file was refused, row by row; nothing was written (422)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")
