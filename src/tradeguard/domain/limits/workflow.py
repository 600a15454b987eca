"""The limit-request workflow and the stop-shipment states, with the moves each allows.

A limit request is decided once: ``pending`` → ``approved`` | ``rejected`` |
``withdrawn``, and those are final. A stop-shipment is temporary (until a date) or
permanent; a temporary stop never replaces a permanent one, which is lifted explicitly.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from tradeguard.domain.workflow import Workflow


class LimitRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


LIMIT_REQUEST_WORKFLOW = Workflow.of(
    {
        LimitRequestStatus.PENDING: (
            LimitRequestStatus.APPROVED,
            LimitRequestStatus.REJECTED,
            LimitRequestStatus.WITHDRAWN,
        ),
        LimitRequestStatus.APPROVED: (),
        LimitRequestStatus.REJECTED: (),
        LimitRequestStatus.WITHDRAWN: (),
    }
)


class Decision(StrEnum):
    """What a decider does with a pending request (the audit log's action)."""

    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"

    @property
    def outcome(self) -> LimitRequestStatus:
        return _OUTCOMES[self]


_OUTCOMES = {
    Decision.APPROVE: LimitRequestStatus.APPROVED,
    Decision.REJECT: LimitRequestStatus.REJECTED,
    Decision.WITHDRAW: LimitRequestStatus.WITHDRAWN,
}


class StopShipmentState(StrEnum):
    """A buyer's stop-shipment; ``NONE`` (never stored) is no stop, or one lifted."""

    NONE = "none"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"

    @classmethod
    def until(cls, day: dt.date | None) -> StopShipmentState:
        """The state a stop until ``day`` puts the buyer in: permanent without a day."""
        return cls.PERMANENT if day is None else cls.TEMPORARY


STOP_SHIPMENT_WORKFLOW = Workflow.of(
    {
        StopShipmentState.NONE: (StopShipmentState.TEMPORARY, StopShipmentState.PERMANENT),
        StopShipmentState.TEMPORARY: (
            StopShipmentState.TEMPORARY,
            StopShipmentState.PERMANENT,
            StopShipmentState.NONE,
        ),
        StopShipmentState.PERMANENT: (StopShipmentState.PERMANENT, StopShipmentState.NONE),
    }
)
