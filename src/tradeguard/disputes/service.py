"""Opening, resolving and listing disputes; every change is audited.

A dispute names one invoice and the amount the buyer objects to (in the invoice's
currency; by default what was still open on the invoice the day it was opened). It is
resolved once, as ``valid`` (the buyer must pay) or ``justified`` (a credit note
follows), on or after the day it was opened. Disputes loaded from a file
(``tradeguard import disputes``) follow the same rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.disputes import repository
from tradeguard.domain.disputes import DisputeOutcome, DisputeStatus
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.money import from_minor, to_minor
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.ledger import repository as ledger
from tradeguard.ledger.models import Dispute, Invoice
from tradeguard.locale import N_

DISPUTE_ID_LENGTH = 64  # the column's width


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    """A dispute as the API, the CLI and the audit log show it."""

    dispute_id: str
    invoice_id: str
    buyer_id: str
    opened_on: dt.date
    reason: str | None
    amount: Decimal | None  # None only for disputes stored before amounts were kept
    currency: str
    resolved_on: dt.date | None
    outcome: str | None
    status: DisputeStatus

    @classmethod
    def of(cls, row: Dispute, buyer_id: str, currency: str) -> DisputeRecord:
        return cls(
            dispute_id=row.dispute_id,
            invoice_id=row.invoice_id,
            buyer_id=buyer_id,
            opened_on=row.opened_on,
            reason=row.reason,
            amount=None if row.amount is None else from_minor(row.amount, currency),
            currency=currency,
            resolved_on=row.resolved_on,
            outcome=row.outcome,
            status=DisputeStatus.OPEN if row.resolved_on is None else DisputeStatus.RESOLVED,
        )

    def audit_value(self) -> audit.AuditValue:
        value: audit.AuditValue = to_jsonable(asdict(self))
        return value


def open_amount(session: Session, invoice: Invoice, on: dt.date) -> int:
    """Minor units of ``invoice`` not yet settled on ``on`` (allocations dated up to it)."""
    claim = pl.DataFrame(
        {"invoice_id": [invoice.invoice_id], "opened_on": [on]},
        schema={"invoice_id": pl.String, "opened_on": pl.Date},
    )
    settled = repository.settled_by(session.connection(), invoice.org_id, claim).item()
    return max(invoice.amount - int(settled), 0)


def _disputed_minor(
    session: Session, invoice: Invoice, amount: Decimal | None, opened_on: dt.date
) -> int:
    if amount is None:
        return open_amount(session, invoice, opened_on)
    if not amount.is_finite() or amount <= 0:
        raise InvalidInputError(f"a disputed amount is more than 0, not {amount}", "amount")
    try:
        minor = to_minor(amount, invoice.currency)
    except ValueError as error:
        raise InvalidInputError(str(error), "amount") from None
    if minor > invoice.amount:
        shown = from_minor(invoice.amount, invoice.currency)
        raise InvalidInputError(
            f"the disputed amount {amount} is larger than invoice {invoice.invoice_id}'s"
            f" amount of {shown} {invoice.currency}",
            "amount",
        )
    return minor


def open_dispute(
    session: Session,
    org: Org,
    invoice_id: str,
    reason: str,
    actor: str,
    *,
    opened_on: dt.date,
    amount: Decimal | None = None,
    dispute_id: str | None = None,
) -> DisputeRecord:
    """Open a dispute on an invoice of ``org`` (``NotFoundError`` for another's or none).

    Without ``amount`` the dispute is over what was open on the invoice on ``opened_on``;
    without ``dispute_id`` one is generated (``D-`` and 12 hexadecimal digits).
    """
    invoice = ledger.invoice(session, org, invoice_id)
    if not reason.strip():
        raise InvalidInputError("a dispute needs a reason", "reason")
    key = (dispute_id or "").strip() or f"D-{uuid.uuid4().hex[:12]}"
    if len(key) > DISPUTE_ID_LENGTH:
        raise InvalidInputError(
            f"a dispute id is at most {DISPUTE_ID_LENGTH} characters", "dispute_id"
        )
    if repository.dispute(session, org.id, key) is not None:
        raise ConflictError(f"dispute {key!r} already exists")
    row = repository.add(
        session,
        Dispute(
            org_id=org.id,
            dispute_id=key,
            invoice_id=invoice.invoice_id,
            opened_on=opened_on,
            reason=reason.strip(),
            amount=_disputed_minor(session, invoice, amount, opened_on),
        ),
    )
    opened = DisputeRecord.of(row, invoice.buyer_id, invoice.currency)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=N_("open_dispute"),
        entity="disputes",
        entity_key=key,
        after=opened.audit_value(),
    )
    return opened


def resolve_dispute(
    session: Session,
    org: Org,
    dispute_id: str,
    outcome: str,
    actor: str,
    *,
    resolved_on: dt.date,
    comment: str | None = None,
) -> DisputeRecord:
    """Resolve an open dispute once, as valid or justified, on or after its opening day.

    Resolving one that is already resolved (or that another resolution won meanwhile)
    is a ``ConflictError``; the comment goes to the audit log.
    """
    try:
        chosen = DisputeOutcome(outcome)
    except ValueError:
        raise InvalidInputError(
            f"unknown outcome {outcome!r}: valid (the buyer must pay) or justified"
            " (a credit note follows)",
            "outcome",
        ) from None
    row = repository.dispute(session, org.id, dispute_id)
    if row is None:
        raise NotFoundError(f"no dispute {dispute_id!r}")
    if row.resolved_on is not None:
        raise ConflictError(
            f"dispute {dispute_id!r} was already resolved on {row.resolved_on:%Y-%m-%d}"
            f" ({row.outcome})"
        )
    if resolved_on < row.opened_on:
        raise InvalidInputError(
            f"dispute {dispute_id!r} was opened on {row.opened_on:%Y-%m-%d}: it cannot be"
            f" resolved before, on {resolved_on:%Y-%m-%d}",
            "resolved_on",
        )
    invoice = ledger.invoice(session, org, row.invoice_id)
    before = DisputeRecord.of(row, invoice.buyer_id, invoice.currency)
    if not repository.resolve(session, row, resolved_on, chosen.value):
        raise ConflictError(f"dispute {dispute_id!r} was resolved by someone else meanwhile")
    resolved = DisputeRecord.of(row, invoice.buyer_id, invoice.currency)
    note = (comment or "").strip()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=N_("resolve_dispute"),
        entity="disputes",
        entity_key=dispute_id,
        before=before.audit_value(),
        after={**resolved.audit_value(), **({"comment": note} if note else {})},
    )
    return resolved


def list_disputes(
    session: Session,
    org: Org,
    *,
    status: DisputeStatus | None = None,
    buyer_id: str | None = None,
) -> list[DisputeRecord]:
    """The organisation's disputes (open, resolved or both; of one buyer or all), oldest
    first; a buyer that is not the organisation's is not found."""
    if buyer_id is not None:
        ledger.buyer(session, org, buyer_id)
    return [
        DisputeRecord.of(row, buyer, currency)
        for row, buyer, currency in repository.disputes(session, org.id, status, buyer_id)
    ]
