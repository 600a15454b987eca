"""What the screening API reads and writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradeguard.kit.bounds import Day
from tradeguard.screening import service as screening


class ScreeningCreate(BaseModel):
    buyer_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(gt=0, le=screening.MAX_AMOUNT, description="The order's amount")
    currency: str | None = Field(
        default=None, min_length=3, max_length=3, description="Default: the base currency"
    )
    terms_days: int | None = Field(default=None, ge=0, le=screening.MAX_TERMS_DAYS)
    order_id: str | None = Field(default=None, min_length=1, max_length=64)
    as_of: Day | None = Field(default=None, description="The screening day (default today)")

    def order(self) -> screening.OrderRequest:
        return screening.OrderRequest(
            self.buyer_id, self.amount, self.currency, self.terms_days, self.order_id
        )


class ScreeningReasonRead(BaseModel):
    code: str
    message: str


class ScreeningRead(BaseModel):
    screening_id: int
    buyer_id: str
    order_id: str | None
    as_of: dt.date
    screened_at: str
    screened_by: str
    amount: str = Field(description="The order's amount, in order_currency")
    order_currency: str
    terms_days: int | None
    decision: Literal["approve", "approve_with_prepayment", "cash_before_delivery", "hold"]
    prepayment_share: float | None = Field(description="0..1 for approve_with_prepayment")
    limit: str | None = Field(description="The limit in force (base currency); none: no limit")
    exposure_before: str = Field(description="Open receivables and open orders, base currency")
    exposure_after: str
    currency: str = Field(description="The base currency")
    insured: bool | None
    grade: int | None
    credit_class: str | None
    high_risk: bool
    reasons: list[ScreeningReasonRead] = Field(description="The deciding reason first")

    @classmethod
    def of(cls, record: screening.ScreeningRecord, language: str) -> ScreeningRead:
        return cls(
            screening_id=record.screening_id,
            buyer_id=record.buyer_id,
            order_id=record.order_id,
            as_of=record.as_of,
            screened_at=record.screened_at.isoformat(),
            screened_by=record.screened_by,
            amount=str(record.amount),
            order_currency=record.order_currency,
            terms_days=record.terms_days,
            decision=record.decision,
            prepayment_share=record.prepayment_share,
            limit=None if record.limit is None else str(record.limit),
            exposure_before=str(record.exposure_before),
            exposure_after=str(record.exposure_after),
            currency=record.currency,
            insured=record.insured,
            grade=record.grade,
            credit_class=record.credit_class,
            high_risk=record.high_risk,
            reasons=[
                ScreeningReasonRead(**r)
                for r in screening.reason_messages(record.reasons, language)
            ],
        )


class QuarterRead(BaseModel):
    quarter: str
    high_risk_orders: int
    intercepted: int
    share: float | None


class InterceptionRead(BaseModel):
    """The share of high-risk orders intercepted (screened and not approved), per quarter."""

    quarters: list[QuarterRead]
