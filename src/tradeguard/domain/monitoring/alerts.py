"""An alert's lifecycle: open → acknowledged → resolved (or open → resolved), once."""

from __future__ import annotations

from enum import StrEnum

from tradeguard.domain.workflow import Workflow


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


ALERT_WORKFLOW = Workflow.of(
    {
        AlertStatus.OPEN: (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED),
        AlertStatus.ACKNOWLEDGED: (AlertStatus.RESOLVED,),
        AlertStatus.RESOLVED: (),
    }
)

UNRESOLVED = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)
