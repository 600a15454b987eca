"""Bounds on request parameters, so that an odd value answers 422 instead of a 500.

A date far in the past makes the reports' ``as_of - timedelta(...)`` overflow
(``0001-01-01``); dates are held to what a ledger can mean. Offsets are held to what
a database integer takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from annotated_types import Interval
from fastapi import Query

EARLIEST_DATE = dt.date(1900, 1, 1)


LATEST_DATE = dt.date(2200, 12, 31)


MAX_OFFSET = 10_000_000


Day = Annotated[dt.date, Interval(ge=EARLIEST_DATE, le=LATEST_DATE)]


AsOf = Annotated[
    Day | None,
    Query(description=f"Date (default today), {EARLIEST_DATE} to {LATEST_DATE}"),
]


PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


Limit = Annotated[int, Query(ge=1, le=500)]


Offset = Annotated[int, Query(ge=0, le=10_000_000)]
