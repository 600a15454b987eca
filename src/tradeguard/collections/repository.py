"""Reading and writing the collections tables: settings, the steps taken, documents,
promises, phone tasks, hand-overs and the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

import polars as pl
from pydantic import JsonValue
from sqlalchemy import Connection, CursorResult, Table, func, select, update
from sqlalchemy.orm import Session

from tradeguard.collections.models import (
    AgencyHandover,
    DunningAction,
    DunningDocumentRow,
    DunningSettingsRow,
    OutboxMessage,
    PhoneTask,
    Promise,
    PromiseInvoice,
)
from tradeguard.credit.repository import latest_scores_query
from tradeguard.domain.collections.ladder import HISTORY_SCHEMA
from tradeguard.domain.collections.outbox import OUTBOX_WORKFLOW, OutboxStatus
from tradeguard.domain.collections.promises import COVERAGE_SCHEMA
from tradeguard.domain.identity.access import Role
from tradeguard.identity.models import User
from tradeguard.kit.bulk import insert_frame, read_frame
from tradeguard.kit.orm import Base
from tradeguard.ledger.models import Buyer, Dispute, Invoice

# ---- settings ----------------------------------------------------------------------


def settings_values(session: Session, org_id: int) -> dict[str, JsonValue] | None:
    row = session.get(DunningSettingsRow, org_id)
    return None if row is None else row.settings


def save_settings_values(
    session: Session, org_id: int, values: dict[str, JsonValue], actor: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    row = session.get(DunningSettingsRow, org_id)
    if row is None:
        session.add(
            DunningSettingsRow(org_id=org_id, settings=values, updated_at=now, updated_by=actor)
        )
    else:
        row.settings, row.updated_at, row.updated_by = values, now, actor
    session.flush()


# ---- what the ladder reads -----------------------------------------------------------


def history(connection: Connection, org_id: int) -> pl.DataFrame:
    """Every step taken by the organisation's invoices (``ladder.HISTORY_SCHEMA``)."""
    return read_frame(
        connection,
        select(
            DunningAction.invoice_id, DunningAction.step, DunningAction.status, DunningAction.as_of
        ).where(DunningAction.org_id == org_id),
        HISTORY_SCHEMA,
    )


def credit_classes(connection: Connection, org_id: int, as_of: dt.date) -> pl.DataFrame:
    """buyer_id, credit_class of each buyer's latest score on or before ``as_of``."""
    query = latest_scores_query(org_id, as_of).subquery()
    return read_frame(
        connection,
        select(query.c.buyer_id, query.c.credit_class),
        {"buyer_id": pl.String, "credit_class": pl.String},
    )


def contacts(connection: Connection, org_id: int) -> pl.DataFrame:
    """Each buyer's name, contacts and language (null where the import gave none)."""
    return read_frame(
        connection,
        select(
            Buyer.buyer_id,
            Buyer.name,
            Buyer.email,
            Buyer.phone,
            Buyer.contact_name,
            Buyer.language,
        ).where(Buyer.org_id == org_id),
        {
            "buyer_id": pl.String,
            "name": pl.String,
            "email": pl.String,
            "phone": pl.String,
            "contact_name": pl.String,
            "language": pl.String,
        },
    )


def disputes(connection: Connection, org_id: int) -> pl.DataFrame:
    """invoice_id, opened_on, resolved_on, outcome of every dispute."""
    return read_frame(
        connection,
        select(Dispute.invoice_id, Dispute.opened_on, Dispute.resolved_on, Dispute.outcome).where(
            Dispute.org_id == org_id
        ),
        {
            "invoice_id": pl.String,
            "opened_on": pl.Date,
            "resolved_on": pl.Date,
            "outcome": pl.String,
        },
    )


def open_promises(connection: Connection, org_id: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The open promises (promise_id, promised_for, made_on, amount) and what they cover."""
    promises = read_frame(
        connection,
        select(Promise.id, Promise.promised_for, Promise.made_on, Promise.amount).where(
            Promise.org_id == org_id, Promise.status == "open"
        ),
        {"id": pl.Int64, "promised_for": pl.Date, "made_on": pl.Date, "amount": pl.Int64},
    ).rename({"id": "promise_id"})
    coverage = read_frame(
        connection,
        select(PromiseInvoice.promise_id, PromiseInvoice.invoice_id)
        .join(Promise, Promise.id == PromiseInvoice.promise_id)
        .where(Promise.org_id == org_id, Promise.status == "open"),
        COVERAGE_SCHEMA,
    )
    return promises, coverage


def settle_promises(session: Session, settled: pl.DataFrame, on: dt.date) -> None:
    """Mark promises kept or broken (settled: promise_id, status), if still open."""
    for status in ("kept", "broken"):
        ids = settled.filter(pl.col("status") == status)["promise_id"].to_list()
        if ids:
            session.execute(
                update(Promise)
                .where(Promise.id.in_(ids), Promise.status == "open")
                .values(status=status, settled_on=on)
            )


def credit_managers(session: Session, org_id: int) -> list[str]:
    """The e-mails of the organisation's credit managers, in a stable order."""
    return list(
        session.scalars(
            select(User.email)
            .where(User.org_id == org_id, User.role == Role.CREDIT_MANAGER.value)
            .order_by(User.email)
        )
    )


# ---- what a run writes ----------------------------------------------------------------


def add_documents(connection: Connection, org_id: int, documents: pl.DataFrame) -> pl.DataFrame:
    """Insert documents (buyer_id, step, as_of, channels, language, letter_status) and
    return them with their ids (the run holds the organisation's dunning lock, so the
    rows after the highest id before are its own)."""
    table = cast(Table, DunningDocumentRow.__table__)
    before = connection.scalar(
        select(func.coalesce(func.max(DunningDocumentRow.id), 0)).where(
            DunningDocumentRow.org_id == org_id
        )
    )
    insert_frame(connection, table, documents.with_columns(org_id=pl.lit(org_id)))
    ids = read_frame(
        connection,
        select(DunningDocumentRow.id, DunningDocumentRow.buyer_id, DunningDocumentRow.step).where(
            DunningDocumentRow.org_id == org_id, DunningDocumentRow.id > before
        ),
        {"id": pl.Int64, "buyer_id": pl.String, "step": pl.String},
    )
    return documents.join(ids, on=["buyer_id", "step"])


def add_rows(connection: Connection, model: type[Base], frame: pl.DataFrame) -> None:
    insert_frame(connection, cast(Table, model.__table__), frame)


def document(session: Session, org_id: int, document_id: int) -> DunningDocumentRow | None:
    row = session.get(DunningDocumentRow, document_id)
    return row if row is not None and row.org_id == org_id else None


def document_items(
    session: Session, org_id: int, document_id: int
) -> list[tuple[DunningAction, Invoice]]:
    """The steps a document carries, with their invoices, oldest due first."""
    rows = session.execute(
        select(DunningAction, Invoice)
        .join(
            Invoice,
            (Invoice.org_id == DunningAction.org_id)
            & (Invoice.invoice_id == DunningAction.invoice_id),
        )
        .where(DunningAction.org_id == org_id, DunningAction.document_id == document_id)
        .order_by(Invoice.due_date, Invoice.invoice_id)
    )
    return [(action, invoice) for action, invoice in rows]


# ---- the worklist -----------------------------------------------------------------------


def promises(
    session: Session, org_id: int, *, buyer_id: str | None, status: str | None
) -> list[Promise]:
    query = select(Promise).where(Promise.org_id == org_id)
    if buyer_id is not None:
        query = query.where(Promise.buyer_id == buyer_id)
    if status is not None:
        query = query.where(Promise.status == status)
    return list(session.scalars(query.order_by(Promise.promised_for.desc(), Promise.id.desc())))


def promise_coverage(session: Session, promise_ids: list[int]) -> dict[int, list[str]]:
    covered: dict[int, list[str]] = {}
    if not promise_ids:
        return covered
    rows = session.execute(
        select(PromiseInvoice.promise_id, PromiseInvoice.invoice_id)
        .where(PromiseInvoice.promise_id.in_(promise_ids))
        .order_by(PromiseInvoice.invoice_id)
    )
    for promise_id, invoice_id in rows:
        covered.setdefault(promise_id, []).append(invoice_id)
    return covered


def promises_due(session: Session, org_id: int, as_of: dt.date) -> list[Promise]:
    """Open promises whose date has come: check the money came in."""
    return list(
        session.scalars(
            select(Promise)
            .where(Promise.org_id == org_id, Promise.status == "open")
            .where(Promise.promised_for <= as_of)
            .order_by(Promise.promised_for, Promise.id)
        )
    )


def document_totals(session: Session, org_id: int, as_of: dt.date) -> dict[int, dict[str, int]]:
    """Per document up to ``as_of``: the open amount of its invoices, per currency."""
    rows = session.execute(
        select(DunningAction.document_id, DunningAction.currency, func.sum(DunningAction.amount))
        .where(DunningAction.org_id == org_id, DunningAction.document_id.is_not(None))
        .where(DunningAction.as_of <= as_of)
        .group_by(DunningAction.document_id, DunningAction.currency)
    )
    totals: dict[int, dict[str, int]] = {}
    for document_id, currency, minor in rows:
        if document_id is not None:
            totals.setdefault(document_id, {})[currency] = int(minor)
    return totals


def buyer_names(session: Session, org_id: int) -> dict[str, str]:
    rows = session.execute(select(Buyer.buyer_id, Buyer.name).where(Buyer.org_id == org_id))
    return dict(rows.all())


def open_calls(
    session: Session, org_id: int, as_of: dt.date
) -> list[tuple[PhoneTask, DunningDocumentRow, Buyer]]:
    rows = session.execute(
        select(PhoneTask, DunningDocumentRow, Buyer)
        .join(DunningDocumentRow, DunningDocumentRow.id == PhoneTask.document_id)
        .join(
            Buyer,
            (Buyer.org_id == DunningDocumentRow.org_id)
            & (Buyer.buyer_id == DunningDocumentRow.buyer_id),
        )
        .where(PhoneTask.org_id == org_id, PhoneTask.status == "open")
        .where(DunningDocumentRow.as_of <= as_of)
        .order_by(DunningDocumentRow.as_of, PhoneTask.id)
    )
    return [(t, d, b) for t, d, b in rows]


def letters_to_print(session: Session, org_id: int, as_of: dt.date) -> list[DunningDocumentRow]:
    return list(
        session.scalars(
            select(DunningDocumentRow)
            .where(DunningDocumentRow.org_id == org_id)
            .where(DunningDocumentRow.letter_status == "to_print")
            .where(DunningDocumentRow.as_of <= as_of)
            .order_by(DunningDocumentRow.as_of, DunningDocumentRow.id)
        )
    )


def open_handovers(
    session: Session, org_id: int, as_of: dt.date
) -> list[tuple[AgencyHandover, DunningDocumentRow]]:
    rows = session.execute(
        select(AgencyHandover, DunningDocumentRow)
        .join(DunningDocumentRow, DunningDocumentRow.id == AgencyHandover.document_id)
        .where(AgencyHandover.org_id == org_id, AgencyHandover.status == "open")
        .where(DunningDocumentRow.as_of <= as_of)
        .order_by(DunningDocumentRow.as_of, AgencyHandover.id)
    )
    return [(h, d) for h, d in rows]


def unsent_emails(
    session: Session, org_id: int, as_of: dt.date
) -> list[tuple[OutboxMessage, DunningDocumentRow]]:
    rows = session.execute(
        select(OutboxMessage, DunningDocumentRow)
        .join(DunningDocumentRow, DunningDocumentRow.id == OutboxMessage.document_id)
        .where(OutboxMessage.org_id == org_id, OutboxMessage.status != "sent")
        .where(DunningDocumentRow.as_of <= as_of)
        .order_by(DunningDocumentRow.as_of, OutboxMessage.id)
    )
    return [(m, d) for m, d in rows]


# ---- a buyer's documents, effectiveness ---------------------------------------------------


def buyer_documents(
    session: Session, org_id: int, buyer_id: str
) -> list[tuple[DunningDocumentRow, PhoneTask | None, AgencyHandover | None, OutboxMessage | None]]:
    rows = session.execute(
        select(DunningDocumentRow, PhoneTask, AgencyHandover, OutboxMessage)
        .outerjoin(PhoneTask, PhoneTask.document_id == DunningDocumentRow.id)
        .outerjoin(AgencyHandover, AgencyHandover.document_id == DunningDocumentRow.id)
        .outerjoin(OutboxMessage, OutboxMessage.document_id == DunningDocumentRow.id)
        .where(DunningDocumentRow.org_id == org_id, DunningDocumentRow.buyer_id == buyer_id)
        .order_by(DunningDocumentRow.as_of.desc(), DunningDocumentRow.id.desc())
    )
    return [(d, t, h, m) for d, t, h, m in rows]


def buyer_disputes(session: Session, org_id: int, buyer_id: str) -> list[Dispute]:
    return list(
        session.scalars(
            select(Dispute)
            .join(
                Invoice,
                (Invoice.org_id == Dispute.org_id) & (Invoice.invoice_id == Dispute.invoice_id),
            )
            .where(Dispute.org_id == org_id, Invoice.buyer_id == buyer_id)
            .order_by(Dispute.opened_on.desc())
        )
    )


def documents_of_invoices(
    session: Session, org_id: int, invoice_ids: list[str]
) -> dict[str, list[tuple[dt.date, str, str]]]:
    """Per invoice: the documents that carried it (date, step, channels), oldest first."""
    rows = session.execute(
        select(
            DunningAction.invoice_id,
            DunningDocumentRow.as_of,
            DunningDocumentRow.step,
            DunningDocumentRow.channels,
        )
        .join(DunningDocumentRow, DunningDocumentRow.id == DunningAction.document_id)
        .where(DunningAction.org_id == org_id, DunningAction.invoice_id.in_(invoice_ids))
        .order_by(DunningDocumentRow.as_of)
    )
    sent: dict[str, list[tuple[dt.date, str, str]]] = {}
    for invoice_id, on, step, channels in rows:
        sent.setdefault(invoice_id, []).append((on, step, channels))
    return sent


def done_actions(connection: Connection, org_id: int, as_of: dt.date) -> pl.DataFrame:
    """invoice_id, step, as_of, amount, currency of every step done up to ``as_of``."""
    return read_frame(
        connection,
        select(
            DunningAction.invoice_id,
            DunningAction.step,
            DunningAction.as_of,
            DunningAction.amount,
            DunningAction.currency,
        ).where(
            DunningAction.org_id == org_id,
            DunningAction.status == "done",
            DunningAction.as_of <= as_of,
        ),
        {
            "invoice_id": pl.String,
            "step": pl.String,
            "as_of": pl.Date,
            "amount": pl.Int64,
            "currency": pl.String,
        },
    )


# ---- the outbox -------------------------------------------------------------------------


def outbox_messages(
    session: Session,
    org_id: int,
    statuses: Sequence[str] | None = None,
    *,
    ids: Sequence[int] | None = None,
) -> list[tuple[OutboxMessage, DunningDocumentRow]]:
    """Messages with their documents, in the order they were queued."""
    query = (
        select(OutboxMessage, DunningDocumentRow)
        .join(DunningDocumentRow, DunningDocumentRow.id == OutboxMessage.document_id)
        .where(OutboxMessage.org_id == org_id)
    )
    if statuses is not None:
        query = query.where(OutboxMessage.status.in_(statuses))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    return [(m, d) for m, d in session.execute(query.order_by(OutboxMessage.id))]


def outbox_ids(
    session: Session, org_id: int, statuses: Sequence[str], limit: int | None = None
) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.org_id == org_id, OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_outbox(session: Session, org_id: int, statuses: Sequence[str]) -> int:
    query = select(func.count()).where(
        OutboxMessage.org_id == org_id, OutboxMessage.status.in_(statuses)
    )
    return int(session.scalar(query) or 0)


def move_message(
    session: Session,
    message_id: int,
    current: Sequence[OutboxStatus],
    target: OutboxStatus,
    values: Mapping[str, object],
    *,
    attempts: int | None = None,
) -> bool:
    """Move a message from one of ``current`` to ``target`` by one conditional UPDATE
    (``kit.transitions``), and only if it still has ``attempts`` (the claim it is
    under) where given; whether it moved. Rows in the session are not refreshed."""
    for state in current:
        OUTBOX_WORKFLOW.check(state, target)
    condition = (OutboxMessage.id == message_id) & OutboxMessage.status.in_(
        [s.value for s in current]
    )
    if attempts is not None:
        condition &= OutboxMessage.attempts == attempts
    statement = (
        update(OutboxMessage)
        .where(condition)
        .values({"status": target.value, **values})
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount == 1
