"""The collections tables: the steps each invoice took, the documents they produced (a
letter, an e-mail in the outbox, a phone task, an agency hand-over), promises to pay and
each organisation's dunning policies.

A step is taken once per invoice (unique key), so no run can take it twice; an e-mail is
written to the outbox before it is sent and marked after, so a restarted run sends only
what is not marked."""

from __future__ import annotations

import datetime as dt

from pydantic import JsonValue
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.orm import Base, UtcDateTime, money_column

_ID = BigInteger().with_variant(Integer, "sqlite")


class DunningDocumentRow(Base):
    """What one step sends one buyer on one day, for all its invoices at that step (a
    run for a day that ran before, after new invoices came in, sends a second one)."""

    __tablename__ = "dunning_documents"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_dunning_documents_org_as_of", "org_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[dt.date] = mapped_column(Date)
    channels: Mapped[str] = mapped_column(String(40))  # e.g. "letter,email"
    language: Mapped[str] = mapped_column(String(5))
    # letter: to_print until someone prints it (printed); null for other channels
    letter_status: Mapped[str | None] = mapped_column(String(12))
    printed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class DunningAction(Base):
    """A step an invoice took (done) or passed over in a catch-up (skipped)."""

    __tablename__ = "dunning_actions"
    __table_args__ = (
        UniqueConstraint("org_id", "invoice_id", "step"),
        Index("ix_dunning_actions_org_buyer", "org_id", "buyer_id"),
        Index("ix_dunning_actions_org_as_of", "org_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[str] = mapped_column(String(64))
    buyer_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))  # done, skipped
    as_of: Mapped[dt.date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = money_column()  # open on the day, invoice's currency
    currency: Mapped[str] = mapped_column(String(3))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)  # a broken promise
    document_id: Mapped[int | None] = mapped_column(ForeignKey(DunningDocumentRow.id))


class OutboxMessage(Base):
    """An e-mail to send: queued → sending → sent; a message found ``sending`` after a
    crash may have left, so it becomes ``unconfirmed`` and is never resent by itself."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id))
    document_id: Mapped[int] = mapped_column(ForeignKey(DunningDocumentRow.id), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # what was sent, kept when it is claimed for sending
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PhoneTask(Base):
    """A call a credit manager makes, with its outcome once made."""

    __tablename__ = "phone_tasks"
    __table_args__ = (Index("ix_phone_tasks_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id))
    document_id: Mapped[int] = mapped_column(ForeignKey(DunningDocumentRow.id), unique=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(320))  # a credit manager's e-mail
    status: Mapped[str] = mapped_column(String(10))  # open, done
    outcome: Mapped[str | None] = mapped_column(String(12))  # reached, promise, ...
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(200))


class AgencyHandover(Base):
    """Debts handed over to a collection agency: open until the file has gone."""

    __tablename__ = "agency_handovers"
    __table_args__ = (Index("ix_agency_handovers_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id))
    document_id: Mapped[int] = mapped_column(ForeignKey(DunningDocumentRow.id), unique=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # open, sent
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(200))


class Promise(Base):
    """A buyer's promise to pay ``amount`` by ``promised_for``."""

    __tablename__ = "promises"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_promises_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    made_on: Mapped[dt.date] = mapped_column(Date)
    promised_for: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open, kept, broken
    settled_on: Mapped[dt.date | None] = mapped_column(Date)  # when kept or broken
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))


class PromiseInvoice(Base):
    """An invoice a promise covers."""

    __tablename__ = "promise_invoices"

    promise_id: Mapped[int] = mapped_column(ForeignKey(Promise.id), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class DunningSettingsRow(Base):
    """An organisation's dunning policies and letterhead (``DunningSettings``)."""

    __tablename__ = "dunning_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    settings: Mapped[dict[str, JsonValue]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
