"""``/api/v1/disputes``: list, open and resolve disputes.

Reading needs ``read_ledger`` (every role); opening and resolving need ``write_ledger``.
Every change is audited by the service with the user (``user:<email>``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.orm import Session

from tradeguard.disputes import service as disputes
from tradeguard.disputes.schemas import DisputeCreate, DisputeRead, DisputeResolve
from tradeguard.domain.disputes import DisputeStatus
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.get("/disputes", tags=["disputes"])
async def list_disputes(
    reader: Reader,
    status_: Annotated[DisputeStatus | None, Query(alias="status")] = None,
    buyer: Annotated[str | None, Query(max_length=64)] = None,
) -> list[DisputeRead]:
    """The organisation's disputes, oldest first: open, resolved or both, of one buyer
    (404 when it is not the organisation's) or of all."""
    found = await reader.call(disputes.list_disputes, status=status_, buyer_id=buyer)
    return [DisputeRead.of(record) for record in found]


@router.post("/disputes", tags=["disputes"], status_code=status.HTTP_201_CREATED)
async def open_dispute(body: DisputeCreate, writer: Writer) -> DisputeRead:
    """Open a dispute on an invoice (404 when it is not the organisation's; 409 when the
    dispute id is taken). The amount is at most the invoice's."""
    opened_on = body.opened_on or dt.date.today()

    def open_(session: Session, caller: Caller) -> DisputeRead:
        record = disputes.open_dispute(
            session,
            caller.org,
            body.invoice_id,
            body.reason,
            caller.actor,
            opened_on=opened_on,
            amount=body.amount,
            dispute_id=body.dispute_id,
        )
        return DisputeRead.of(record)

    return await writer.run(open_)


@router.post("/disputes/{dispute_id}/resolve", tags=["disputes"])
async def resolve_dispute(
    dispute_id: Annotated[str, Path(max_length=disputes.DISPUTE_ID_LENGTH)],
    body: DisputeResolve,
    writer: Writer,
) -> DisputeRead:
    """Resolve an open dispute as valid or justified, on or after the day it was opened;
    409 when it is already resolved."""
    resolved_on = body.resolved_on or dt.date.today()

    def resolve(session: Session, caller: Caller) -> DisputeRead:
        record = disputes.resolve_dispute(
            session,
            caller.org,
            dispute_id,
            body.outcome,
            caller.actor,
            resolved_on=resolved_on,
            comment=body.comment,
        )
        return DisputeRead.of(record)

    return await writer.run(resolve)
