"""What the API reads and writes about disputes."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradeguard.disputes import service as disputes
from tradeguard.kit.bounds import Day

# The most an amount may be: what a 15-digit count of minor units holds (imports).
MAX_DISPUTED = Decimal(10) ** 15


class DisputeCreate(BaseModel):
    invoice_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)
    amount: Decimal | None = Field(
        default=None,
        gt=0,
        le=MAX_DISPUTED,
        description="In the invoice's currency; default: what was open on it that day",
    )
    opened_on: Day | None = Field(default=None, description="Default: today")
    dispute_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=disputes.DISPUTE_ID_LENGTH,
        description='Default: generated ("D-" and 12 hexadecimal digits)',
    )


class DisputeResolve(BaseModel):
    outcome: Literal["valid", "justified"] = Field(
        description="valid: the buyer must pay; justified: a credit note follows"
    )
    resolved_on: Day | None = Field(default=None, description="Default: today")
    comment: str | None = Field(default=None, max_length=2000, description="Kept in the audit log")


class DisputeRead(BaseModel):
    dispute_id: str
    invoice_id: str
    buyer_id: str
    opened_on: str
    reason: str | None
    amount: str | None
    currency: str
    resolved_on: str | None
    outcome: str | None
    status: Literal["open", "resolved"]

    @classmethod
    def of(cls, record: disputes.DisputeRecord) -> DisputeRead:
        return cls(
            dispute_id=record.dispute_id,
            invoice_id=record.invoice_id,
            buyer_id=record.buyer_id,
            opened_on=record.opened_on.isoformat(),
            reason=record.reason,
            amount=None if record.amount is None else str(record.amount),
            currency=record.currency,
            resolved_on=None if record.resolved_on is None else record.resolved_on.isoformat(),
            outcome=record.outcome,
            status=record.status.value,
        )
