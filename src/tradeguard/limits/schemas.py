"""What the API reads and writes about limits, requests and stop-shipments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradeguard.domain.limits.shipping import ShippingReason, ShippingStatus
from tradeguard.kit.bounds import Day
from tradeguard.limits import service as limits

MAX_LIMIT = limits.MAX_AMOUNT


class LimitRequestCreate(BaseModel):
    amount: Decimal = Field(ge=0, le=MAX_LIMIT, description="In the base currency")
    reason: str | None = Field(default=None, max_length=2000)


class DecisionCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_LIMIT, description="Approve another amount"
    )
    override_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why to approve a grade 9-10 or class C buyer all the same (required then)",
    )


class StopShipmentSet(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    until: Day | None = Field(
        default=None, description="Temporary, up to and including this date; none: permanent"
    )


class LimitRequestRead(BaseModel):
    id: int
    buyer_id: str
    amount: str
    currency: str
    reason: str | None
    requested_by: str
    requested_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    decision_reason: str | None
    approved_amount: str | None
    override_reason: str | None
    origin: str  # request (a person asked) or proposal (the monitoring rules proposed it)

    @classmethod
    def of(cls, request: limits.LimitRequestRecord) -> LimitRequestRead:
        return cls(
            id=request.id,
            buyer_id=request.buyer_id,
            amount=str(request.amount),
            currency=request.currency,
            reason=request.reason,
            requested_by=request.requested_by,
            requested_at=request.requested_at.isoformat(),
            status=request.status.value,
            decided_by=request.decided_by,
            decided_at=None if request.decided_at is None else request.decided_at.isoformat(),
            decision_reason=request.decision_reason,
            approved_amount=None
            if request.approved_amount is None
            else str(request.approved_amount),
            override_reason=request.override_reason,
            origin=request.origin,
        )


class LimitRead(BaseModel):
    amount: str
    currency: str
    request_id: int | None
    set_by: str
    set_at: str

    @classmethod
    def of(cls, limit: limits.LimitInForce) -> LimitRead:
        return cls(
            amount=str(limit.amount),
            currency=limit.currency,
            request_id=limit.request_id,
            set_by=limit.set_by,
            set_at=limit.set_at.isoformat(),
        )


class StopShipmentRead(BaseModel):
    kind: str
    until: dt.date | None
    reason: str
    set_by: str
    set_at: str
    active: bool

    @classmethod
    def of(cls, stop: limits.StopShipmentRecord) -> StopShipmentRead:
        return cls(
            kind=stop.kind.value,
            until=stop.until,
            reason=stop.reason,
            set_by=stop.set_by,
            set_at=stop.set_at.isoformat(),
            active=stop.active,
        )


class ShippingReasonRead(BaseModel):
    code: str
    message: str

    @classmethod
    def of(cls, reason: ShippingReason) -> ShippingReasonRead:
        return cls(code=reason.code, message=reason.message)


class ShippingRead(BaseModel):
    status: Literal["allowed", "prepayment", "cash_before_delivery", "stopped"]
    reasons: list[ShippingReasonRead]

    @classmethod
    def of(cls, shipping: ShippingStatus) -> ShippingRead:
        return cls(
            status=shipping.status, reasons=[ShippingReasonRead.of(r) for r in shipping.reasons]
        )


class BuyerLimitsRead(BaseModel):
    buyer_id: str
    limit: LimitRead | None
    stop_shipment: StopShipmentRead | None
    shipping: ShippingRead
    requests: list[LimitRequestRead]

    @classmethod
    def of(cls, found: limits.BuyerLimits) -> BuyerLimitsRead:
        return cls(
            buyer_id=found.buyer_id,
            limit=None if found.limit is None else LimitRead.of(found.limit),
            stop_shipment=None
            if found.stop_shipment is None
            else StopShipmentRead.of(found.stop_shipment),
            shipping=ShippingRead.of(found.shipping),
            requests=[LimitRequestRead.of(r) for r in found.requests],
        )
