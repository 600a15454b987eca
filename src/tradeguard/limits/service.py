"""Credit limit requests and decisions, the limit in force, and stop-shipment flags.

A request moves ``pending`` → ``approved`` | ``rejected`` | ``withdrawn``, once
(``domain.limits.workflow``); only a pending request can be decided, and the decision
names who, when and why. Approving sets the buyer's limit in force (``credit_limits``)
to the approved amount (the requested one unless the approver gives another). Every
step is in the audit log, and the requests themselves are the history. A stop-shipment
flag is temporary (until a date, inclusive, never in the past) or permanent; a
temporary one never replaces a permanent one, which is lifted explicitly (audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit import service as credit
from tradeguard.domain.credit.default import DEFAULT_CODES
from tradeguard.domain.credit.grading import class_terms
from tradeguard.domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TradeGuardError,
)
from tradeguard.domain.identity.access import Org
from tradeguard.domain.limits.shipping import (
    ShippingReason,
    ShippingStatus,
    StopFlag,
    shipping_status,
)
from tradeguard.domain.limits.workflow import (
    LIMIT_REQUEST_WORKFLOW,
    STOP_SHIPMENT_WORKFLOW,
    Decision,
    LimitRequestStatus,
    StopShipmentState,
)
from tradeguard.domain.money import from_minor, to_minor
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.ledger import repository as ledger
from tradeguard.limits import repository
from tradeguard.limits.models import CreditLimit, CreditLimitRequest, StopShipment

MAX_AMOUNT = (
    Decimal(10) ** 12
)  # the largest limit (API, pages, CLI): beyond it no column holds the minor units


OVERRIDE_GRADE = 9  # approving a buyer of this grade or worse (or class C) needs a reason


class LimitWorkflowError(InvalidInputError):
    pass


@dataclass(frozen=True, slots=True)
class LimitRequestRecord:
    """A limit request and its decision, as the API, the CLI and the pages show it."""

    id: int
    buyer_id: str
    amount: Decimal
    currency: str
    reason: str | None
    requested_by: str
    requested_at: dt.datetime
    status: LimitRequestStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    approved_amount: Decimal | None
    override_reason: str | None
    origin: str  # "request" (a person asked) or "proposal" (the monitoring rules)

    @classmethod
    def of(cls, row: CreditLimitRequest) -> LimitRequestRecord:
        return cls(
            id=row.id,
            buyer_id=row.buyer_id,
            amount=from_minor(row.amount, row.currency),
            currency=row.currency,
            reason=row.reason,
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            status=LimitRequestStatus(row.status),
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
            approved_amount=None
            if row.approved_amount is None
            else from_minor(row.approved_amount, row.currency),
            override_reason=row.override_reason,
            origin=row.origin,
        )

    def audit_value(self) -> audit.AuditValue:
        """The request as the audit log keeps it (amounts as strings, times ISO)."""
        value: audit.AuditValue = to_jsonable(asdict(self))
        return value


@dataclass(frozen=True, slots=True)
class LimitInForce:
    amount: Decimal
    currency: str
    request_id: int | None
    set_by: str
    set_at: dt.datetime

    @classmethod
    def of(cls, row: CreditLimit) -> LimitInForce:
        return cls(
            from_minor(row.amount, row.currency),
            row.currency,
            row.request_id,
            row.set_by,
            row.set_at,
        )


@dataclass(frozen=True, slots=True)
class StopShipmentRecord:
    """The flag as the API and the buyer page show it; ``active`` on the day it was read for."""

    kind: StopShipmentState
    until: dt.date | None
    reason: str
    set_by: str
    set_at: dt.datetime
    active: bool

    @classmethod
    def of(cls, row: StopShipment, on: dt.date) -> StopShipmentRecord:
        return cls(
            StopShipmentState(row.kind),
            row.until,
            row.reason,
            row.set_by,
            row.set_at,
            StopFlag(row.until, row.reason).active(on),
        )


@dataclass(frozen=True, slots=True)
class BuyerLimits:
    """A buyer's limit in force, stop-shipment, whether goods may ship, and its requests."""

    buyer_id: str
    limit: LimitInForce | None
    stop_shipment: StopShipmentRecord | None
    shipping: ShippingStatus
    requests: tuple[LimitRequestRecord, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the limit rules read of a buyer's latest score."""

    grade: int
    credit_class: str
    first_reason: str  # in words, for the override's refusal
    defaults: tuple[ShippingReason, ...]  # the default triggers found, in the score's order


def _minor(amount: Decimal, currency: str) -> int:
    if not amount.is_finite() or amount < 0:
        raise LimitWorkflowError("a limit is an amount of at least 0")
    if amount > MAX_AMOUNT:
        raise LimitWorkflowError(f"a limit is at most {MAX_AMOUNT:,} {currency}, not {amount}")
    try:
        return to_minor(amount, currency)
    except ValueError as error:
        raise LimitWorkflowError(str(error)) from None


def request_limit(
    session: Session,
    org: Org,
    buyer_id: str,
    amount: Decimal,
    reason: str | None,
    actor: str,
) -> LimitRequestRecord:
    ledger.buyer(session, org, buyer_id)
    minor = _minor(amount, org.base_currency)
    return _add_request(session, org, buyer_id, minor, reason, actor, "request")


def propose_limit(
    session: Session, org: Org, buyer_id: str, amount: int, reason: str, actor: str
) -> LimitRequestRecord:
    """A limit the monitoring rules propose (minor units of the base currency): a pending
    request of origin ``proposal``, decided by a credit manager like any other."""
    return _add_request(session, org, buyer_id, amount, reason, actor, "proposal")


_ADDED = {"request": "request", "proposal": "propose"}  # origin -> the audit log's action


def _add_request(
    session: Session,
    org: Org,
    buyer_id: str,
    minor: int,
    reason: str | None,
    actor: str,
    origin: str,
) -> LimitRequestRecord:
    """A pending request in the base currency, of ``origin``, in the audit log."""
    row = repository.add_request(
        session,
        org.id,
        buyer_id,
        minor,
        org.base_currency,
        reason,
        actor,
        dt.datetime.now(dt.UTC),
        origin=origin,
    )
    added = LimitRequestRecord.of(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=_ADDED[origin],
        entity="credit_limit_requests",
        entity_key=str(row.id),
        after=added.audit_value(),
    )
    return added


def cut_to_zero(
    session: Session, org: Org, buyer_id: str, reason: str, actor: str, *, today: dt.date
) -> None:
    """Cut the buyer's limit to zero and stop shipments permanently, at once (audited,
    with ``reason``): what an insolvency or a fall to grade 9–10 does. A buyer already
    at zero and stopped permanently is left alone."""
    now = dt.datetime.now(dt.UTC)
    current = repository.limit(session, org.id, buyer_id)
    if current is None or current.amount != 0:
        before = (
            None
            if current is None
            else {"amount": str(from_minor(current.amount, current.currency))}
        )
        repository.save_limit(
            session,
            org.id,
            buyer_id,
            amount=0,
            currency=org.base_currency if current is None else current.currency,
            request_id=None,
            set_by=actor,
            set_at=now,
        )
        audit.record(
            session,
            org_id=org.id,
            actor=actor,
            action="cut",
            entity="credit_limits",
            entity_key=buyer_id,
            before=before,
            after={"amount": "0", "reason": reason},
        )
    stop = repository.stop(session, org.id, buyer_id)
    if stop is None or stop.kind != StopShipmentState.PERMANENT:
        stop_shipment(session, org, buyer_id, reason, actor, today=today)


def _request_row(session: Session, org: Org, request_id: int) -> CreditLimitRequest:
    row = repository.request(session, org.id, request_id)
    if row is None:
        raise NotFoundError(f"no limit request {request_id}")
    return row


def decide(
    session: Session,
    org: Org,
    request_id: int,
    decision: str,
    reason: str,
    actor: str,
    amount: Decimal | None = None,
    *,
    override_reason: str | None = None,
    today: dt.date,
) -> LimitRequestRecord:
    """Approve, reject or withdraw a pending request (with a reason) on ``today``.

    Approving a buyer whose latest grade is 9-10 or whose class is C (scored for
    ``today`` when no score is recorded) needs an ``override_reason``; approving or
    rejecting more than the ``four_eyes_amount`` setting needs a decider other than the
    requester. The status changes by a conditional update (``kit.transitions``), so of
    two concurrent decisions exactly one wins and the other gets
    ``TransitionConflictError``.
    """
    try:
        chosen = Decision(decision)
    except ValueError:
        raise LimitWorkflowError(
            f"unknown decision {decision!r}: approve, reject or withdraw"
        ) from None
    row = _request_row(session, org, request_id)
    status = LimitRequestStatus(row.status)
    LIMIT_REQUEST_WORKFLOW.check(
        status, chosen.outcome, f"request {request_id} is already {status}"
    )
    if not reason.strip():
        raise LimitWorkflowError("a decision needs a reason")
    override = (override_reason or "").strip() or None
    approved = None
    if chosen is Decision.APPROVE:
        approved = row.amount if amount is None else _minor(amount, row.currency)
        override = _check_override(session, org, row.buyer_id, override, today)
    elif override is not None:
        raise LimitWorkflowError("only an approval takes an override reason")
    if chosen is not Decision.WITHDRAW:
        _check_four_eyes(session, org, row, approved, actor)
    before = LimitRequestRecord.of(row).audit_value()
    now = dt.datetime.now(dt.UTC)
    repository.move_request(
        session,
        row,
        chosen.outcome,
        {
            "decided_by": actor,
            "decided_at": now,
            "decision_reason": reason,
            "approved_amount": approved,
            "override_reason": override,
        },
        f"request {request_id} was decided by someone else meanwhile",
    )
    if approved is not None:
        _set_limit(session, org, row, approved, actor, now)
    session.flush()
    decided = LimitRequestRecord.of(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=chosen.value,
        entity="credit_limit_requests",
        entity_key=str(row.id),
        before=before,
        after=decided.audit_value(),
    )
    return decided


def _check_override(
    session: Session, org: Org, buyer_id: str, override: str | None, today: dt.date
) -> str | None:
    """The override reason, required when the buyer's latest grade is 9-10 or class C."""
    score = latest_assessment(session, org, buyer_id, today)
    if score is None or (score.grade < OVERRIDE_GRADE and score.credit_class != "C"):
        return override
    if override is None:
        raise LimitWorkflowError(
            f"buyer {buyer_id} is grade {score.grade}, class {score.credit_class}"
            f" ({score.first_reason}): approving needs an override reason"
            " (--override-reason TEXT, or override_reason in the API)"
        )
    return override


def _check_four_eyes(
    session: Session, org: Org, row: CreditLimitRequest, approved: int | None, actor: str
) -> None:
    """Above ``four_eyes_amount`` the requester may not decide their own request."""
    threshold = Decimal(str(credit.load_settings(session, org).four_eyes_amount))
    largest = from_minor(max(row.amount, approved or 0), row.currency)
    if largest > threshold and actor == row.requested_by:
        raise PermissionDeniedError(
            f"request {row.id} is over {threshold} {row.currency}: it needs a decider other"
            f" than its requester ({row.requested_by}) (four eyes)"
        )


def latest_assessment(
    session: Session, org: Org, buyer_id: str, today: dt.date
) -> Assessment | None:
    """The buyer's latest recorded score (computed for ``today`` when none is recorded);
    None when it cannot be computed (e.g. a missing FX rate)."""
    try:
        score = credit.buyer_score(session, org, buyer_id, today=today)
    except NotFoundError:
        raise
    except TradeGuardError:
        return None
    reasons = score.reasons
    first = "no reasons recorded" if not reasons else (reasons[0].message or reasons[0].code)
    defaults = tuple(
        ShippingReason(r.code, r.message or r.factor) for r in reasons if r.code in DEFAULT_CODES
    )
    return Assessment(score.grade, score.credit_class, first, defaults)


def _set_limit(
    session: Session,
    org: Org,
    request: CreditLimitRequest,
    amount: int,
    actor: str,
    now: dt.datetime,
) -> None:
    current = repository.limit(session, org.id, request.buyer_id)
    before = (
        None if current is None else {"amount": str(from_minor(current.amount, current.currency))}
    )
    repository.save_limit(
        session,
        org.id,
        request.buyer_id,
        amount=amount,
        currency=request.currency,
        request_id=request.id,
        set_by=actor,
        set_at=now,
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update" if before else "insert",
        entity="credit_limits",
        entity_key=request.buyer_id,
        before=before,
        after={"amount": str(from_minor(amount, request.currency)), "request_id": request.id},
    )


def buyer_limits(session: Session, org: Org, buyer_id: str, on: dt.date) -> BuyerLimits:
    """A buyer's limit in force, stop-shipment flag (and whether it applies on ``on``),
    whether goods may ship (``shipping``: from the class, grade, default triggers and the
    stop) and every limit request with its decision, oldest first."""
    ledger.buyer(session, org, buyer_id)
    limit = repository.limit(session, org.id, buyer_id)
    stop = current_stop(session, org, buyer_id, on)
    return BuyerLimits(
        buyer_id=buyer_id,
        limit=None if limit is None else LimitInForce.of(limit),
        stop_shipment=stop,
        shipping=_shipping(session, org, buyer_id, stop, on),
        requests=tuple(history(session, org, buyer_id)),
    )


def _shipping(
    session: Session, org: Org, buyer_id: str, stop: StopShipmentRecord | None, day: dt.date
) -> ShippingStatus:
    score = latest_assessment(session, org, buyer_id, day)
    flag = None if stop is None else StopFlag(stop.until, stop.reason)
    if score is None:
        return shipping_status(None, None, None, (), flag, day)
    terms = class_terms(score.credit_class, credit.load_settings(session, org))
    return shipping_status(score.credit_class, score.grade, terms, score.defaults, flag, day)


def history(session: Session, org: Org, buyer_id: str | None = None) -> list[LimitRequestRecord]:
    return [LimitRequestRecord.of(r) for r in repository.requests(session, org.id, buyer_id)]


def stop_shipment(
    session: Session,
    org: Org,
    buyer_id: str,
    reason: str,
    actor: str,
    until: dt.date | None = None,
    *,
    today: dt.date,
) -> StopShipmentRecord:
    """Stop deliveries: until a date (temporary, inclusive) or, without one, permanently.

    ``until`` before ``today`` is refused, and a temporary stop never replaces a
    permanent one: lifting that is its own decision (``lift_stop``).
    """
    ledger.buyer(session, org, buyer_id)
    if not reason.strip():
        raise LimitWorkflowError("a stop-shipment needs a reason")
    if until is not None and until < today:
        raise LimitWorkflowError(
            f"--until {until.isoformat()} is in the past (today is {today.isoformat()}):"
            " give today or a later date, or no date for a permanent stop"
        )
    current = repository.stop(session, org.id, buyer_id)
    state = StopShipmentState.until(until)
    if current is not None:
        STOP_SHIPMENT_WORKFLOW.check(
            StopShipmentState(current.kind),
            state,
            f"buyer {buyer_id} has a permanent stop-shipment ({current.reason}); a temporary"
            " stop does not replace it: lift it first (stop-shipment lift)",
        )
    before = None if current is None else _stop_audit_value(current)
    row = repository.save_stop(
        session,
        org.id,
        buyer_id,
        state=state,
        until=until,
        reason=reason,
        set_by=actor,
        set_at=dt.datetime.now(dt.UTC),
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="stop_shipment",
        entity="stop_shipments",
        entity_key=buyer_id,
        before=before,
        after=_stop_audit_value(row),
    )
    return StopShipmentRecord.of(row, today)


def lift_stop(session: Session, org: Org, buyer_id: str, reason: str, actor: str) -> None:
    """Lift the stop (temporary or permanent), with a reason; audited."""
    if not reason.strip():
        raise LimitWorkflowError("lifting a stop-shipment needs a reason")
    row = repository.stop(session, org.id, buyer_id)
    if row is None:
        raise NotFoundError(f"buyer {buyer_id!r} has no stop-shipment")
    STOP_SHIPMENT_WORKFLOW.check(StopShipmentState(row.kind), StopShipmentState.NONE)
    before = _stop_audit_value(row)
    repository.delete_stop(session, row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="lift_stop_shipment",
        entity="stop_shipments",
        entity_key=buyer_id,
        before=before,
        after={"reason": reason},
    )


def current_stop(
    session: Session, org: Org, buyer_id: str, on: dt.date
) -> StopShipmentRecord | None:
    """The buyer's stop-shipment, in force on ``on`` or not (an expired one is still
    there to lift); None without one."""
    row = repository.stop(session, org.id, buyer_id)
    return None if row is None else StopShipmentRecord.of(row, on)


def _stop_audit_value(row: StopShipment) -> audit.AuditValue:
    return {
        "kind": row.kind,
        "until": None if row.until is None else row.until.isoformat(),
        "reason": row.reason,
    }


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A limit request waiting for a decision, with its buyer's latest grade and class."""

    id: int
    buyer_id: str
    buyer_name: str
    amount: Decimal
    currency: str
    reason: str | None
    requested_by: str
    requested_at: dt.datetime
    grade: int | None
    credit_class: str | None
    origin: str  # request (a person asked) or proposal (the monitoring rules)


def pending_limit_requests(session: Session, org: Org) -> list[PendingRequest]:
    """Every pending limit request of the organisation, oldest first."""
    return [
        PendingRequest(
            r.id,
            r.buyer_id,
            name,
            from_minor(r.amount, r.currency),
            r.currency,
            r.reason,
            r.requested_by,
            r.requested_at,
            grade,
            klass,
            r.origin,
        )
        for r, name, grade, klass in repository.pending_requests(session, org.id)
    ]


def limit_request(session: Session, org: Org, request_id: int) -> LimitRequestRecord:
    return LimitRequestRecord.of(_request_row(session, org, request_id))
