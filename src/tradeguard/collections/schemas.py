"""The collections API's schemas: the dunning run and its worklist, promises to pay, call
outcomes, the contact history, the effectiveness of each step and the settings.

Amounts are decimal strings in their currency, as in every other answer of the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradeguard.collections import service as collections
from tradeguard.collections.service import CallOutcome
from tradeguard.kit.bounds import Day
from tradeguard.kit.schemas import MAX_AMOUNT


class DunningRunCreate(BaseModel):
    as_of: Day | None = Field(default=None, description="Default: today")


class ActionRead(BaseModel):
    """A step an invoice took on the run (done) or passed over in a catch-up (skipped)."""

    buyer_id: str
    invoice_id: str
    step: str
    channel: str
    days_overdue: int
    amount: str = Field(description="Open on the day, in the invoice's currency")
    currency: str
    status: Literal["done", "skipped"]
    escalated: bool = Field(description="Taken at once after a broken promise")

    @classmethod
    def of(cls, action: collections.ActionRecord) -> ActionRead:
        return cls(
            buyer_id=action.buyer_id,
            invoice_id=action.invoice_id,
            step=action.step,
            channel=action.channel,
            days_overdue=action.days_overdue,
            amount=str(action.amount),
            currency=action.currency,
            status="done" if action.status == "done" else "skipped",
            escalated=action.escalated,
        )


class DunningRunRead(BaseModel):
    """What a run did, as ``tradeguard dunning run --format json`` prints it."""

    as_of: str
    actions: list[ActionRead]
    done: int
    skipped: int
    documents: int
    promises_kept: int
    promises_broken: int

    @classmethod
    def of(cls, run: collections.DunningRun) -> DunningRunRead:
        summary = run.summary()
        return cls(
            as_of=run.as_of.isoformat(),
            actions=[ActionRead.of(a) for a in run.actions],
            done=summary["done"],
            skipped=summary["skipped"],
            documents=summary["documents"],
            promises_kept=summary["promises_kept"],
            promises_broken=summary["promises_broken"],
        )


class WorkItemRead(BaseModel):
    """A call to make, a letter to print, a hand-over to send, a promise falling due or
    an e-mail that did not leave; ``id`` is the task's, letter's (document's), hand-over's,
    promise's or message's."""

    kind: Literal["call", "letter", "handover", "promise", "email"]
    id: int
    buyer_id: str
    buyer_name: str
    step: str | None
    since: str = Field(description="The run that made it, or the promised date")
    amounts: dict[str, str] = Field(description="Open on the day, per currency")
    detail: dict[str, str | None]

    @classmethod
    def of(cls, item: collections.WorkItem) -> WorkItemRead:
        return cls.model_validate(
            {
                "kind": item.kind,
                "id": item.id,
                "buyer_id": item.buyer_id,
                "buyer_name": item.buyer_name,
                "step": item.step,
                "since": item.since.isoformat(),
                "amounts": {currency: str(a) for currency, a in item.amounts.items()},
                "detail": item.detail,
            }
        )


class WorklistRead(BaseModel):
    as_of: str
    calls: list[WorkItemRead]
    letters: list[WorkItemRead]
    handovers: list[WorkItemRead]
    promises: list[WorkItemRead]
    emails: list[WorkItemRead]

    @classmethod
    def of(cls, work: collections.Worklist) -> WorklistRead:
        def items(found: list[collections.WorkItem]) -> list[WorkItemRead]:
            return [WorkItemRead.of(i) for i in found]

        return cls(
            as_of=work.as_of.isoformat(),
            calls=items(work.calls),
            letters=items(work.letters),
            handovers=items(work.handovers),
            promises=items(work.promises),
            emails=items(work.emails),
        )


class StepEffectRead(BaseModel):
    """Per quarter and step: what was open at the step and how much of it was collected
    within the window after it, in the organisation's base currency."""

    quarter: str
    step: str
    steps: int = Field(description="Invoices that took the step in the quarter")
    amount: str
    collected: str
    currency: str
    share: float | None
    complete: bool = Field(description="Every step of the quarter is older than the window")

    @classmethod
    def of(cls, effect: collections.StepEffect, currency: str) -> StepEffectRead:
        return cls(
            quarter=effect.quarter,
            step=effect.step,
            steps=effect.steps,
            amount=str(effect.amount),
            collected=str(effect.collected),
            currency=currency,
            share=effect.share,
            complete=effect.complete,
        )


class PromiseCreate(BaseModel):
    buyer_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(
        gt=0, le=MAX_AMOUNT, description="In the currency of the invoices it covers"
    )
    promised_for: Day = Field(description="Paid by this day (today or later)")
    invoice_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Only this invoice; default: every invoice of the buyer open today",
    )
    note: str | None = Field(default=None, max_length=2000, description="What was said")


class PromiseRead(BaseModel):
    id: int
    buyer_id: str
    amount: str
    currency: str
    made_on: str
    promised_for: str
    status: Literal["open", "kept", "broken"]
    settled_on: str | None
    invoice_ids: list[str]
    note: str | None

    @classmethod
    def of(cls, promise: collections.PromiseRecord) -> PromiseRead:
        return cls.model_validate(
            {
                "id": promise.id,
                "buyer_id": promise.buyer_id,
                "amount": str(promise.amount),
                "currency": promise.currency,
                "made_on": promise.made_on.isoformat(),
                "promised_for": promise.promised_for.isoformat(),
                "status": promise.status,
                "settled_on": None
                if promise.settled_on is None
                else promise.settled_on.isoformat(),
                "invoice_ids": promise.invoice_ids,
                "note": promise.note,
            }
        )


class CallOutcomeCreate(BaseModel):
    """What a call came to; a promise needs its amount and date, a dispute its invoice
    and reason (422 otherwise)."""

    outcome: CallOutcome
    note: str | None = Field(default=None, max_length=2000)
    promise_amount: Decimal | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    promise_date: Day | None = None
    promise_invoice_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The invoice the promise is for; default: every open one of the buyer",
    )
    dispute_invoice_id: str | None = Field(default=None, min_length=1, max_length=64)
    dispute_reason: str | None = Field(default=None, min_length=1, max_length=2000)


class CallRead(BaseModel):
    id: int
    buyer_id: str
    document_id: int
    assignee: str | None
    status: str
    outcome: str | None
    note: str | None
    done_by: str | None
    promise_id: int | None
    dispute_id: str | None

    @classmethod
    def of(cls, call: collections.CallRecord) -> CallRead:
        return cls(
            id=call.id,
            buyer_id=call.buyer_id,
            document_id=call.document_id,
            assignee=call.assignee,
            status=call.status,
            outcome=call.outcome,
            note=call.note,
            done_by=call.done_by,
            promise_id=call.promise_id,
            dispute_id=call.dispute_id,
        )


class ContactRead(BaseModel):
    """One thing that passed between the organisation and the buyer about its debts."""

    on: str
    kind: Literal["letter", "email", "call", "handover", "promise", "dispute"]
    step: str | None
    summary: str
    status: str | None

    @classmethod
    def of(cls, contact: collections.Contact) -> ContactRead:
        return cls.model_validate(
            {
                "on": contact.on.isoformat(),
                "kind": contact.kind,
                "step": contact.step,
                "summary": contact.summary,
                "status": contact.status,
            }
        )


class TemplateRead(BaseModel):
    subject: str
    body: str


class StepRead(BaseModel):
    name: str
    days: int = Field(description="From the due date (negative: before it)")
    channel: list[str]
    required: bool
    templates: dict[str, TemplateRead] = Field(
        description="Per language, the wording where it differs from the shipped one"
    )


class PolicyRead(BaseModel):
    catch_up: Literal["highest", "one_step"]
    min_gap_days: int
    steps: list[StepRead]


class LetterheadRead(BaseModel):
    name: str
    address: str
    email: str
    phone: str


class DunningSettingsRead(BaseModel):
    """The ladder per credit class and the letterhead (``DunningSettings.as_dict``), the
    same document ``PUT`` takes and ``tradeguard dunning-settings set --file`` reads."""

    policies: dict[str, PolicyRead]
    letterhead: LetterheadRead
    promise_grace_days: int
    effectiveness_window_days: int
