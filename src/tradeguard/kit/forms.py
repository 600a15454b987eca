"""Reading the site's HTML forms: dates, amounts, links that keep the query, and a
refused form shown again with the reason and what was typed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from tradeguard.domain.errors import (
    BadQueryError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TradeGuardError,
)

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class FormValueError(InvalidInputError):
    """A form field that cannot be read: an amount that is not a number, a bad date."""


def query_string(params: Mapping[str, object]) -> str:
    """``?a=1&b=x`` of the parameters that are set (None and "" are left out)."""
    kept = {name: str(value) for name, value in params.items() if value is not None and value != ""}
    return f"?{urlencode(kept)}" if kept else ""


def form_day(value: str, field: str) -> dt.date:
    """A YYYY-MM-DD date, or ``FormValueError`` naming the field."""
    try:
        if ISO_DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise FormValueError(f"{field}: not a date in YYYY-MM-DD form: {value!r}")


def sort_link(base: str, params: Mapping[str, object], sort: str, column: str) -> str:
    """The link of a column header: ascending first, descending when already ascending."""
    order = f"-{column}" if sort == column else column
    return base + query_string({**params, "sort": order, "offset": None})


def page_day(text: str | None) -> dt.date:
    """A page's ``as_of`` query parameter (today without one); a bad date is a 422 naming
    it."""
    try:
        return form_day(text, "as_of") if text else dt.date.today()
    except FormValueError as error:
        raise BadQueryError("as_of", str(error).removeprefix("as_of: ")) from None


def form_day_or_today(text: str) -> dt.date:
    """The day a form came from (its hidden ``as_of``): today without one, or if it is bad
    (the page after the form is shown for it)."""
    try:
        return form_day(text, "as_of") if text else dt.date.today()
    except FormValueError:
        return dt.date.today()


def form_amount(text: str, field: str, largest: Decimal, *, positive: bool = False) -> Decimal:
    """An amount a form sent (more than 0 where ``positive``), at most ``largest`` either
    way, or ``FormValueError`` naming the field; the service checks the rest."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise FormValueError(f"{field}: not a number: {text!r}") from None
    if positive and amount.is_finite() and amount <= 0:
        raise FormValueError(f"{field}: more than 0 and at most {largest:,}")
    if not amount.is_finite() or abs(amount) > largest:
        raise FormValueError(f"{field}: at most {largest:,}")
    return amount


@dataclass(frozen=True, slots=True)
class Refusal:
    """A form the service refused: which one, why, and what was typed (to show it again)."""

    form: str
    message: str
    values: Mapping[str, str]
    status_code: int

    @classmethod
    def of(cls, form: str, error: TradeGuardError, values: Mapping[str, str]) -> Refusal:
        """The refusal with the status its kind of error answers: 404, 409 or 422."""
        code = 422
        if isinstance(error, NotFoundError):
            code = 404
        elif isinstance(error, ConflictError):
            code = 409
        return cls(form, str(error), values, code)


def attempt(session: Session, action: Callable[[], object]) -> TradeGuardError | None:
    """Run one service call in a savepoint: on a refusal nothing it did is kept, and the
    refusal is returned for the page to show."""
    try:
        with session.begin_nested():
            action()
    except TradeGuardError as error:
        return error
    return None
