"""The ledger tables. Every row belongs to one organisation (the seller).

Amounts are integers in the currency's minor units; FX rates are exact decimals kept as
text; dates are dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.orm import Base, DecimalText, money_column


class Buyer(Base):
    __tablename__ = "buyers"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    industry: Mapped[str] = mapped_column(String(100))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    # Who is chased, and in which language (en, zh): the dunning letters, e-mails, calls.
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(5))


class FinancialStatement(Base):
    __tablename__ = "financial_statements"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_assets: Mapped[int] = money_column()
    current_assets: Mapped[int] = money_column()
    current_liabilities: Mapped[int] = money_column()
    total_liabilities: Mapped[int] = money_column()
    retained_earnings: Mapped[int] = money_column()
    ebit: Mapped[int] = money_column()
    sales: Mapped[int] = money_column()
    equity: Mapped[int] = money_column()
    market_equity: Mapped[int | None] = mapped_column(BigInteger)
    interest_expense: Mapped[int | None] = mapped_column(BigInteger)
    net_income: Mapped[int | None] = mapped_column(BigInteger)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_invoices_org_buyer", "org_id", "buyer_id"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_payments_org_buyer", "org_id", "buyer_id"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    invoice_id: Mapped[str | None] = mapped_column(String(64))


class CreditNote(Base):
    __tablename__ = "credit_notes"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_credit_notes_org_buyer", "org_id", "buyer_id"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    invoice_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class WriteOff(Base):
    """The unpaid part of an invoice written off as bad debt."""

    __tablename__ = "write_offs"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.invoice_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()


class Allocation(Base):
    """A settlement of one invoice by one payment, credit note or write-off.

    Derived data: recomputed from the ledger by ``services.allocation`` whenever a
    buyer's invoices or money change, so it always follows the documented rule.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.invoice_id"]),
        Index("ix_allocations_org_buyer", "org_id", "buyer_id", "invoice_id"),
        Index("ix_allocations_org_invoice", "org_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[str] = mapped_column(String(64))
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.invoice_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    # Minor units of the invoice's currency: what is disputed (the invoice's open amount
    # when the file names none). Null only for disputes stored before amounts were kept.
    amount: Mapped[int | None] = mapped_column(BigInteger)
    # valid: the buyer must pay; justified: a credit note follows. Null while open.
    outcome: Mapped[str | None] = mapped_column(String(10))


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_orders_org_buyer", "org_id", "buyer_id"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")


class BuyerEvent(Base):
    """News about a buyer from a credit bureau, the insurer or the credit team
    (an insolvency, a payment default, legal proceedings...)."""

    __tablename__ = "buyer_events"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_buyer_events_org_date", "org_id", "date"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text)


class InsurerLimit(Base):
    """One credit limit decision of the insurer on a buyer, effective from a date; the
    latest effective one is in force until its expiry. Amount 0 is a refusal."""

    __tablename__ = "insurer_limits"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
    )

    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    effective_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    conditions: Mapped[str | None] = mapped_column(Text)


class FxRate(Base):
    """Units of the organisation's base currency for one unit of ``currency`` on ``date``."""

    __tablename__ = "fx_rates"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText())
