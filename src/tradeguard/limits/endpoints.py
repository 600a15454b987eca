"""``/api/v1``: a buyer's limits, the limit-request workflow and stop-shipments.

Reading needs ``read_ledger`` (every role); requesting, deciding and stopping need
``write_ledger`` or ``request_limit``. Every change is audited by the service with the
user (``user:<email>``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tradeguard.identity.dependencies import Caller, LimitRequester, Reader, Writer
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.limits import service as limits
from tradeguard.limits.schemas import (
    BuyerLimitsRead,
    DecisionCreate,
    LimitRequestCreate,
    LimitRequestRead,
    StopShipmentRead,
    StopShipmentSet,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


@router.get("/buyers/{buyer_id}/limits", tags=["limits"])
async def buyer_limits(buyer_id: str, reader: Reader) -> BuyerLimitsRead:
    """The limit in force, the stop-shipment flag and every limit request with its
    decision (the history), oldest first."""
    return BuyerLimitsRead.of(await reader.call(limits.buyer_limits, buyer_id, dt.date.today()))


@router.post(
    "/buyers/{buyer_id}/limit-requests", tags=["limits"], status_code=status.HTTP_201_CREATED
)
async def create_limit_request(
    buyer_id: str, body: LimitRequestCreate, requester: LimitRequester
) -> LimitRequestRead:
    """Ask for a credit limit (pending until approved, rejected or withdrawn)."""

    def request(session: Session, caller: Caller) -> LimitRequestRead:
        return LimitRequestRead.of(
            limits.request_limit(
                session, caller.org, buyer_id, body.amount, body.reason, caller.actor
            )
        )

    return await requester.run(request)


@router.post("/limit-requests/{request_id}/{decision}", tags=["limits"])
async def decide_limit_request(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Literal["approve", "reject", "withdraw"],
    body: DecisionCreate,
    writer: Writer,
) -> LimitRequestRead:
    """Approve (optionally another amount: the limit comes into force), reject or
    withdraw a pending request, with a reason. Approving a grade 9-10 or class C buyer
    needs ``override_reason``; above the ``four_eyes_amount`` setting the requester may
    not decide; 409 when the request is already decided (or was, meanwhile)."""

    def decide(session: Session, caller: Caller) -> LimitRequestRead:
        if decision != "approve" and body.amount is not None:
            raise HTTPException(422, "only an approval takes an amount")
        decided = limits.decide(
            session,
            caller.org,
            request_id,
            decision,
            body.reason,
            caller.actor,
            body.amount,
            override_reason=body.override_reason,
            today=dt.date.today(),
        )
        return LimitRequestRead.of(decided)

    return await writer.run(decide)


@router.put("/buyers/{buyer_id}/stop-shipment", tags=["limits"])
async def set_stop_shipment(
    buyer_id: str, body: StopShipmentSet, writer: Writer
) -> StopShipmentRead:
    """Stop shipments to the buyer: temporarily (``until``, today or later) or
    permanently; a temporary stop never replaces a permanent one (lift it first)."""
    today = dt.date.today()

    def stop(session: Session, caller: Caller) -> StopShipmentRead:
        stopped = limits.stop_shipment(
            session, caller.org, buyer_id, body.reason, caller.actor, body.until, today=today
        )
        return StopShipmentRead.of(stopped)

    return await writer.run(stop)


@router.delete(
    "/buyers/{buyer_id}/stop-shipment",
    tags=["limits"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def lift_stop_shipment(
    buyer_id: str,
    writer: Writer,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> None:
    """Lift the buyer's stop-shipment (with a reason)."""
    await writer.run(
        lambda session, caller: limits.lift_stop(
            session, caller.org, buyer_id, reason, caller.actor
        )
    )
