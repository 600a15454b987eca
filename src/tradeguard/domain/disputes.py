"""A dispute's status and outcomes: open until resolved, once, as valid or justified.

``valid``: the buyer's objection fails and the invoice must be paid; ``justified``: the
buyer is right and a credit note follows. The status is derived: resolved once the
dispute has a resolution day (and with it an outcome).
"""

from __future__ import annotations

from enum import StrEnum


class DisputeOutcome(StrEnum):
    VALID = "valid"
    JUSTIFIED = "justified"


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
