"""May goods be shipped to a buyer on open account today, and why (or why not).

From the buyer's credit class and grade (``domain.credit.grading``), the default
triggers found by the assessment and the stop-shipment flag on a date:

- ``stopped``: a stop-shipment is in force on that day (nothing is shipped);
- ``cash_before_delivery``: class C (grades beyond ``class_b_max_grade``, always grade
  10, in default): deliver only against cash paid in advance;
- ``prepayment``: class B: open account with a partial prepayment;
- ``allowed``: class A, or a buyer not assessed yet (said so in the reasons).

The default triggers come first in the reasons whenever they hold, so the banner names
them (e.g. "invoice 138 days past due (default at 90)").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ShippingState = Literal["allowed", "prepayment", "cash_before_delivery", "stopped"]


@dataclass(frozen=True, slots=True)
class ShippingReason:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class StopFlag:
    """A stop-shipment: permanent when ``until`` is None, else up to that day inclusive."""

    until: dt.date | None
    reason: str

    def active(self, on: dt.date) -> bool:
        return self.until is None or on <= self.until


@dataclass(frozen=True, slots=True)
class ShippingStatus:
    status: ShippingState
    reasons: tuple[ShippingReason, ...]


_CLASS_STATE: dict[str, ShippingState] = {
    "A": "allowed",
    "B": "prepayment",
    "C": "cash_before_delivery",
}


def shipping_status(
    credit_class: str | None,
    grade: int | None,
    terms: str | None,
    default_reasons: Sequence[ShippingReason],
    stop: StopFlag | None,
    on: dt.date,
) -> ShippingStatus:
    """The status and its reasons; ``terms`` is the class's terms in words."""
    reasons: list[ShippingReason] = []
    if stop is not None and stop.active(on):
        when = "permanently" if stop.until is None else f"until {stop.until.isoformat()}"
        reasons.append(ShippingReason("STOP_SHIPMENT", f"shipments stopped {when}: {stop.reason}"))
    reasons.extend(default_reasons)
    if credit_class is None:
        reasons.append(ShippingReason("NOT_ASSESSED", "not assessed yet: score the buyer"))
        state: ShippingState = "allowed"
    else:
        state = _CLASS_STATE[credit_class]
        reasons.append(
            ShippingReason(
                f"CLASS_{credit_class}", f"class {credit_class} (grade {grade}): {terms}"
            )
        )
    if stop is not None and stop.active(on):
        state = "stopped"
    return ShippingStatus(state, tuple(reasons))
