"""Reading the site's HTML forms: dates, amounts, links that keep the query."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from tradeguard.domain.errors import InvalidInputError

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
