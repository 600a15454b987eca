"""What every command shares: the ``--db``, ``--org``, ``--format`` and date options."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from tradeguard.kit.output import OutputFormat

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: TRADEGUARD_DB or sqlite)")
]


BuyerOption = Annotated[str | None, typer.Option("--buyer", help="Only this buyer")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation name")]


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


_DATE_FORM = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD; a bad one says what is wrong with it.

    ``2026-02-30`` is refused because February 2026 has 28 days, ``30/01/2026`` because
    of its form. Click turns the refusal into a usage error (exit code 2). The parser of
    every date option (``--as-of``, ``--until``).
    """
    form = _DATE_FORM.fullmatch(text.strip())
    if form is None:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-30")
    year, month, day = (int(part) for part in form.groups())
    if year < 1:
        raise typer.BadParameter(f"{text} is not a date: there is no year 0")
    if not 1 <= month <= 12:
        raise typer.BadParameter(f"{text} is not a date: there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        raise typer.BadParameter(f"{text} is not a date: {name} {year} has {days} days")
    return dt.date(year, month, day)


DATE_METAVAR = "YYYY-MM-DD"


def parse_amount(text: str, option: str = "--amount", *, zero_allowed: bool = False) -> Decimal:
    """A positive amount as written (``1250.50``), or 0 where ``zero_allowed`` (an
    insurer's refusal); a bad one is a usage error naming the option (exit code 2)."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"not an amount: {text!r}", param_hint=option) from None
    if amount.is_finite() and zero_allowed and amount == 0:
        return Decimal(0)
    if not amount.is_finite() or amount <= 0:
        raise typer.BadParameter(f"the amount must be positive, not {text}", param_hint=option)
    return amount


AsOfOption = Annotated[
    dt.date | None,
    typer.Option("--as-of", parser=parse_date, metavar=DATE_METAVAR, help="Date (default today)"),
]


def as_of_date(value: dt.date | None) -> dt.date:
    return value or dt.date.today()


def setting_changes(items: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` arguments as settings changes: the value read as JSON (numbers,
    booleans, lists), else kept as text (``mode=fitted``)."""
    changes: dict[str, object] = {}
    for item in items:
        name, _, text = item.partition("=")
        try:
            changes[name] = json.loads(text)
        except json.JSONDecodeError:
            changes[name] = text
    return changes
