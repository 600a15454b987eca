"""The insurance API's schemas: policies, the insurer's limits, cover, notifications,
claims with their steps and recoveries, premium declarations.

Amounts are decimal strings in the policy's currency (an insurer limit: its own), as in
every other answer of the API; percentages are fractions as decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from tradeguard.domain.insurance.claim import ClaimEvent, PoliticalCause
from tradeguard.insurance import claims
from tradeguard.insurance import service as insurance
from tradeguard.insurance.premium import DeclarationRecord, TrueUp
from tradeguard.kit.bounds import Day
from tradeguard.kit.schemas import MAX_AMOUNT


class PolicyRead(BaseModel):
    id: int
    insurer: str
    number: str
    currency: str
    start: dt.date
    end: dt.date
    insured_percentage: str
    political_insured_percentage: str
    aggregate_first_loss: str
    non_qualifying_loss: str
    maximum_liability: str
    first_loss_applies: Literal["before_percentage", "after_percentage"]
    maximum_credit_period_days: int
    maximum_extension_period_days: int
    notification_deadline_days: int
    waiting_period_days: int
    premium_rate: str
    minimum_premium: str
    discretionary_limit: str
    political_risk: bool
    excluded_countries: list[str]
    recovery_sharing: Literal["pro_rata", "insured_first"]
    variant: Literal["named", "ecommerce"]
    ecommerce_caps: dict[str, str] | None = None
    ecommerce_aggregate_limit: str | None = None
    loaded_at: dt.datetime
    loaded_by: str

    @classmethod
    def of(cls, record: insurance.PolicyRecord) -> PolicyRead:
        return cls.model_validate(record.as_dict())


class PolicyCreate(BaseModel):
    """The ``[policy]`` table of docs/insurance.md as JSON: dates as YYYY-MM-DD,
    amounts as decimal strings, percentages as fractions."""

    policy: dict[str, Any] = Field(description="The policy's terms, key by key")


class InsurerLimitCreate(BaseModel):
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, description="0 = the insurer refused")
    currency: str = Field(min_length=3, max_length=3)
    effective_date: Day
    expiry_date: Day | None = None
    conditions: str | None = Field(default=None, max_length=2000)


class InsurerLimitRead(BaseModel):
    buyer_id: str
    amount: str
    currency: str
    effective_date: dt.date
    expiry_date: dt.date | None
    conditions: str | None

    @classmethod
    def of(cls, record: insurance.InsurerLimitRecord) -> InsurerLimitRead:
        return cls(
            buyer_id=record.buyer_id,
            amount=str(record.amount),
            currency=record.currency,
            effective_date=record.effective_date,
            expiry_date=record.expiry_date,
            conditions=record.conditions,
        )


class InvoiceCoverRead(BaseModel):
    invoice_id: str
    delivered_on: dt.date
    due_date: dt.date
    open: str
    covered: str
    reason: str | None = Field(description="Why (part of) it is not covered")


class CoverRead(BaseModel):
    buyer_id: str
    as_of: dt.date
    policy: str
    currency: str
    insurer_limit: InsurerLimitRead | None
    limit: str | None = Field(description="What covers a delivery today; null: nothing")
    discretionary: bool
    notified_on: dt.date | None
    open: str
    covered: str
    uncovered: str
    headroom: str | None
    invoices: list[InvoiceCoverRead]

    @classmethod
    def of(cls, found: insurance.BuyerCover) -> CoverRead:
        return cls(
            buyer_id=found.buyer_id,
            as_of=found.as_of,
            policy=found.policy_number,
            currency=found.currency,
            insurer_limit=None
            if found.insurer_limit is None
            else InsurerLimitRead.of(found.insurer_limit),
            limit=None if found.limit is None else str(found.limit),
            discretionary=found.discretionary,
            notified_on=found.notified_on,
            open=str(found.open),
            covered=str(found.covered),
            uncovered=str(found.uncovered),
            headroom=None if found.headroom is None else str(found.headroom),
            invoices=[
                InvoiceCoverRead(
                    invoice_id=i.invoice_id,
                    delivered_on=i.delivered_on,
                    due_date=i.due_date,
                    open=str(i.open),
                    covered=str(i.covered),
                    reason=i.reason,
                )
                for i in found.invoices
            ],
        )


class NotificationDueRead(BaseModel):
    invoice_id: str
    buyer_id: str
    buyer_name: str
    due_date: dt.date
    days_overdue: int
    deadline: dt.date
    days_left: int = Field(description="Negative once the deadline is missed")
    status: Literal["due", "upcoming", "missed"]
    open: str
    currency: str

    @classmethod
    def of(cls, due: insurance.NotificationDue) -> NotificationDueRead:
        return cls(
            invoice_id=due.invoice_id,
            buyer_id=due.buyer_id,
            buyer_name=due.buyer_name,
            due_date=due.due_date,
            days_overdue=due.days_overdue,
            deadline=due.deadline,
            days_left=due.days_left,
            status=due.status,  # type: ignore[arg-type]
            open=str(due.open),
            currency=due.currency,
        )


class NotificationCreate(BaseModel):
    notified_on: Day | None = Field(default=None, description="Default: today")
    reference: str | None = Field(default=None, max_length=200)


class NotificationRead(BaseModel):
    id: int
    buyer_id: str
    notified_on: dt.date
    overdue: str
    currency: str
    invoices: int
    reference: str | None
    recorded_by: str

    @classmethod
    def of(cls, record: insurance.NotificationRecord) -> NotificationRead:
        return cls(
            id=record.id,
            buyer_id=record.buyer_id,
            notified_on=record.notified_on,
            overdue=str(record.overdue),
            currency=record.currency,
            invoices=record.invoices,
            reference=record.reference,
            recorded_by=record.recorded_by,
        )


class ClaimStepRead(BaseModel):
    name: str
    amount: str = Field(description="The amount after the step")
    note: str


class ExcludedRead(BaseModel):
    invoice_id: str
    reason: str


class ClaimComputationRead(BaseModel):
    """The contract of ``tradeguard claim compute --format json``."""

    buyer_id: str
    policy: str
    currency: str
    event: ClaimEvent
    as_of: dt.date
    steps: list[ClaimStepRead]
    outstanding: str
    eligible: str
    ascertained_loss: str
    first_loss_deducted: str
    first_loss_left: str
    percentage: str
    indemnity: str
    liability_left: str
    excluded: list[ExcludedRead]
    earliest_claim_date: dt.date
    country: str
    country_grade: int | None = Field(description="The buyer's country risk grade, 1-10")
    political_risk: str | None


class RecoveryRead(BaseModel):
    id: int
    received_on: dt.date
    amount: str
    costs: str
    after_payment: bool
    insurer_share: str
    seller_share: str
    insurer_costs: str
    seller_costs: str


class ClaimRead(BaseModel):
    id: int
    buyer_id: str
    policy: str
    event: ClaimEvent
    cause: PoliticalCause | None
    loss_date: dt.date
    status: str
    currency: str
    debt: str
    ascertained_loss: str
    indemnity: str
    computation: ClaimComputationRead
    checklist: dict[str, bool]
    missing_documents: list[str]
    opened_by: str
    submitted_on: dt.date | None
    decided_on: dt.date | None
    paid_amount: str | None
    rejection_reason: str | None
    payout_days: int | None
    payout_target_days: int
    payout_breached: bool
    recoveries: list[RecoveryRead]
    insurer_recovered: str
    seller_recovered: str

    @classmethod
    def of(cls, record: claims.ClaimRecord) -> ClaimRead:
        return cls.model_validate(record.as_dict())


class ClaimCreate(BaseModel):
    buyer_id: str = Field(max_length=64)
    event: ClaimEvent = ClaimEvent.INSOLVENCY
    cause: PoliticalCause | None = Field(default=None, description="A political event's")
    loss_date: Day | None = Field(default=None, description="Default: today")


class ClaimMove(BaseModel):
    to: Literal["submitted", "under_review", "paid", "rejected", "withdrawn"]
    on: Day | None = Field(default=None, description="Default: today")
    paid_amount: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    reason: str | None = Field(default=None, max_length=2000)


class ClaimDocument(BaseModel):
    provided: bool = True


class RecoveryCreate(BaseModel):
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    costs: Decimal = Field(default=Decimal(0), ge=0, le=MAX_AMOUNT)
    received_on: Day | None = Field(default=None, description="Default: today")


class DeclarationCreate(BaseModel):
    month: str = Field(
        pattern=r"^(19\d\d|2[01]\d\d|2200)-(0[1-9]|1[0-2])$", description="YYYY-MM, 1900 to 2200"
    )
    turnover: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    reason: str | None = Field(default=None, max_length=2000)
    submit: bool = False


class DeclarationRead(BaseModel):
    id: int
    policy: str
    month: str
    currency: str
    computed_turnover: str
    turnover: str
    premium: str
    status: Literal["draft", "submitted"]
    adjustment_reason: str | None

    @classmethod
    def of(cls, record: DeclarationRecord) -> DeclarationRead:
        return cls.model_validate(record.as_dict())


class TrueUpRead(BaseModel):
    policy: str
    currency: str
    period_end: dt.date
    premiums: str
    minimum_premium: str
    true_up: str
    months_declared: int
    final: bool

    @classmethod
    def of(cls, result: TrueUp) -> TrueUpRead:
        return cls.model_validate(result.as_dict())
