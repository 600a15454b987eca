"""Why a buyer is in default (grade 10): the facts that trigger it, as reason entries.

The default definition follows the Basel "unlikely to pay / 90 days past due" rule the
grading uses (``domain.credit.grading``): an invoice open ``default_days_overdue`` days
or more past due, or a write-off in the last year. Insolvency is the third trigger; the
ledger has no insolvency events yet, so it cannot be named here. A trigger is a
scorecard ``Reason`` with a ``message``, so stored scores stay readable by every
consumer.
"""

from __future__ import annotations

import math

from tradeguard.domain.credit.assess import Reason

DEFAULT_DAYS_OVERDUE = "DEFAULT_DAYS_OVERDUE"
DEFAULT_WRITE_OFF = "DEFAULT_WRITE_OFF"
DEFAULT_CODES = (DEFAULT_DAYS_OVERDUE, DEFAULT_WRITE_OFF)


def default_reasons(
    oldest_open_days_overdue: float, written_off: bool, default_days: int
) -> list[Reason]:
    """The triggers that hold, the days-overdue one first; empty when none does."""
    found: list[Reason] = []
    days = oldest_open_days_overdue
    if not math.isnan(days) and days >= default_days:
        found.append(
            _reason(
                DEFAULT_DAYS_OVERDUE,
                f"In default: {default_days}+ days overdue",
                float(days),
                f"invoice {int(days)} days past due (default at {default_days})",
            )
        )
    if written_off:
        found.append(
            _reason(
                DEFAULT_WRITE_OFF,
                "In default: written off",
                None,
                "an invoice was written off in the last 365 days",
            )
        )
    return found


def _reason(code: str, factor: str, value: float | None, message: str) -> Reason:
    # No score points: a default sets grade 10 and a PD of 100% by itself.
    return Reason(code, factor, value, None, 0.0, message)
