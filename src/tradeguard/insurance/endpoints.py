"""``/api/v1/policies``, ``/api/v1/buyers/{id}/insurer-limits``, ``/api/v1/buyers/{id}/cover``,
``/api/v1/notifications``, ``/api/v1/claims/...`` and ``/api/v1/premium/...``.

Reading needs ``read_ledger`` (every role); loading a policy, recording limits,
notifications, claims, recoveries and declarations need ``write_ledger`` (credit
managers, admins), audited by the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.orm import Session

from tradeguard.domain.errors import NotFoundError
from tradeguard.domain.insurance.claim import ClaimEvent
from tradeguard.domain.insurance.workflow import ClaimStatus
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.insurance import claims, premium
from tradeguard.insurance import service as insurance
from tradeguard.insurance.schemas import (
    ClaimComputationRead,
    ClaimCreate,
    ClaimDocument,
    ClaimMove,
    ClaimRead,
    CoverRead,
    DeclarationCreate,
    DeclarationRead,
    InsurerLimitCreate,
    InsurerLimitRead,
    NotificationCreate,
    NotificationDueRead,
    NotificationRead,
    PolicyCreate,
    PolicyRead,
    RecoveryCreate,
    TrueUpRead,
)
from tradeguard.kit.bounds import AsOf
from tradeguard.kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
BuyerId = Annotated[str, Path(max_length=64)]


@router.get("/policies", tags=["insurance"])
async def list_policies(reader: Reader) -> list[PolicyRead]:
    """Every policy loaded, the latest period first."""
    return [PolicyRead.of(p) for p in await reader.call(insurance.list_policies)]


@router.post("/policies", tags=["insurance"], status_code=status.HTTP_201_CREATED)
async def load_policy(body: PolicyCreate, writer: Writer) -> PolicyRead:
    """Load a policy from its terms (the ``[policy]`` table as JSON); the same number
    again replaces its terms. Unknown or missing keys are refused, each named (422)."""

    def load(session: Session, caller: Caller) -> PolicyRead:
        return PolicyRead.of(insurance.load_policy(session, caller.org, body.policy, caller.actor))

    return await writer.run(load)


@router.get("/policies/in-force", tags=["insurance"])
async def policy_in_force(reader: Reader, as_of: AsOf = None) -> PolicyRead:
    """The policy in force on ``as_of`` (default today); 404 without one."""
    return PolicyRead.of(await reader.call(insurance.require_policy, as_of or dt.date.today()))


@router.get("/buyers/{buyer_id}/insurer-limits", tags=["insurance"])
async def insurer_limits(buyer_id: BuyerId, reader: Reader) -> list[InsurerLimitRead]:
    """The insurer's decisions on the buyer, the latest first."""
    found = await reader.call(insurance.insurer_limits, buyer_id)
    return [InsurerLimitRead.of(r) for r in found]


@router.post(
    "/buyers/{buyer_id}/insurer-limits", tags=["insurance"], status_code=status.HTTP_201_CREATED
)
async def set_insurer_limit(
    buyer_id: BuyerId, body: InsurerLimitCreate, writer: Writer
) -> InsurerLimitRead:
    """Record the insurer's decision (0 = a refusal); the same effective date replaces."""

    def add(session: Session, caller: Caller) -> InsurerLimitRead:
        return InsurerLimitRead.of(
            insurance.set_insurer_limit(
                session,
                caller.org,
                buyer_id,
                body.amount,
                body.currency.upper(),
                body.effective_date,
                caller.actor,
                expiry_date=body.expiry_date,
                conditions=body.conditions,
            )
        )

    return await writer.run(add)


@router.get("/buyers/{buyer_id}/cover", tags=["insurance"])
async def buyer_cover(buyer_id: BuyerId, reader: Reader, as_of: AsOf = None) -> CoverRead:
    """The buyer's cover on ``as_of``: limits, and each open invoice covered or why not."""
    day = as_of or dt.date.today()
    found = await reader.call(insurance.buyer_cover, buyer_id, day)
    if found is None:
        raise NotFoundError(insurance.NO_POLICY.format(on=day.isoformat()))
    return CoverRead.of(found)


@router.get("/notifications", tags=["insurance"])
async def notifications_due(
    reader: Reader,
    as_of: AsOf = None,
    horizon: Annotated[int, Query(ge=0, le=366)] = 14,
) -> list[NotificationDueRead]:
    """Overdue invoices to notify to the insurer, deadline first, with the days left."""
    found = await reader.call(insurance.notifications_due, as_of or dt.date.today(), horizon)
    return [NotificationDueRead.of(n) for n in found]


@router.post(
    "/buyers/{buyer_id}/notifications", tags=["insurance"], status_code=status.HTTP_201_CREATED
)
async def record_notification(
    buyer_id: BuyerId, writer: Writer, body: NotificationCreate | None = None
) -> NotificationRead:
    """Record that the insurer was told the buyer is overdue: a stop-shipment is set."""

    def notify(session: Session, caller: Caller) -> NotificationRead:
        return NotificationRead.of(
            insurance.record_notification(
                session,
                caller.org,
                buyer_id,
                (body.notified_on if body else None) or dt.date.today(),
                caller.actor,
                body.reference if body else None,
            )
        )

    return await writer.run(notify)


@router.get("/claims/compute", tags=["insurance"])
async def compute_claim(
    reader: Reader,
    buyer_id: Annotated[str, Query(max_length=64)],
    as_of: AsOf = None,
    event: ClaimEvent = ClaimEvent.INSOLVENCY,
) -> ClaimComputationRead:
    """The indemnity a claim on the buyer would get on ``as_of``, every step shown (the
    same JSON as ``tradeguard claim compute``)."""
    day = as_of or dt.date.today()
    result = await reader.call(claims.compute_claim, buyer_id, day, event)
    return ClaimComputationRead.model_validate(result.as_dict())


@router.get("/claims", tags=["insurance"])
async def list_claims(
    reader: Reader,
    buyer: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[ClaimStatus | None, Query(alias="status")] = None,
) -> list[ClaimRead]:
    """Claims, the latest first, with their payout clock read today."""
    found = await reader.call(
        claims.list_claims,
        dt.date.today(),
        buyer_id=buyer,
        status=None if status_ is None else status_.value,
    )
    return [ClaimRead.of(c) for c in found]


@router.post("/claims", tags=["insurance"], status_code=status.HTTP_201_CREATED)
async def open_claim(body: ClaimCreate, writer: Writer) -> ClaimRead:
    """Open a draft claim on a buyer for a loss on ``loss_date`` (default today)."""

    def open_(session: Session, caller: Caller) -> ClaimRead:
        record = claims.open_claim(
            session,
            caller.org,
            body.buyer_id,
            body.loss_date or dt.date.today(),
            body.event,
            caller.actor,
            body.cause,
        )
        return ClaimRead.of(record)

    return await writer.run(open_)


@router.get("/claims/{claim_id}", tags=["insurance"])
async def get_claim(claim_id: RowId, reader: Reader) -> ClaimRead:
    return ClaimRead.of(await reader.call(claims.get_claim, claim_id, dt.date.today()))


@router.put("/claims/{claim_id}/documents/{document}", tags=["insurance"])
async def set_document(
    claim_id: RowId,
    document: Annotated[str, Path(max_length=40)],
    writer: Writer,
    body: ClaimDocument | None = None,
) -> ClaimRead:
    """Mark a document of the checklist provided (or, ``provided: false``, not)."""
    provided = body.provided if body else True

    def mark(session: Session, caller: Caller) -> ClaimRead:
        return ClaimRead.of(
            claims.set_document(
                session, caller.org, claim_id, document, provided, caller.actor, dt.date.today()
            )
        )

    return await writer.run(mark)


@router.post("/claims/{claim_id}/transitions", tags=["insurance"])
async def move_claim(claim_id: RowId, body: ClaimMove, writer: Writer) -> ClaimRead:
    """Move the claim: submitted, under_review, paid (``paid_amount``, default the
    indemnity), rejected (``reason``) or withdrawn; an illegal move is 409."""

    def move(session: Session, caller: Caller) -> ClaimRead:
        record = claims.move_claim(
            session,
            caller.org,
            claim_id,
            ClaimStatus(body.to),
            caller.actor,
            body.on or dt.date.today(),
            paid_amount=body.paid_amount,
            reason=body.reason,
        )
        return ClaimRead.of(record)

    return await writer.run(move)


@router.post("/claims/{claim_id}/recoveries", tags=["insurance"])
async def record_recovery(claim_id: RowId, body: RecoveryCreate, writer: Writer) -> ClaimRead:
    """Money recovered on the claim's debt: before payment it reduces the claim, after
    it is shared between seller and insurer as the policy says."""

    def add(session: Session, caller: Caller) -> ClaimRead:
        record = claims.record_recovery(
            session,
            caller.org,
            claim_id,
            body.amount,
            body.received_on or dt.date.today(),
            caller.actor,
            body.costs,
        )
        return ClaimRead.of(record)

    return await writer.run(add)


@router.get("/premium/declarations", tags=["insurance"])
async def declarations(reader: Reader, as_of: AsOf = None) -> list[DeclarationRead]:
    """The declarations of the policy in force on ``as_of`` (default today)."""
    found = await reader.call(premium.declarations, as_of or dt.date.today())
    return [DeclarationRead.of(d) for d in found]


@router.post("/premium/declarations", tags=["insurance"])
async def declare_premium(body: DeclarationCreate, writer: Writer) -> DeclarationRead:
    """Compute a month's declaration (adjusted by ``turnover`` with a ``reason``), and
    submit it with ``submit: true`` (then it is fixed)."""
    month = dt.date.fromisoformat(body.month + "-01")

    def declare(session: Session, caller: Caller) -> DeclarationRead:
        record = premium.declare_premium(
            session,
            caller.org,
            month,
            caller.actor,
            turnover=body.turnover,
            reason=body.reason,
            submit=body.submit,
        )
        return DeclarationRead.of(record)

    return await writer.run(declare)


@router.get("/premium/true-up", tags=["insurance"])
async def true_up(reader: Reader, as_of: AsOf = None) -> TrueUpRead:
    """The minimum-premium true-up of the policy in force (final once its period ended)."""
    return TrueUpRead.of(await reader.call(premium.true_up, as_of or dt.date.today()))
