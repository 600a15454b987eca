"""What the API reads and writes about limits, requests and stop-shipments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

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


class LimitRead(BaseModel):
    amount: str
    currency: str
    request_id: int | None
    set_by: str
    set_at: str


class StopShipmentRead(BaseModel):
    kind: str
    until: dt.date | None
    reason: str
    set_by: str
    set_at: str
    active: bool


class ShippingReasonRead(BaseModel):
    code: str
    message: str


class ShippingRead(BaseModel):
    status: Literal["allowed", "prepayment", "cash_before_delivery", "stopped"]
    reasons: list[ShippingReasonRead]


class BuyerLimitsRead(BaseModel):
    buyer_id: str
    limit: LimitRead | None
    stop_shipment: StopShipmentRead | None
    shipping: ShippingRead
    requests: list[LimitRequestRead]
