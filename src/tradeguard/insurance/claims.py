"""Claims on the policy: the indemnity computed step by step from the cover on the
date of loss, the claim's workflow and payout clock, its documents, and recoveries
before (they reduce the claim) and after payment (shared with the insurer). Every move
is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.country import service as country_service
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.insurance import claim as claims_core
from tradeguard.domain.insurance.claim import (
    ClaimComputation,
    ClaimEvent,
    ClaimInputs,
    ClaimLine,
    PoliticalCause,
)
from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.insurance.recoveries import share_recovery
from tradeguard.domain.insurance.workflow import CLAIM_WORKFLOW, PAYOUT_TARGET_DAYS, ClaimStatus
from tradeguard.domain.money import from_minor, minor_exponent, to_minor
from tradeguard.insurance import repository
from tradeguard.insurance.models import (
    Claim,
    ClaimRecovery,
    InsurancePolicy,
)
from tradeguard.insurance.service import PolicyRecord, cover_data, limit_on, require_policy
from tradeguard.kit.transitions import transition
from tradeguard.ledger import repository as ledger

CHECKLIST = ("invoices", "proof_of_delivery", "correspondence", "notification", "insolvency_proof")
# What a claim's first loss and maximum liability are consumed by: claims filed, not
# drafts or rejected ones.
CONSUMING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.PAID)


@dataclass(frozen=True, slots=True)
class ClaimResult:
    buyer_id: str
    policy_number: str
    currency: str
    event: ClaimEvent
    as_of: dt.date
    computation: ClaimComputation
    country: str
    country_grade: int | None  # the country's risk grade 1-10 (country capability)
    political_risk: str | None  # its political-risk level

    def as_dict(self) -> dict[str, Any]:
        """The contract of ``claim compute --format json``: amounts as decimal strings
        with the currency's decimals (more where a step's exact amount has more: only
        the indemnity is rounded)."""
        c = self.computation

        def shown(amount: Decimal) -> str:
            return _shown(amount, self.currency)

        return {
            "buyer_id": self.buyer_id,
            "policy": self.policy_number,
            "currency": self.currency,
            "event": self.event.value,
            "as_of": self.as_of.isoformat(),
            "steps": [{"name": s.name, "amount": shown(s.amount), "note": s.note} for s in c.steps],
            "outstanding": shown(c.outstanding),
            "eligible": shown(c.eligible),
            "ascertained_loss": shown(c.ascertained_loss),
            "first_loss_deducted": shown(c.first_loss_deducted),
            "first_loss_left": shown(c.first_loss_left),
            "percentage": str(c.percentage),
            "indemnity": shown(c.indemnity),
            "liability_left": shown(c.liability_left),
            "excluded": [{"invoice_id": i, "reason": r.value} for i, r in c.excluded],
            "earliest_claim_date": c.earliest_claim_date.isoformat(),
            "country": self.country,
            "country_grade": self.country_grade,
            "political_risk": self.political_risk,
        }


def _shown(amount: Decimal, currency: str) -> str:
    """``amount`` with the currency's decimals, or exactly where it has more."""
    cents = amount.quantize(Decimal(1).scaleb(-minor_exponent(currency)))
    return str(cents if cents == amount else amount.normalize())


def _consumed(
    session: Session, record: PolicyRecord, loss_date: dt.date, except_claim: int | None
) -> tuple[Decimal, Decimal]:
    """The first loss already deducted and the indemnity already committed in the
    policy year of ``loss_date`` (paid claims count what was paid)."""
    start, end = claims_core.policy_year(record.policy, loss_date)
    rows = repository.year_claims(session, record.id, start, end, [s.value for s in CONSUMING])
    currency = record.policy.currency
    first_loss = sum(
        (from_minor(r.first_loss_deducted, currency) for r in rows if r.id != except_claim),
        Decimal(0),
    )
    paid = sum(
        (
            from_minor(r.paid_amount if r.paid_amount is not None else r.indemnity, currency)
            for r in rows
            if r.id != except_claim
        ),
        Decimal(0),
    )
    return first_loss, paid


def _recoveries_before(session: Session, claim_id: int | None, currency: str) -> Decimal:
    if claim_id is None:
        return Decimal(0)
    return sum(
        (
            from_minor(r.amount - r.costs, currency)
            for r in repository.recoveries(session, claim_id)
            if not r.after_payment
        ),
        Decimal(0),
    )


def _compute(
    session: Session,
    org: Org,
    buyer_id: str,
    as_of: dt.date,
    event: ClaimEvent,
    claim_id: int | None = None,
) -> ClaimResult:
    ledger.buyer(session, org, buyer_id)
    record = require_policy(session, org, as_of)
    data = cover_data(session, org, as_of, buyer_id, record)
    currency = record.policy.currency
    unpaid = data.cover.filter(pl.col("open") > 0)
    lines = [
        ClaimLine(
            r["invoice_id"],
            r["due_date"],
            from_minor(r["open"], currency),
            from_minor(r["covered"], currency),
            # over the limit at delivery, but paid down to its insured part: not excluded
            None if r["reason"] is None or r["covered"] == r["open"] else CoverReason(r["reason"]),
        )
        for r in unpaid.sort("due_date", "invoice_id").iter_rows(named=True)
    ]
    # The cap is the limit the unpaid insured deliveries were made under: a limit the
    # insurer reduces or cancels later (as it does once told the buyer is overdue) takes
    # the cover of the deliveries after it only.
    delivered_under = unpaid.filter(pl.col("covered") > 0).select(pl.col("limit").max()).item()
    if delivered_under is None:
        limit, _ = limit_on(record.policy, data.known, buyer_id, as_of)
    else:
        limit = from_minor(delivered_under, currency)
    first_loss, paid = _consumed(session, record, as_of, claim_id)
    computation = claims_core.compute_claim(
        record.policy,
        ClaimInputs(
            lines=lines,
            event=event,
            as_of=as_of,
            credit_limit=limit if limit is not None else Decimal(0),
            recoveries_before=_recoveries_before(session, claim_id, currency),
            first_loss_consumed=first_loss,
            indemnity_paid=paid,
        ),
    )
    country = str(data.buyers["country"][0]) if data.buyers.height else ""
    try:
        risk = country_service.country_risk(session, org, country)
        grade, political = risk.grade, risk.political_risk
    except NotFoundError:
        grade, political = None, None
    return ClaimResult(
        buyer_id,
        record.policy.number,
        currency,
        event,
        as_of,
        computation,
        country,
        grade,
        political,
    )


def compute_claim(
    session: Session, org: Org, buyer_id: str, as_of: dt.date, event: ClaimEvent
) -> ClaimResult:
    """The indemnity a claim on the buyer would get on ``as_of``, every step shown,
    whether or not the waiting period is over (``earliest_claim_date`` says when)."""
    return _compute(session, org, buyer_id, as_of, event)


@dataclass(frozen=True, slots=True)
class RecoveryRecord:
    id: int
    received_on: dt.date
    amount: Decimal
    costs: Decimal
    after_payment: bool
    insurer_share: Decimal
    seller_share: Decimal
    insurer_costs: Decimal
    seller_costs: Decimal

    @classmethod
    def of(cls, row: ClaimRecovery, currency: str) -> RecoveryRecord:
        money = partial(from_minor, currency=currency)
        return cls(
            row.id,
            row.received_on,
            money(row.amount),
            money(row.costs),
            row.after_payment,
            money(row.insurer_share),
            money(row.seller_share),
            money(row.insurer_costs),
            money(row.seller_costs),
        )


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: int
    buyer_id: str
    policy_number: str
    event: str
    cause: str | None
    loss_date: dt.date
    status: str
    currency: str
    debt: Decimal
    ascertained_loss: Decimal
    indemnity: Decimal
    computation: Mapping[str, Any]
    checklist: Mapping[str, bool]
    opened_by: str
    submitted_on: dt.date | None
    decided_on: dt.date | None
    paid_amount: Decimal | None
    rejection_reason: str | None
    recoveries: list[RecoveryRecord]
    as_of: dt.date  # the day the payout clock is read on

    @property
    def payout_days(self) -> int | None:
        """Days from submission to payment (or to ``as_of`` while unpaid)."""
        if self.submitted_on is None:
            return None
        end = self.decided_on if self.status == ClaimStatus.PAID and self.decided_on else self.as_of
        return (end - self.submitted_on).days

    @property
    def payout_breached(self) -> bool:
        days = self.payout_days
        return (
            days is not None and days > PAYOUT_TARGET_DAYS and self.status != ClaimStatus.REJECTED
        )

    @property
    def insurer_recovered(self) -> Decimal:
        return sum((r.insurer_share for r in self.recoveries), Decimal(0))

    @property
    def seller_recovered(self) -> Decimal:
        return sum((r.seller_share for r in self.recoveries), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "buyer_id": self.buyer_id,
            "policy": self.policy_number,
            "event": self.event,
            "cause": self.cause,
            "loss_date": self.loss_date.isoformat(),
            "status": self.status,
            "currency": self.currency,
            "debt": str(self.debt),
            "ascertained_loss": str(self.ascertained_loss),
            "indemnity": str(self.indemnity),
            "computation": dict(self.computation),
            "checklist": dict(self.checklist),
            "missing_documents": [k for k, v in self.checklist.items() if not v],
            "opened_by": self.opened_by,
            "submitted_on": _iso(self.submitted_on),
            "decided_on": _iso(self.decided_on),
            "paid_amount": None if self.paid_amount is None else str(self.paid_amount),
            "rejection_reason": self.rejection_reason,
            "payout_days": self.payout_days,
            "payout_target_days": PAYOUT_TARGET_DAYS,
            "payout_breached": self.payout_breached,
            "recoveries": [
                {
                    "id": r.id,
                    "received_on": r.received_on.isoformat(),
                    "amount": str(r.amount),
                    "costs": str(r.costs),
                    "after_payment": r.after_payment,
                    "insurer_share": str(r.insurer_share),
                    "seller_share": str(r.seller_share),
                    "insurer_costs": str(r.insurer_costs),
                    "seller_costs": str(r.seller_costs),
                }
                for r in self.recoveries
            ],
            "insurer_recovered": str(self.insurer_recovered),
            "seller_recovered": str(self.seller_recovered),
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _record(session: Session, row: Claim, as_of: dt.date) -> ClaimRecord:
    policy = session.get(InsurancePolicy, row.policy_id)
    assert policy is not None  # a foreign key
    money = partial(from_minor, currency=row.currency)
    return ClaimRecord(
        id=row.id,
        buyer_id=row.buyer_id,
        policy_number=policy.number,
        event=row.event,
        cause=row.cause,
        loss_date=row.loss_date,
        status=row.status,
        currency=row.currency,
        debt=money(row.debt),
        ascertained_loss=money(row.ascertained_loss),
        indemnity=money(row.indemnity),
        computation=row.computation,
        checklist={k: bool(v) for k, v in row.checklist.items()},
        opened_by=row.opened_by,
        submitted_on=row.submitted_on,
        decided_on=row.decided_on,
        paid_amount=None if row.paid_amount is None else money(row.paid_amount),
        rejection_reason=row.rejection_reason,
        recoveries=[
            RecoveryRecord.of(r, row.currency) for r in repository.recoveries(session, row.id)
        ],
        as_of=as_of,
    )


def _store(row: Claim, result: ClaimResult) -> None:
    c = result.computation
    row.debt = to_minor(c.outstanding, result.currency)
    row.ascertained_loss = to_minor(c.ascertained_loss, result.currency)
    row.first_loss_deducted = _minor_exact(c.first_loss_deducted, result.currency)
    row.indemnity = to_minor(c.indemnity, result.currency)
    row.computation = result.as_dict()


def _minor_exact(amount: Decimal, currency: str) -> int:
    """Minor units of an amount the arithmetic kept exact (a first loss after the
    percentage may carry a fraction of a cent): rounded half to even, as the last step."""
    return to_minor(amount.quantize(Decimal(1).scaleb(-minor_exponent(currency))), currency)


def _claim_row(session: Session, org: Org, claim_id: int) -> Claim:
    row = repository.claim(session, org.id, claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id}")
    return row


def open_claim(
    session: Session,
    org: Org,
    buyer_id: str,
    loss_date: dt.date,
    event: ClaimEvent,
    actor: str,
    cause: PoliticalCause | None = None,
) -> ClaimRecord:
    """Open a draft claim on the buyer for a loss on ``loss_date``, computed now and
    recomputed on every change until it is submitted; a political event names its
    ``cause``. Audited."""
    if (event is ClaimEvent.POLITICAL) != (cause is not None):
        raise InvalidInputError(
            "a political claim names its cause (transfer, moratorium, war,"
            " licence_cancellation); other events have none",
            "cause",
        )
    if repository.claims(session, org.id, buyer_id=buyer_id, status=ClaimStatus.DRAFT):
        raise ConflictError(f"buyer {buyer_id} already has a draft claim: submit or remove it")
    result = _compute(session, org, buyer_id, loss_date, event)
    record = require_policy(session, org, loss_date)
    row = Claim(
        org_id=org.id,
        policy_id=record.id,
        buyer_id=buyer_id,
        event=event.value,
        cause=None if cause is None else cause.value,
        loss_date=loss_date,
        status=ClaimStatus.DRAFT.value,
        currency=result.currency,
        checklist=dict.fromkeys(CHECKLIST, False),
        opened_by=actor,
        opened_at=dt.datetime.now(dt.UTC),
    )
    _store(row, result)
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="open_claim",
        entity="claims",
        entity_key=str(row.id),
        after={
            "buyer_id": buyer_id,
            "event": event.value,
            "cause": row.cause,
            "loss_date": loss_date.isoformat(),
            "indemnity": str(result.computation.indemnity),
            "currency": result.currency,
        },
    )
    return _record(session, row, loss_date)


def get_claim(session: Session, org: Org, claim_id: int, as_of: dt.date) -> ClaimRecord:
    return _record(session, _claim_row(session, org, claim_id), as_of)


def list_claims(
    session: Session,
    org: Org,
    as_of: dt.date,
    *,
    buyer_id: str | None = None,
    status: str | None = None,
) -> list[ClaimRecord]:
    return [
        _record(session, r, as_of)
        for r in repository.claims(session, org.id, buyer_id=buyer_id, status=status)
    ]


def set_document(
    session: Session,
    org: Org,
    claim_id: int,
    document: str,
    provided: bool,
    actor: str,
    as_of: dt.date,
) -> ClaimRecord:
    """Tick (or untick) a document of the claim's checklist while it is a draft."""
    row = _claim_row(session, org, claim_id)
    if document not in CHECKLIST:
        raise InvalidInputError(
            f"unknown document {document!r}; one of: {', '.join(CHECKLIST)}", "document"
        )
    if row.status != ClaimStatus.DRAFT:
        raise ConflictError(f"claim {claim_id} is {row.status}: its documents are fixed")
    before = dict(row.checklist)
    row.checklist = {**before, document: provided}
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="claim_document",
        entity="claims",
        entity_key=str(claim_id),
        before=before,
        after=dict(row.checklist),
    )
    return _record(session, row, as_of)


def move_claim(
    session: Session,
    org: Org,
    claim_id: int,
    target: ClaimStatus,
    actor: str,
    on: dt.date,
    *,
    paid_amount: Decimal | None = None,
    reason: str | None = None,
) -> ClaimRecord:
    """Move a claim along ``draft → submitted → under_review → paid | rejected`` (an
    illegal move is refused, 409). Submitting recomputes and freezes the indemnity and
    needs every document; paying records the amount paid (default: the indemnity);
    rejecting needs a reason. Audited."""
    row = _claim_row(session, org, claim_id)
    current = ClaimStatus(row.status)
    CLAIM_WORKFLOW.check(
        current, target, f"claim {claim_id} is {current}: it cannot become {target}"
    )
    values: dict[str, object] = {}
    if target is ClaimStatus.SUBMITTED:
        missing = [k for k, v in row.checklist.items() if not v]
        if missing:
            raise InvalidInputError(
                f"claim {claim_id} lacks documents: {', '.join(missing)} (claim document)"
            )
        result = _compute(session, org, row.buyer_id, row.loss_date, ClaimEvent(row.event), row.id)
        earliest = result.computation.earliest_claim_date
        if on < earliest:
            raise InvalidInputError(
                f"a {row.event} claim on buyer {row.buyer_id} may be filed from {earliest}"
                " (the waiting period), not on " + on.isoformat()
            )
        _store(row, result)
        values = {
            "submitted_on": on,
            "debt": row.debt,
            "ascertained_loss": row.ascertained_loss,
            "first_loss_deducted": row.first_loss_deducted,
            "indemnity": row.indemnity,
            "computation": row.computation,
        }
    elif target is ClaimStatus.PAID:
        amount = from_minor(row.indemnity, row.currency) if paid_amount is None else paid_amount
        if amount < 0:
            raise InvalidInputError("a claim is paid 0 or more", "amount")
        values = {"decided_on": on, "paid_amount": to_minor(amount, row.currency)}
    elif target is ClaimStatus.REJECTED:
        if not (reason or "").strip():
            raise InvalidInputError("rejecting a claim needs the insurer's reason", "reason")
        values = {"decided_on": on, "rejection_reason": reason}
    transition(
        session,
        Claim,
        Claim.id == claim_id,
        Claim.status,
        CLAIM_WORKFLOW,
        current,
        target,
        values,
        f"claim {claim_id} changed meanwhile; reload it",
    )
    session.refresh(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=f"claim_{target.value}",
        entity="claims",
        entity_key=str(claim_id),
        before={"status": current.value},
        after={
            "status": target.value,
            **{k: _audit_scalar(v) for k, v in values.items() if k != "computation"},
        },
    )
    return _record(session, row, on)


def _audit_scalar(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def record_recovery(
    session: Session,
    org: Org,
    claim_id: int,
    amount: Decimal,
    received_on: dt.date,
    actor: str,
    costs: Decimal = Decimal(0),
) -> ClaimRecord:
    """Money recovered on the claim's debt. Before the claim is paid it reduces the claim
    (recomputed, also once submitted: the insurer pays what is left); after, it is
    shared between seller and insurer as the policy says, costs the same way. Audited."""
    row = _claim_row(session, org, claim_id)
    if amount <= 0 or costs < 0 or costs > amount:
        raise InvalidInputError(
            "a recovery is more than 0, and its costs between 0 and it", "amount"
        )
    if row.status == ClaimStatus.REJECTED:
        raise ConflictError(f"claim {claim_id} was rejected: the recovery is the seller's alone")
    policy = Policy.from_dict(_policy_row(session, row).terms)
    currency = row.currency
    after = row.status == ClaimStatus.PAID
    zero = Decimal(0)
    share = None
    if after:
        record = _record(session, row, received_on)
        paid = record.paid_amount or zero
        # The debt shared is what the buyer still owed when the claim was paid: the
        # recoveries before it had already settled part of the debt on the claim.
        recovered_before = sum((r.amount for r in record.recoveries if not r.after_payment), zero)
        share = share_recovery(
            policy,
            amount,
            costs,
            indemnity=paid,
            debt=max(record.debt - recovered_before, paid),
            insurer_recovered=record.insurer_recovered,
        )
    recovery = ClaimRecovery(
        org_id=org.id,
        claim_id=claim_id,
        received_on=received_on,
        amount=to_minor(amount, currency),
        costs=to_minor(costs, currency),
        after_payment=after,
        insurer_share=to_minor(share.insurer if share else zero, currency),
        seller_share=to_minor(share.seller if share else zero, currency),
        insurer_costs=to_minor(share.insurer_costs if share else zero, currency),
        seller_costs=to_minor(share.seller_costs if share else zero, currency),
        recorded_by=actor,
    )
    session.add(recovery)
    session.flush()
    if not after:  # not paid yet: the claim is what is left after it
        _store(
            row, _compute(session, org, row.buyer_id, row.loss_date, ClaimEvent(row.event), row.id)
        )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="claim_recovery",
        entity="claims",
        entity_key=str(claim_id),
        after={
            "received_on": received_on.isoformat(),
            "amount": str(amount),
            "costs": str(costs),
            "after_payment": after,
            "insurer_share": str(share.insurer) if share else None,
            "seller_share": str(share.seller) if share else None,
        },
    )
    return _record(session, row, received_on)


def _policy_row(session: Session, row: Claim) -> InsurancePolicy:
    policy = session.get(InsurancePolicy, row.policy_id)
    assert policy is not None  # a foreign key
    return policy
