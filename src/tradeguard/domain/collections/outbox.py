"""An outbox e-mail's lifecycle, as the moves the sender and a person may make.

queued → sending (claimed by one sender) → sent, or failed (the server refused it, or
it could not be rendered: tried again on the next send), or unconfirmed (the connection
broke after the message was handed over, or a sender died holding it: it may have left,
so only a person sends it again, by putting it back in the queue). A message claimed by
a sender that another sender's recovery marked unconfirmed in the meantime is still
finished by the sender that holds it (unconfirmed → sent or failed): that one knows.
"""

from __future__ import annotations

from enum import StrEnum

from tradeguard.domain.workflow import Workflow


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"


OUTBOX_WORKFLOW = Workflow.of(
    {
        OutboxStatus.QUEUED: (OutboxStatus.SENDING, OutboxStatus.FAILED),
        OutboxStatus.SENDING: (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNCONFIRMED),
        OutboxStatus.FAILED: (OutboxStatus.SENDING, OutboxStatus.FAILED, OutboxStatus.QUEUED),
        OutboxStatus.UNCONFIRMED: (OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.FAILED),
        OutboxStatus.SENT: (),
    }
)

# What a send tries: the queue, and each failed message once more.
SENDABLE = (OutboxStatus.QUEUED, OutboxStatus.FAILED)
