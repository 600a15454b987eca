"""Calendar arithmetic shared by the credit and the receivables rules."""

from __future__ import annotations

import calendar
import datetime as dt


def months_back(day: dt.date, count: int) -> dt.date:
    """``day`` moved back ``count`` calendar months.

    A day the target month lacks becomes its last day (Mar 31 − 1 month = Feb 29 in a
    leap year, Feb 28 otherwise), and a month end stays a month end (Feb 29 − 1 month =
    Jan 31; Jun 30 − 3 months = Mar 31): countback months and quarterly observation
    dates then cover whole months.
    """
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    year, month = divmod(day.year * 12 + day.month - 1 - count, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, last if month_end else min(day.day, last))


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
