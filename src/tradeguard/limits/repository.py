"""Reading and writing limit requests, the limits in force and stop-shipments.

Every read is scoped to one organisation: a request of another organisation is not
found. The service decides; these functions only read and write rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tradeguard.credit.repository import latest_scores_query
from tradeguard.domain.limits.workflow import (
    LIMIT_REQUEST_WORKFLOW,
    LimitRequestStatus,
    StopShipmentState,
)
from tradeguard.kit.bulk import read_frame
from tradeguard.kit.transitions import transition
from tradeguard.ledger.models import Buyer
from tradeguard.limits.models import CreditLimit, CreditLimitRequest, StopShipment


def request(session: Session, org_id: int, request_id: int) -> CreditLimitRequest | None:
    found = session.get(CreditLimitRequest, request_id)
    return found if found is not None and found.org_id == org_id else None


def add_request(
    session: Session,
    org_id: int,
    buyer_id: str,
    amount: int,
    currency: str,
    reason: str | None,
    requested_by: str,
    requested_at: dt.datetime,
    origin: str = "request",
) -> CreditLimitRequest:
    row = CreditLimitRequest(
        org_id=org_id,
        buyer_id=buyer_id,
        amount=amount,
        currency=currency,
        reason=reason,
        requested_by=requested_by,
        requested_at=requested_at,
        status=LimitRequestStatus.PENDING.value,
        origin=origin,
    )
    session.add(row)
    session.flush()
    return row


def move_request(
    session: Session,
    row: CreditLimitRequest,
    target: LimitRequestStatus,
    values: Mapping[str, object],
    conflict: str,
) -> None:
    """Move the request from the status ``row`` holds to ``target`` by one conditional
    update (``kit.transitions``): a concurrent move first gets ``conflict``. ``row`` is
    read again afterwards."""
    transition(
        session,
        CreditLimitRequest,
        CreditLimitRequest.id == row.id,
        CreditLimitRequest.status,
        LIMIT_REQUEST_WORKFLOW,
        LimitRequestStatus(row.status),
        target,
        values,
        conflict,
    )
    session.refresh(row)


def requests(session: Session, org_id: int, buyer_id: str | None) -> list[CreditLimitRequest]:
    """The organisation's requests (one buyer's with ``buyer_id``), oldest first."""
    query = select(CreditLimitRequest).where(CreditLimitRequest.org_id == org_id)
    if buyer_id is not None:
        query = query.where(CreditLimitRequest.buyer_id == buyer_id)
    return list(session.scalars(query.order_by(CreditLimitRequest.id)))


def pending_requests(
    session: Session, org_id: int
) -> list[tuple[CreditLimitRequest, str, int | None, str | None]]:
    """Every pending request, oldest first, with its buyer's name and latest grade and class."""
    scores = latest_scores_query(org_id, None).subquery("scores")
    rows = session.execute(
        select(CreditLimitRequest, Buyer.name, scores.c.grade, scores.c.credit_class)
        .join(
            Buyer,
            (Buyer.org_id == CreditLimitRequest.org_id)
            & (Buyer.buyer_id == CreditLimitRequest.buyer_id),
        )
        .outerjoin(scores, scores.c.buyer_id == CreditLimitRequest.buyer_id)
        .where(
            CreditLimitRequest.org_id == org_id,
            CreditLimitRequest.status == LimitRequestStatus.PENDING.value,
        )
        .order_by(CreditLimitRequest.requested_at, CreditLimitRequest.id)
    )
    return [(r, name, grade, klass) for r, name, grade, klass in rows]


def limit(session: Session, org_id: int, buyer_id: str) -> CreditLimit | None:
    return session.get(CreditLimit, (org_id, buyer_id))


def save_limit(
    session: Session,
    org_id: int,
    buyer_id: str,
    *,
    amount: int,
    currency: str,
    request_id: int | None,
    set_by: str,
    set_at: dt.datetime,
) -> None:
    """Set the buyer's limit in force (created the first time)."""
    row = session.get(CreditLimit, (org_id, buyer_id))
    if row is None:
        row = CreditLimit(org_id=org_id, buyer_id=buyer_id)
        session.add(row)
    row.amount, row.currency, row.request_id = amount, currency, request_id
    row.set_by, row.set_at = set_by, set_at


def stop(session: Session, org_id: int, buyer_id: str) -> StopShipment | None:
    return session.get(StopShipment, (org_id, buyer_id))


def save_stop(
    session: Session,
    org_id: int,
    buyer_id: str,
    *,
    state: StopShipmentState,
    until: dt.date | None,
    reason: str,
    set_by: str,
    set_at: dt.datetime,
) -> StopShipment:
    """Set the buyer's stop-shipment (replacing the one there is)."""
    row = session.get(StopShipment, (org_id, buyer_id))
    if row is None:
        row = StopShipment(org_id=org_id, buyer_id=buyer_id)
        session.add(row)
    row.kind, row.until, row.reason = state.value, until, reason
    row.set_by, row.set_at = set_by, set_at
    session.flush()
    return row


def delete_stop(session: Session, row: StopShipment) -> None:
    session.delete(row)
    session.flush()


def limits_in_force(connection: Connection, org_id: int) -> pl.DataFrame:
    """Every buyer's limit in force: buyer_id, limit (minor units), currency."""
    query = select(CreditLimit.buyer_id, CreditLimit.amount, CreditLimit.currency).where(
        CreditLimit.org_id == org_id
    )
    schema = {"buyer_id": pl.String, "limit": pl.Int64, "currency": pl.String}
    return read_frame(connection, query, schema)


def buyers_with_pending_requests(session: Session, org_id: int) -> set[str]:
    """The buyers with a limit request or proposal waiting for a decision."""
    return set(
        session.scalars(
            select(CreditLimitRequest.buyer_id)
            .where(
                CreditLimitRequest.org_id == org_id,
                CreditLimitRequest.status == LimitRequestStatus.PENDING,
            )
            .distinct()
        )
    )
