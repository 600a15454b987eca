"""The kinds of news about a buyer that an events file may carry, and the severe ones.

A severe event (an insolvency, a payment default) says the buyer may not pay at all;
the others (legal proceedings, a rating downgrade, a change of management) are warnings.
"""

from __future__ import annotations

from typing import Final

EVENT_TYPES: Final = (
    "insolvency",
    "payment_default",
    "legal_proceedings",
    "rating_downgrade",
    "management_change",
)
SEVERE_EVENT_TYPES: Final = frozenset({"insolvency", "payment_default"})
