"""The dunning run and what it leaves to do: every open invoice on its ladder, the
documents the steps produce, promises to pay, and the worklist.

A run for a date takes each invoice's due step once (``dunning_actions`` has one row per
invoice and step), so a second run for the same date, or the daily cycle after the
command, does nothing. What the steps produce is written in the same unit of work: one
document per buyer and step (its invoices grouped), an e-mail queued in the outbox, a
letter to print, a phone task for a credit manager, an agency hand-over. E-mails leave
only after the run has committed (``collections.outbox``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

import polars as pl
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.collections import repository
from tradeguard.collections.letters import validate_template
from tradeguard.collections.models import (
    AgencyHandover,
    DunningAction,
    DunningDocumentRow,
    OutboxMessage,
    PhoneTask,
    Promise,
    PromiseInvoice,
)
from tradeguard.disputes.service import open_dispute
from tradeguard.domain.collections.documents import DocumentItem, DunningDocument
from tradeguard.domain.collections.effectiveness import effectiveness
from tradeguard.domain.collections.ladder import ITEMS_SCHEMA, ActionStatus, plan
from tradeguard.domain.collections.policy import (
    UNSCORED_CLASS,
    Channel,
    DunningSettings,
    default_templates,
)
from tradeguard.domain.collections.promises import PromiseStatus, running, settle
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot, rates_on, to_base
from tradeguard.domain.money import from_minor, to_minor
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import serialise
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.ledger.models import Allocation, Buyer, Invoice
from tradeguard.locale import N_, translate

# ---- settings ----------------------------------------------------------------------


def load_settings(session: Session, org: Org) -> DunningSettings:
    settings = DunningSettings.from_dict(repository.settings_values(session, org.id))
    if not settings.letterhead.name:
        settings = replace(settings, letterhead=replace(settings.letterhead, name=org.name))
    return settings


def save_settings(
    session: Session, org: Org, changes: dict[str, Any], actor: str, *, replace_all: bool = False
) -> DunningSettings:
    """Change the settings (a TOML file's whole document with ``replace_all``); audited."""
    stored = repository.settings_values(session, org.id) or {}
    before = DunningSettings.from_dict(stored)
    values: dict[str, Any] = dict(changes) if replace_all else {**before.as_dict(), **changes}
    if not replace_all:
        for name, value in changes.items():
            if "." in name:  # letterhead.name=...
                head, _, field = name.partition(".")
                values.pop(name)
                nested = dict(values.get(head) or {})
                nested[field] = value
                values[head] = nested
    after = DunningSettings.from_dict(values)
    _check_templates(after)
    repository.save_settings_values(session, org.id, after.as_dict(), actor)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="update",
        entity="dunning_settings",
        entity_key=str(org.id),
        before=before.as_dict(),
        after=after.as_dict(),
    )
    return after


def _check_templates(settings: DunningSettings) -> None:
    for policy in settings.policies.values():
        for step in policy.steps:
            for language, template in step.templates.items():
                validate_template(template, language, step.name)


# ---- the run ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A step an invoice took on a run, as ``dunning run`` prints it."""

    buyer_id: str
    invoice_id: str
    step: str
    channel: str
    days_overdue: int
    amount: Decimal  # open on the day, in the invoice's currency
    currency: str
    status: str  # done or skipped
    escalated: bool  # taken at once after a broken promise


@dataclass(frozen=True, slots=True)
class DunningRun:
    as_of: dt.date
    actions: list[ActionRecord]
    documents: int
    promises_kept: int
    promises_broken: int

    def summary(self) -> dict[str, Any]:
        """What the daily cycle records for the step."""
        done = sum(1 for a in self.actions if a.status == ActionStatus.DONE)
        return {
            "done": done,
            "skipped": len(self.actions) - done,
            "documents": self.documents,
            "promises_kept": self.promises_kept,
            "promises_broken": self.promises_broken,
        }


def open_items_on(snapshot: LedgerSnapshot, as_of: dt.date) -> pl.DataFrame:
    """invoice_id, buyer_id, issue_date, due_date, currency, amount, open (own minor
    units) of every invoice issued by ``as_of`` with something open at its end."""
    settled = (
        snapshot.allocations.lazy()
        .filter(pl.col("date") <= as_of)
        .group_by("invoice_id")
        .agg(settled=pl.col("amount").sum())
    )
    return (
        snapshot.invoices.lazy()
        .filter(pl.col("issue_date") <= as_of)
        .join(settled, on="invoice_id", how="left", maintain_order="left")
        .with_columns(open=pl.col("amount") - pl.col("settled").fill_null(0))
        .filter(pl.col("open") > 0)
        .drop("settled")
        .collect()
    )


def _paused(disputes: pl.DataFrame, promised: pl.Series, as_of: dt.date) -> pl.Series:
    """The invoices off the ladder on ``as_of``: a dispute open, a justified dispute
    (a credit note is expected), a promise running."""
    disputed = disputes.filter(
        pl.col("opened_on") <= as_of,
        pl.col("resolved_on").is_null()
        | (pl.col("resolved_on") > as_of)
        | (pl.col("outcome") == "justified"),
    )["invoice_id"]
    return pl.concat([disputed, promised.cast(pl.String)]).unique()


def _language(org_locale: str) -> str:
    return "zh" if org_locale.startswith("zh") else "en"


def run_dunning(
    session: Session, org: Org, as_of: dt.date, actor: str, snapshot: LedgerSnapshot
) -> DunningRun:
    """Take every invoice's due step on ``as_of``; settle promises first."""
    serialise(session, f"dunning:{org.id}", f"a dunning run is already going for {org.name}")
    settings = load_settings(session, org)
    connection = session.connection()
    items = open_items_on(snapshot, as_of)
    promises, coverage = repository.open_promises(connection, org.id)
    kept, broken = _settle_promises(
        session, org, settings, snapshot, items, (promises, coverage), as_of, actor
    )
    still_open = promises.filter(~pl.col("promise_id").is_in(kept + broken))
    promised = running(still_open, coverage, as_of, settings.promise_grace_days)
    paused = _paused(repository.disputes(connection, org.id), promised, as_of)
    escalate = coverage.filter(pl.col("promise_id").is_in(broken))["invoice_id"]
    earliest = min(p.steps[0].days for p in settings.policies.values())
    classes = repository.credit_classes(connection, org.id, as_of)
    candidates = (
        items.with_columns(days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days())
        .filter(pl.col("days_overdue") >= earliest)
        .join(classes, on="buyer_id", how="left", maintain_order="left")
        .with_columns(
            policy=pl.col("credit_class").fill_null(UNSCORED_CLASS),
            paused=pl.col("invoice_id").is_in(paused.implode()),
            escalate=pl.col("invoice_id").is_in(escalate.implode()),
        )
        .select(list(ITEMS_SCHEMA))
    )
    actions = plan(candidates, repository.history(connection, org.id), settings.policies, as_of)
    documents = _write(session, org, settings, actions, as_of, actor)
    records = [
        ActionRecord(
            buyer_id=a["buyer_id"],
            invoice_id=a["invoice_id"],
            step=a["step"],
            channel=a["channel"],
            days_overdue=a["days_overdue"],
            amount=from_minor(a["open"], a["currency"]),
            currency=a["currency"],
            status=a["status"],
            escalated=a["escalated"],
        )
        for a in actions.iter_rows(named=True)
    ]
    run = DunningRun(as_of, records, documents, len(kept), len(broken))
    if records or kept or broken:
        audit.record(
            session,
            org_id=org.id,
            actor=actor,
            action="dunning_run",
            entity="dunning_actions",
            entity_key=as_of.isoformat(),
            after=run.summary(),
        )
    return run


def _settle_promises(
    session: Session,
    org: Org,
    settings: DunningSettings,
    snapshot: LedgerSnapshot,
    items: pl.DataFrame,
    open_promises: tuple[pl.DataFrame, pl.DataFrame],
    as_of: dt.date,
    actor: str,
) -> tuple[list[int], list[int]]:
    """Mark the open promises kept or broken on ``as_of``; the ids of each."""
    promises, coverage = open_promises
    if not promises.height:
        return [], []
    payments = snapshot.allocations.filter(pl.col("source_type") != "write_off").select(
        "invoice_id", "date", "amount"
    )
    states = settle(
        promises,
        coverage,
        payments,
        items.select("invoice_id", "open"),
        as_of,
        settings.promise_grace_days,
    ).filter(pl.col("status") != PromiseStatus.OPEN.value)
    repository.settle_promises(session, states, as_of)
    audit.record_many(
        session,
        org.id,
        actor,
        [
            {
                "action": s["status"],
                "entity": "promises",
                "entity_key": str(s["promise_id"]),
                "before": {"status": "open"},
                "after": {"status": s["status"], "paid": s["paid"], "on": as_of.isoformat()},
            }
            for s in states.iter_rows(named=True)
        ],
    )
    kept = states.filter(pl.col("status") == PromiseStatus.KEPT.value)["promise_id"].to_list()
    broken = states.filter(pl.col("status") == PromiseStatus.BROKEN.value)["promise_id"].to_list()
    return kept, broken


def _write(
    session: Session,
    org: Org,
    settings: DunningSettings,
    actions: pl.DataFrame,
    as_of: dt.date,
    actor: str,
) -> int:
    """Store the actions and, per buyer and step done, its document and what it asks
    for (e-mail, letter, call, hand-over); the number of documents."""
    if not actions.height:
        return 0
    connection = session.connection()
    organisation = session.get(Organisation, org.id)
    fallback_language = _language(organisation.locale if organisation else "en")
    contacts = repository.contacts(connection, org.id)
    channels_of = {
        (key, s.name): [c.value for c in s.channels]
        for key, policy in settings.policies.items()
        for s in policy.steps
    }
    done = actions.filter(pl.col("status") == ActionStatus.DONE.value)
    groups = (
        done.group_by("buyer_id", "step", "policy")
        .agg()
        .join(contacts, on="buyer_id", how="left")
        .sort("buyer_id", "step")
    )
    rows = []
    for g in groups.iter_rows(named=True):
        channels = list(channels_of[(g["policy"], g["step"])])
        if Channel.EMAIL.value in channels and not g["email"]:
            channels.remove(Channel.EMAIL.value)  # no address: the letter says it instead
            if Channel.LETTER.value not in channels:
                channels.insert(0, Channel.LETTER.value)
        rows.append(
            {
                "buyer_id": g["buyer_id"],
                "step": g["step"],
                "as_of": as_of,
                "channels": ",".join(channels),
                "language": g["language"] or fallback_language,
                "letter_status": "to_print" if Channel.LETTER.value in channels else None,
                "printed_at": None,
                "email": g["email"],
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "buyer_id": pl.String,
            "step": pl.String,
            "as_of": pl.Date,
            "channels": pl.String,
            "language": pl.String,
            "letter_status": pl.String,
            "printed_at": pl.Datetime("us", "UTC"),
            "email": pl.String,
        },
    )
    documents = repository.add_documents(connection, org.id, frame.drop("email")).join(
        frame.select("buyer_id", "step", "email"), on=["buyer_id", "step"]
    )
    repository.add_rows(
        connection,
        DunningAction,
        actions.join(
            documents.select("buyer_id", "step", pl.col("id").alias("document_id")),
            on=["buyer_id", "step"],
            how="left",
        )
        .with_columns(
            document_id=pl.when(pl.col("status") == ActionStatus.DONE.value).then(
                pl.col("document_id")
            ),
            org_id=pl.lit(org.id),
            as_of=pl.lit(as_of),
        )
        .select(
            "org_id",
            "invoice_id",
            "buyer_id",
            "step",
            "channel",
            "status",
            "as_of",
            "days_overdue",
            pl.col("open").alias("amount"),
            "currency",
            "escalated",
            "document_id",
        ),
    )
    now = dt.datetime.now(dt.UTC)
    has = pl.col("channels").str.split(",").list.contains
    emails = documents.filter(has(Channel.EMAIL.value))
    repository.add_rows(
        connection,
        OutboxMessage,
        emails.select(
            org_id=pl.lit(org.id),
            document_id="id",
            recipient="email",
            status=pl.lit("queued"),
            queued_at=pl.lit(now),
            attempts=pl.lit(0),
        ),
    )
    managers = repository.credit_managers(session, org.id)
    calls = documents.filter(has(Channel.PHONE.value))
    repository.add_rows(
        connection,
        PhoneTask,
        calls.select(
            org_id=pl.lit(org.id),
            document_id="id",
            buyer_id="buyer_id",
            assignee=pl.Series(
                [_assignee(b, managers) for b in calls["buyer_id"]], dtype=pl.String
            ),
            status=pl.lit("open"),
        ),
    )
    repository.add_rows(
        connection,
        AgencyHandover,
        documents.filter(has(Channel.AGENCY.value)).select(
            org_id=pl.lit(org.id), document_id="id", buyer_id="buyer_id", status=pl.lit("open")
        ),
    )
    audit.record_many(
        session,
        org.id,
        actor,
        [
            {
                "action": "dunning",
                "entity": "dunning_documents",
                "entity_key": str(d["id"]),
                "before": None,
                "after": {
                    "buyer_id": d["buyer_id"],
                    "step": d["step"],
                    "as_of": as_of.isoformat(),
                    "channels": d["channels"],
                },
            }
            for d in documents.iter_rows(named=True)
        ],
    )
    return documents.height


def _assignee(buyer_id: str, managers: list[str]) -> str | None:
    """The credit manager who calls a buyer: the same one every time (a stable hash)."""
    if not managers:
        return None
    return managers[zlib.crc32(buyer_id.encode()) % len(managers)]


# ---- documents -----------------------------------------------------------------------


def document_of(session: Session, org: Org, document_id: int) -> DunningDocument:
    """A stored document as its letter, e-mail or script renders it."""
    row = repository.document(session, org.id, document_id)
    if row is None:
        raise NotFoundError(f"no dunning document {document_id}")
    buyer = session.get(Buyer, (org.id, row.buyer_id))
    assert buyer is not None  # a foreign key
    settings = load_settings(session, org)
    step = next(
        (s for p in settings.policies.values() for s in p.steps if s.name == row.step), None
    )
    if step is None:  # a step since removed from the policy: its shipped wording
        template = default_templates(row.step, Channel(row.channels.split(",")[0]))
        wording = template.get(row.language) or template["en"]
    else:
        wording = step.template(row.language)
    items = tuple(
        DocumentItem(
            invoice_id=invoice.invoice_id,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            days_overdue=action.days_overdue,
            amount=from_minor(invoice.amount, invoice.currency),
            open_amount=from_minor(action.amount, action.currency),
            currency=action.currency,
        )
        for action, invoice in repository.document_items(session, org.id, document_id)
    )
    return DunningDocument(
        step=row.step,
        language=row.language,
        date=row.as_of,
        seller=settings.letterhead,
        buyer_id=buyer.buyer_id,
        buyer_name=buyer.name,
        contact_name=buyer.contact_name,
        items=items,
        template=wording,
    )


# ---- promises --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PromiseRecord:
    id: int
    buyer_id: str
    amount: Decimal
    currency: str
    made_on: dt.date
    promised_for: dt.date
    status: str
    settled_on: dt.date | None
    invoice_ids: list[str]
    note: str | None

    def audit_value(self) -> audit.AuditValue:
        value: audit.AuditValue = to_jsonable(asdict(self))
        return value


def add_promise(
    session: Session,
    org: Org,
    *,
    buyer_id: str,
    amount: Decimal,
    promised_for: dt.date,
    made_on: dt.date,
    actor: str,
    invoice_id: str | None = None,
    note: str | None = None,
) -> PromiseRecord:
    """Record a promise to pay; it pauses the ladder of the invoices it covers (the one
    named, else every invoice of the buyer open on ``made_on``) until its date."""
    buyer = session.get(Buyer, (org.id, buyer_id))
    if buyer is None:
        raise NotFoundError(f"no buyer {buyer_id!r}")
    if promised_for < made_on:
        raise InvalidInputError(
            f"the promised date {promised_for.isoformat()} is before the day the promise is "
            f"made ({made_on.isoformat()})"
        )
    if amount <= 0:
        raise InvalidInputError(f"the promised amount must be more than 0, not {amount}")
    invoices = _covered(session, org, buyer, invoice_id, made_on)
    currency = invoices[0].currency
    if len({i.currency for i in invoices}) > 1:
        raise InvalidInputError(
            f"{buyer_id}'s open invoices are in several currencies; name the invoice "
            "the promise is for"
        )
    row = Promise(
        org_id=org.id,
        buyer_id=buyer_id,
        amount=to_minor(amount, currency),
        currency=currency,
        made_on=made_on,
        promised_for=promised_for,
        status=PromiseStatus.OPEN.value,
        note=note,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    session.add_all(PromiseInvoice(promise_id=row.id, invoice_id=i.invoice_id) for i in invoices)
    record = _promise_record(row, [i.invoice_id for i in invoices])
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="create",
        entity="promises",
        entity_key=str(row.id),
        after=record.audit_value(),
    )
    return record


def _covered(
    session: Session, org: Org, buyer: Buyer, invoice_id: str | None, on: dt.date
) -> list[Invoice]:
    if invoice_id is not None:
        invoice = session.get(Invoice, (org.id, invoice_id))
        if invoice is None or invoice.buyer_id != buyer.buyer_id:
            raise NotFoundError(f"no invoice {invoice_id!r} of buyer {buyer.buyer_id!r}")
        return [invoice]
    settled = (
        select(Allocation.invoice_id)
        .where(Allocation.org_id == org.id, Allocation.buyer_id == buyer.buyer_id)
        .where(Allocation.date <= on)
        .group_by(Allocation.invoice_id)
        .having(
            func.sum(Allocation.amount)
            >= select(Invoice.amount)
            .where(Invoice.org_id == org.id, Invoice.invoice_id == Allocation.invoice_id)
            .scalar_subquery()
        )
    )
    invoices = list(
        session.scalars(
            select(Invoice)
            .where(Invoice.org_id == org.id, Invoice.buyer_id == buyer.buyer_id)
            .where(Invoice.issue_date <= on, Invoice.invoice_id.not_in(settled))
            .order_by(Invoice.due_date, Invoice.invoice_id)
        )
    )
    if not invoices:
        raise InvalidInputError(f"{buyer.buyer_id} has no invoice open on {on.isoformat()}")
    return invoices


def _promise_record(row: Promise, invoice_ids: list[str]) -> PromiseRecord:
    return PromiseRecord(
        id=row.id,
        buyer_id=row.buyer_id,
        amount=from_minor(row.amount, row.currency),
        currency=row.currency,
        made_on=row.made_on,
        promised_for=row.promised_for,
        status=row.status,
        settled_on=row.settled_on,
        invoice_ids=invoice_ids,
        note=row.note,
    )


def list_promises(
    session: Session, org: Org, *, buyer_id: str | None = None, status: str | None = None
) -> list[PromiseRecord]:
    if status is not None and status not in {s.value for s in PromiseStatus}:
        raise InvalidInputError(f"status: open, kept or broken, not {status!r}")
    rows = repository.promises(session, org.id, buyer_id=buyer_id, status=status)
    covered = repository.promise_coverage(session, [r.id for r in rows])
    return [_promise_record(r, covered.get(r.id, [])) for r in rows]


# ---- the worklist ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkItem:
    """Something a person does today: a call, a letter to print, a hand-over to send, a
    promise falling due, an e-mail that did not leave."""

    kind: str  # call, letter, handover, promise, email
    id: int  # the task's, document's, hand-over's, promise's or message's id
    buyer_id: str
    buyer_name: str
    step: str | None
    since: dt.date  # the run that made it, or the promised date
    amounts: dict[str, Decimal]  # open on the day, per currency
    detail: dict[str, str | None]  # phone and contact, assignee, recipient, status...


@dataclass(frozen=True, slots=True)
class Worklist:
    as_of: dt.date
    calls: list[WorkItem]
    letters: list[WorkItem]
    handovers: list[WorkItem]
    promises: list[WorkItem]
    emails: list[WorkItem]


def worklist(session: Session, org: Org, as_of: dt.date) -> Worklist:
    """What is left to do on ``as_of`` from the runs up to it."""
    totals = repository.document_totals(session, org.id, as_of)
    names = repository.buyer_names(session, org.id)

    def item(
        kind: str,
        id_: int,
        buyer_id: str,
        step: str | None,
        since: dt.date,
        document_id: int | None,
        **detail: str | None,
    ) -> WorkItem:
        amounts = (
            {
                currency: from_minor(minor, currency)
                for currency, minor in totals.get(document_id, {}).items()
            }
            if document_id is not None
            else {}
        )
        return WorkItem(
            kind, id_, buyer_id, names.get(buyer_id, buyer_id), step, since, amounts, detail
        )

    calls = [
        item(
            "call",
            t.id,
            t.buyer_id,
            d.step,
            d.as_of,
            d.id,
            assignee=t.assignee,
            phone=b.phone,
            contact_name=b.contact_name,
        )
        for t, d, b in repository.open_calls(session, org.id, as_of)
    ]
    letters = [
        item("letter", d.id, d.buyer_id, d.step, d.as_of, d.id, language=d.language)
        for d in repository.letters_to_print(session, org.id, as_of)
    ]
    handovers = [
        item("handover", h.id, h.buyer_id, d.step, d.as_of, d.id)
        for h, d in repository.open_handovers(session, org.id, as_of)
    ]
    promises = [
        WorkItem(
            "promise",
            p.id,
            p.buyer_id,
            names.get(p.buyer_id, p.buyer_id),
            None,
            p.promised_for,
            {p.currency: from_minor(p.amount, p.currency)},
            {"made_on": p.made_on.isoformat()},
        )
        for p in repository.promises_due(session, org.id, as_of)
    ]
    emails = [
        item(
            "email",
            m.id,
            d.buyer_id,
            d.step,
            d.as_of,
            d.id,
            recipient=m.recipient,
            status=m.status,
            error=m.last_error,
        )
        for m, d in repository.unsent_emails(session, org.id, as_of)
    ]
    return Worklist(as_of, calls, letters, handovers, promises, emails)


# ---- what people do with the documents ---------------------------------------------------


class CallOutcome(StrEnum):
    REACHED = "reached"
    PROMISE = "promise"
    DISPUTE = "dispute"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: int
    buyer_id: str
    document_id: int
    assignee: str | None
    status: str
    outcome: str | None
    note: str | None
    done_by: str | None
    promise_id: int | None = None
    dispute_id: str | None = None


def _finish(
    session: Session, model: type[Any], org: Org, row_id: int, what: str, **values: Any
) -> None:
    """open → done/sent once: a conditional UPDATE, so two people never both finish it."""
    done = session.execute(
        update(model)
        .where(model.id == row_id, model.org_id == org.id, model.status == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        row = session.get(model, row_id)
        if row is None or row.org_id != org.id:
            raise NotFoundError(f"no {what} {row_id}")
        raise ConflictError(f"{what} {row_id} is already done")


def record_call(
    session: Session,
    org: Org,
    task_id: int,
    outcome: CallOutcome,
    actor: str,
    *,
    on: dt.date,
    note: str | None = None,
    promise: tuple[Decimal, dt.date] | None = None,
    promise_invoice: str | None = None,
    dispute: tuple[str, str] | None = None,
) -> CallRecord:
    """The outcome of a call (audited). ``promise`` (amount, date) records the promise
    to pay it brought, for ``promise_invoice`` alone or every open invoice of the buyer
    (which must then share one currency); ``dispute`` (invoice id, reason) opens the
    dispute it raised."""
    if (outcome is CallOutcome.PROMISE) != (promise is not None):
        raise InvalidInputError("a promise outcome needs the promised amount and date")
    if (outcome is CallOutcome.DISPUTE) != (dispute is not None):
        raise InvalidInputError("a dispute outcome needs the invoice and the reason")
    before = session.get(PhoneTask, task_id)
    if before is None or before.org_id != org.id:
        raise NotFoundError(f"no phone task {task_id}")
    buyer_id = before.buyer_id
    _finish(
        session,
        PhoneTask,
        org,
        task_id,
        "phone task",
        status="done",
        outcome=outcome.value,
        note=note,
        done_at=dt.datetime.now(dt.UTC),
        done_by=actor,
    )
    promise_id = dispute_id = None
    if promise is not None:
        amount, promised_for = promise
        promise_id = add_promise(
            session,
            org,
            buyer_id=buyer_id,
            amount=amount,
            promised_for=promised_for,
            made_on=on,
            actor=actor,
            invoice_id=promise_invoice,
            note=note,
        ).id
    if dispute is not None:
        invoice_id, reason = dispute
        invoice = session.get(Invoice, (org.id, invoice_id))
        if invoice is None or invoice.buyer_id != buyer_id:
            raise NotFoundError(f"no invoice {invoice_id!r} of buyer {buyer_id!r}")
        dispute_id = open_dispute(session, org, invoice_id, reason, actor, opened_on=on).dispute_id
    session.refresh(before)
    record = CallRecord(
        id=before.id,
        buyer_id=buyer_id,
        document_id=before.document_id,
        assignee=before.assignee,
        status=before.status,
        outcome=before.outcome,
        note=before.note,
        done_by=before.done_by,
        promise_id=promise_id,
        dispute_id=dispute_id,
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="call",
        entity="phone_tasks",
        entity_key=str(task_id),
        before={"status": "open"},
        after=to_jsonable(asdict(record)),
    )
    return record


def mark_printed(session: Session, org: Org, document_id: int, actor: str) -> None:
    """A letter has been printed and posted: it leaves the worklist (audited)."""
    changed = session.execute(
        update(DunningDocumentRow)
        .where(
            DunningDocumentRow.id == document_id,
            DunningDocumentRow.org_id == org.id,
            DunningDocumentRow.letter_status == "to_print",
        )
        .values(letter_status="printed", printed_at=dt.datetime.now(dt.UTC))
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], changed).rowcount != 1:
        row = repository.document(session, org.id, document_id)
        if row is None or row.letter_status is None:
            raise NotFoundError(f"no letter {document_id}")
        raise ConflictError(f"letter {document_id} is already printed")
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="printed",
        entity="dunning_documents",
        entity_key=str(document_id),
        before={"letter_status": "to_print"},
        after={"letter_status": "printed"},
    )


def mark_handed_over(session: Session, org: Org, handover_id: int, actor: str) -> None:
    """The hand-over file has gone to the agency (audited)."""
    _finish(
        session,
        AgencyHandover,
        org,
        handover_id,
        "hand-over",
        status="sent",
        sent_at=dt.datetime.now(dt.UTC),
        sent_by=actor,
    )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="handed_over",
        entity="agency_handovers",
        entity_key=str(handover_id),
        before={"status": "open"},
        after={"status": "sent"},
    )


# ---- contact history and the hand-over file ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    """One thing that passed between the seller and a buyer about its debts.

    ``what`` is an English message with ``{placeholders}`` filled from ``values``: the
    pages show it in the reader's language (``said_in``), the commands in English."""

    on: dt.date
    kind: str  # letter, email, call, handover, promise, dispute
    step: str | None
    what: str
    values: dict[str, str]
    status: str | None

    @property
    def summary(self) -> str:
        return self.said_in("en")

    def said_in(self, language: str) -> str:
        values = {k: translate(language, v) if k in _WORDS else v for k, v in self.values.items()}
        return translate(language, self.what).format(**values)


_WORDS = frozenset({"outcome"})  # values that are words of the catalogue, not data


# The messages of the contact history, marked for the catalogue.
_LETTER = N_("letter {id}")
_EMAIL = N_("e-mail to {recipient}")
_CALL = N_("call by {assignee}")
_CALL_DONE = N_("call by {assignee}: {outcome}")
_CALL_NOTED = N_("call by {assignee}: {outcome} ({note})")
_HANDOVER = N_("hand-over {id} to the agency")
_PROMISE = N_("promised {amount} {currency} by {date}")
_DISPUTE = N_("dispute {id} on {invoice}: {reason}")


def contact_history(session: Session, org: Org, buyer_id: str) -> list[Contact]:
    """A buyer's dunning documents, calls and their outcomes, promises and disputes,
    newest first."""
    if session.get(Buyer, (org.id, buyer_id)) is None:
        raise NotFoundError(f"no buyer {buyer_id!r}")
    history: list[Contact] = []
    for document, call, handover, message in repository.buyer_documents(session, org.id, buyer_id):
        on, step = document.as_of, document.step
        if Channel.LETTER.value in document.channels.split(","):
            history.append(
                Contact(
                    on, "letter", step, _LETTER, {"id": str(document.id)}, document.letter_status
                )
            )
        if message is not None:
            history.append(
                Contact(on, "email", step, _EMAIL, {"recipient": message.recipient}, message.status)
            )
        if call is not None:
            what = _CALL if not call.outcome else _CALL_NOTED if call.note else _CALL_DONE
            values = {
                "assignee": call.assignee or "-",
                "outcome": call.outcome or "",
                "note": call.note or "",
            }
            history.append(Contact(on, "call", step, what, values, call.status))
        if handover is not None:
            history.append(
                Contact(on, "handover", step, _HANDOVER, {"id": str(handover.id)}, handover.status)
            )
    for promise in list_promises(session, org, buyer_id=buyer_id):
        values = {
            "amount": f"{promise.amount:,}",
            "currency": promise.currency,
            "date": promise.promised_for.isoformat(),
        }
        history.append(Contact(promise.made_on, "promise", None, _PROMISE, values, promise.status))
    for dispute in repository.buyer_disputes(session, org.id, buyer_id):
        values = {
            "id": dispute.dispute_id,
            "invoice": dispute.invoice_id,
            "reason": dispute.reason or "",
        }
        history.append(
            Contact(dispute.opened_on, "dispute", None, _DISPUTE, values, dispute.outcome or "open")
        )
    return sorted(history, key=lambda c: c.on, reverse=True)


HANDOVER_COLUMNS = (
    "buyer_id",
    "buyer_name",
    "registration_number",
    "country",
    "contact_name",
    "email",
    "phone",
    "invoice_id",
    "issue_date",
    "due_date",
    "days_overdue",
    "amount",
    "open_amount",
    "currency",
    "documents",
    "contact_history",
)


def handover_rows(session: Session, org: Org, handover_id: int) -> list[dict[str, Any]]:
    """The agency's file: one row per invoice handed over, with the buyer, the debt,
    the documents sent about it and the contact history."""
    handover = session.get(AgencyHandover, handover_id)
    if handover is None or handover.org_id != org.id:
        raise NotFoundError(f"no hand-over {handover_id}")
    document = document_of(session, org, handover.document_id)
    buyer = session.get(Buyer, (org.id, handover.buyer_id))
    assert buyer is not None  # a foreign key
    sent = repository.documents_of_invoices(
        session, org.id, [item.invoice_id for item in document.items]
    )
    history = "; ".join(
        f"{c.on.isoformat()} {c.kind} {c.summary}" + (f" [{c.status}]" if c.status else "")
        for c in contact_history(session, org, buyer.buyer_id)
    )
    return [
        {
            "buyer_id": buyer.buyer_id,
            "buyer_name": buyer.name,
            "registration_number": buyer.registration_number,
            "country": buyer.country,
            "contact_name": buyer.contact_name,
            "email": buyer.email,
            "phone": buyer.phone,
            "invoice_id": item.invoice_id,
            "issue_date": item.issue_date,
            "due_date": item.due_date,
            "days_overdue": item.days_overdue,
            "amount": item.amount,
            "open_amount": item.open_amount,
            "currency": item.currency,
            "documents": "; ".join(
                f"{on.isoformat()} {step} ({channels.replace(',', '+')})"
                for on, step, channels in sent.get(item.invoice_id, [])
            ),
            "contact_history": history,
        }
        for item in document.items
    ]


# ---- effectiveness -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepEffect:
    quarter: str
    step: str
    steps: int  # invoices that took the step in the quarter
    amount: Decimal  # open at the step, base currency
    collected: Decimal  # of it, collected within the window after the step
    share: float | None
    complete: bool  # every step of the quarter is older than the window


def step_effectiveness(
    session: Session, org: Org, as_of: dt.date, snapshot: LedgerSnapshot
) -> list[StepEffect]:
    """Per quarter and step, the share of the amount at the step collected within the
    window after it (``effectiveness_window_days``), in the base currency at ``as_of``."""
    settings = load_settings(session, org)
    actions = repository.done_actions(session.connection(), org.id, as_of)
    base = org.base_currency
    payments = snapshot.allocations.filter(pl.col("source_type") != "write_off").join(
        snapshot.invoices.select("invoice_id", "currency"), on="invoice_id"
    )
    currencies = sorted(set(actions["currency"]) | set(payments["currency"]))
    rates = rates_on(snapshot.fx, currencies, base, as_of)
    effects = effectiveness(
        actions.with_columns(amount=to_base(actions["amount"], actions["currency"], rates, base)),
        payments.with_columns(
            amount=to_base(payments["amount"], payments["currency"], rates, base)
        ).select("invoice_id", "date", "amount"),
        as_of,
        settings.effectiveness_window_days,
    )
    order = {s.name: i for p in settings.policies.values() for i, s in enumerate(p.steps)}
    return sorted(
        (
            StepEffect(
                quarter=e["quarter"],
                step=e["step"],
                steps=e["steps"],
                amount=from_minor(e["amount"], base),
                collected=from_minor(e["collected"], base),
                share=e["share"],
                complete=e["complete"],
            )
            for e in effects.iter_rows(named=True)
        ),
        key=lambda e: (e.quarter, order.get(e.step, len(order)), e.step),
    )
