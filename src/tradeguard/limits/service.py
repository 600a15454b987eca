"""Credit limit requests and decisions, the limit in force, and stop-shipment flags.

A request moves ``pending`` → ``approved`` | ``rejected`` | ``withdrawn``, once; only a
pending request can be decided, and the decision names who, when and why. Approving
sets the buyer's limit in force (``credit_limits``) to the approved amount (the
requested one unless the approver gives another). Every step is in the audit log, and
the requests themselves are the history. A stop-shipment flag is temporary (until a
date, inclusive, never in the past) or permanent; a temporary one never replaces a
permanent one, which is lifted explicitly (audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit import service as credit
from tradeguard.credit.repository import latest_scores_query
from tradeguard.domain.credit.default import DEFAULT_CODES
from tradeguard.domain.credit.grading import class_terms
from tradeguard.domain.credit.scores import BuyerScore
from tradeguard.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TradeGuardError,
)
from tradeguard.domain.identity.access import Org
from tradeguard.domain.limits.shipping import ShippingReason, StopFlag, shipping_status
from tradeguard.domain.money import from_minor, to_minor
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.kit.transitions import TransitionConflictError, transition
from tradeguard.ledger.models import Buyer
from tradeguard.limits.models import CreditLimit, CreditLimitRequest, StopShipment

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"


DECISIONS = {"approve": APPROVED, "reject": REJECTED, "withdraw": WITHDRAWN}


MAX_AMOUNT = (
    Decimal(10) ** 12
)  # the largest limit (API, pages, CLI): beyond it no column holds the minor units


OVERRIDE_GRADE = 9  # approving a buyer of this grade or worse (or class C) needs a reason


class LimitWorkflowError(InvalidInputError):
    pass


def _buyer(session: Session, org: Org, buyer_id: str) -> Buyer:
    buyer = session.get(Buyer, (org.id, buyer_id))
    if buyer is None:
        raise NotFoundError(f"no buyer {buyer_id!r}")
    return buyer


def _minor(amount: Decimal, currency: str) -> int:
    if not amount.is_finite() or amount < 0:
        raise LimitWorkflowError("a limit is an amount of at least 0")
    if amount > MAX_AMOUNT:
        raise LimitWorkflowError(f"a limit is at most {MAX_AMOUNT:,} {currency}, not {amount}")
    try:
        return to_minor(amount, currency)
    except ValueError as error:
        raise LimitWorkflowError(str(error)) from None


def request_as_dict(row: CreditLimitRequest) -> dict[str, Any]:
    return {
        "id": row.id,
        "buyer_id": row.buyer_id,
        "amount": from_minor(row.amount, row.currency),
        "currency": row.currency,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at.isoformat(),
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": None if row.decided_at is None else row.decided_at.isoformat(),
        "decision_reason": row.decision_reason,
        "approved_amount": None
        if row.approved_amount is None
        else from_minor(row.approved_amount, row.currency),
        "override_reason": row.override_reason,
    }


def request_limit(
    session: Session,
    org: Org,
    buyer_id: str,
    amount: Decimal,
    reason: str | None,
    actor: str,
) -> CreditLimitRequest:
    _buyer(session, org, buyer_id)
    minor = _minor(amount, org.base_currency)
    row = CreditLimitRequest(
        org_id=org.id,
        buyer_id=buyer_id,
        amount=minor,
        currency=org.base_currency,
        reason=reason,
        requested_by=actor,
        requested_at=dt.datetime.now(dt.UTC),
        status=PENDING,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="request",
        entity="credit_limit_requests",
        entity_key=str(row.id),
        after=to_jsonable(request_as_dict(row)),
    )
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
) -> CreditLimitRequest:
    """Approve, reject or withdraw a pending request (with a reason).

    Approving a buyer whose latest grade is 9-10 or whose class is C needs an
    ``override_reason``; approving or rejecting more than the ``four_eyes_amount``
    setting needs a decider other than the requester. The status changes by a
    conditional update (``services.transitions``), so of two concurrent decisions
    exactly one wins and the other gets ``TransitionConflictError``.
    """
    if decision not in DECISIONS:
        raise LimitWorkflowError(f"unknown decision {decision!r}: approve, reject or withdraw")
    row = session.get(CreditLimitRequest, request_id)
    if row is None or row.org_id != org.id:
        raise NotFoundError(f"no limit request {request_id}")
    if row.status != PENDING:
        raise TransitionConflictError(f"request {request_id} is already {row.status}")
    if not reason.strip():
        raise LimitWorkflowError("a decision needs a reason")
    override = (override_reason or "").strip() or None
    approved = None
    if decision == "approve":
        approved = row.amount if amount is None else _minor(amount, row.currency)
        override = _check_override(session, org, row.buyer_id, override)
    elif override is not None:
        raise LimitWorkflowError("only an approval takes an override reason")
    if decision != "withdraw":
        _check_four_eyes(session, org, row, approved, actor)
    before = to_jsonable(request_as_dict(row))
    now = dt.datetime.now(dt.UTC)
    transition(
        session,
        CreditLimitRequest,
        CreditLimitRequest.id == request_id,
        CreditLimitRequest.status,
        PENDING,
        {
            "status": DECISIONS[decision],
            "decided_by": actor,
            "decided_at": now,
            "decision_reason": reason,
            "approved_amount": approved,
            "override_reason": override,
        },
        f"request {request_id} was decided by someone else meanwhile",
    )
    session.refresh(row)
    if approved is not None:
        _set_limit(session, org, row, approved, actor, now)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=decision,
        entity="credit_limit_requests",
        entity_key=str(row.id),
        before=before,
        after=to_jsonable(request_as_dict(row)),
    )
    return row


def _check_override(session: Session, org: Org, buyer_id: str, override: str | None) -> str | None:
    """The override reason, required when the buyer's latest grade is 9-10 or class C."""
    score = latest_assessment(session, org, buyer_id)
    if score is None or (score.grade < OVERRIDE_GRADE and score.credit_class != "C"):
        return override
    if override is None:
        raise LimitWorkflowError(
            f"buyer {buyer_id} is grade {score.grade}, class {score.credit_class}"
            f" ({_first_reason(score)}): approving needs an override reason"
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


def _first_reason(score: BuyerScore) -> str:
    if not score.reasons:
        return "no reasons recorded"
    first = score.reasons[0]
    return first.message or first.code


def latest_assessment(session: Session, org: Org, buyer_id: str) -> BuyerScore | None:
    """The buyer's latest recorded score (computed for today when none is recorded);
    None when it cannot be computed (e.g. a missing FX rate)."""
    try:
        return credit.buyer_score(session, org, buyer_id, today=dt.date.today())
    except NotFoundError:
        raise
    except TradeGuardError:
        return None


def _set_limit(
    session: Session,
    org: Org,
    request: CreditLimitRequest,
    amount: int,
    actor: str,
    now: dt.datetime,
) -> None:
    current = session.get(CreditLimit, (org.id, request.buyer_id))
    before = (
        None if current is None else {"amount": str(from_minor(current.amount, current.currency))}
    )
    if current is None:
        current = CreditLimit(org_id=org.id, buyer_id=request.buyer_id)
        session.add(current)
    current.amount, current.currency, current.request_id = amount, request.currency, request.id
    current.set_by, current.set_at = actor, now
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


def limit_in_force(session: Session, org: Org, buyer_id: str) -> Decimal | None:
    row = session.get(CreditLimit, (org.id, buyer_id))
    return None if row is None else from_minor(row.amount, row.currency)


def limit_as_dict(row: CreditLimit) -> dict[str, Any]:
    return {
        "amount": from_minor(row.amount, row.currency),
        "currency": row.currency,
        "request_id": row.request_id,
        "set_by": row.set_by,
        "set_at": row.set_at.isoformat(),
    }


def buyer_limits(
    session: Session, org: Org, buyer_id: str, on: dt.date | None = None
) -> dict[str, Any]:
    """A buyer's limit in force, stop-shipment flag (and whether it applies on ``on``,
    today by default), whether goods may ship (``shipping``: from the class, grade,
    default triggers and the stop) and every limit request with its decision, oldest
    first."""
    _buyer(session, org, buyer_id)
    day = on or dt.date.today()
    limit = session.get(CreditLimit, (org.id, buyer_id))
    stop = session.get(StopShipment, (org.id, buyer_id))
    return {
        "buyer_id": buyer_id,
        "limit": None if limit is None else limit_as_dict(limit),
        "stop_shipment": None if stop is None else stop_as_dict(stop, day),
        "shipping": _shipping(session, org, buyer_id, stop, day),
        "requests": history(session, org, buyer_id),
    }


def _shipping(
    session: Session, org: Org, buyer_id: str, stop: StopShipment | None, day: dt.date
) -> dict[str, Any]:
    score = latest_assessment(session, org, buyer_id)
    flag = None if stop is None else StopFlag(stop.until, stop.reason)
    if score is None:
        return shipping_status(None, None, None, (), flag, day).as_dict()
    defaults = [
        ShippingReason(r.code, r.message or r.factor)
        for r in score.reasons
        if r.code in DEFAULT_CODES
    ]
    terms = class_terms(score.credit_class, credit.load_settings(session, org))
    return shipping_status(score.credit_class, score.grade, terms, defaults, flag, day).as_dict()


def history(session: Session, org: Org, buyer_id: str | None = None) -> list[dict[str, Any]]:
    query = select(CreditLimitRequest).where(CreditLimitRequest.org_id == org.id)
    if buyer_id is not None:
        query = query.where(CreditLimitRequest.buyer_id == buyer_id)
    return [request_as_dict(r) for r in session.scalars(query.order_by(CreditLimitRequest.id))]


def stop_shipment(
    session: Session,
    org: Org,
    buyer_id: str,
    reason: str,
    actor: str,
    until: dt.date | None = None,
    today: dt.date | None = None,
) -> StopShipment:
    """Stop deliveries: until a date (temporary, inclusive) or, without one, permanently.

    ``until`` before ``today`` (the actual date by default) is refused, and a temporary
    stop never replaces a permanent one: lifting that is its own decision (``lift_stop``).
    """
    _buyer(session, org, buyer_id)
    if not reason.strip():
        raise LimitWorkflowError("a stop-shipment needs a reason")
    day = today or dt.date.today()
    if until is not None and until < day:
        raise LimitWorkflowError(
            f"--until {until.isoformat()} is in the past (today is {day.isoformat()}):"
            " give today or a later date, or no date for a permanent stop"
        )
    row = session.get(StopShipment, (org.id, buyer_id))
    if row is not None and row.until is None and until is not None:
        raise ConflictError(
            f"buyer {buyer_id} has a permanent stop-shipment ({row.reason}); a temporary"
            " stop does not replace it: lift it first (stop-shipment lift)"
        )
    before = None if row is None else _stop_dict(row)
    if row is None:
        row = StopShipment(org_id=org.id, buyer_id=buyer_id)
        session.add(row)
    row.kind = "permanent" if until is None else "temporary"
    row.until, row.reason, row.set_by, row.set_at = until, reason, actor, dt.datetime.now(dt.UTC)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="stop_shipment",
        entity="stop_shipments",
        entity_key=buyer_id,
        before=before,
        after=_stop_dict(row),
    )
    return row


def lift_stop(session: Session, org: Org, buyer_id: str, reason: str, actor: str) -> None:
    """Lift the stop (temporary or permanent), with a reason; audited."""
    if not reason.strip():
        raise LimitWorkflowError("lifting a stop-shipment needs a reason")
    row = session.get(StopShipment, (org.id, buyer_id))
    if row is None:
        raise NotFoundError(f"buyer {buyer_id!r} has no stop-shipment")
    before = _stop_dict(row)
    session.delete(row)
    session.flush()
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


def is_stopped(session: Session, org: Org, buyer_id: str, on: dt.date) -> bool:
    row = session.get(StopShipment, (org.id, buyer_id))
    return row is not None and (row.until is None or on <= row.until)


def stop_as_dict(row: StopShipment, on: dt.date) -> dict[str, Any]:
    """The flag as the API and the buyer page show it; ``active`` on the day ``on``."""
    return {
        **_stop_dict(row),
        "set_by": row.set_by,
        "set_at": row.set_at.isoformat(),
        "active": row.until is None or on <= row.until,
    }


def _stop_dict(row: StopShipment) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "until": None if row.until is None else row.until.isoformat(),
        "reason": row.reason,
    }


_PENDING = "pending"  # limits.PENDING (services.limits imports this module)


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


def pending_limit_requests(session: Session, org: Org) -> list[PendingRequest]:
    """Every pending limit request of the organisation, oldest first."""
    scores = latest_scores_query(org.id, None).subquery("scores")
    rows = session.execute(
        select(CreditLimitRequest, Buyer.name, scores.c.grade, scores.c.credit_class)
        .join(
            Buyer,
            (Buyer.org_id == CreditLimitRequest.org_id)
            & (Buyer.buyer_id == CreditLimitRequest.buyer_id),
        )
        .outerjoin(scores, scores.c.buyer_id == CreditLimitRequest.buyer_id)
        .where(CreditLimitRequest.org_id == org.id, CreditLimitRequest.status == _PENDING)
        .order_by(CreditLimitRequest.requested_at, CreditLimitRequest.id)
    )
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
        )
        for r, name, grade, klass in rows
    ]


def limit_request(session: Session, org: Org, request_id: int) -> CreditLimitRequest:
    found = session.get(CreditLimitRequest, request_id)
    if found is None or found.org_id != org.id:
        raise NotFoundError(f"no limit request {request_id}")
    return found
