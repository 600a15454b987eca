"""The ledger tables. Every row belongs to one organisation (the seller).

Keys are the seller's own identifiers (``buyer_id``, ``invoice_id``...) scoped by
``org_id``, so imports write straight into the tables without id mapping. Money is an
integer of minor units plus its ISO 4217 currency: identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal stored as text, for ratios such as FX rates (not money)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:  # noqa: ARG002
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:  # noqa: ARG002
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in time, always timezone-aware UTC (SQLite would drop the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: dt.datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self,
        value: dt.datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _money() -> Mapped[int]:
    return mapped_column(BigInteger, nullable=False)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    base_currency: Mapped[str] = mapped_column(String(3))
    # How amounts read on the command line (a Babel/CLDR locale such as en_GB).
    locale: Mapped[str] = mapped_column(String(35), default="en_GB", server_default="en_GB")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )


class Buyer(Base):
    __tablename__ = "buyers"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    industry: Mapped[str] = mapped_column(String(100))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)


class FinancialStatement(Base):
    __tablename__ = "financial_statements"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_assets: Mapped[int] = _money()
    current_assets: Mapped[int] = _money()
    current_liabilities: Mapped[int] = _money()
    total_liabilities: Mapped[int] = _money()
    retained_earnings: Mapped[int] = _money()
    ebit: Mapped[int] = _money()
    sales: Mapped[int] = _money()
    equity: Mapped[int] = _money()
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
    amount: Mapped[int] = _money()
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
    amount: Mapped[int] = _money()
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
    amount: Mapped[int] = _money()
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
    amount: Mapped[int] = _money()


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
    amount: Mapped[int] = _money()


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
    amount: Mapped[int] = _money()
    currency: Mapped[str] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")


class FxRate(Base):
    """Units of the organisation's base currency for one unit of ``currency`` on ``date``."""

    __tablename__ = "fx_rates"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText())


class AuditEntry(Base):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CycleRun(Base):
    """One step of the daily protection cycle done for one as-of date: never twice."""

    __tablename__ = "cycle_runs"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class User(Base):
    """A person who signs in; belongs to exactly one organisation, with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # None: never
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A signed-in browser; the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class LoginThrottle(Base):
    """Failed sign-ins counted per account (``kind='account'``, the lower-cased e-mail,
    known or not) and per client address (``kind='address'``).

    ``next_attempt_ms`` (milliseconds since the Unix epoch, plain integers so that the
    database itself can compare and add them in one atomic statement on SQLite and
    PostgreSQL alike) is when the next attempt may be checked.
    """

    __tablename__ = "login_throttle"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger, index=True)


# ---- credit assessment ---------------------------------------------------------------


class CreditScore(Base):
    """One buyer's assessment on one scoring date: the score history (one row per date)."""

    __tablename__ = "credit_scores"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_credit_scores_org_as_of", "org_id", "as_of"),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    grade: Mapped[int] = mapped_column(Integer)
    credit_class: Mapped[str] = mapped_column(String(1))
    limit_recommended: Mapped[int] = _money()
    currency: Mapped[str] = mapped_column(String(3))
    altman_variant: Mapped[str | None] = mapped_column(String(4))
    altman_value: Mapped[float | None] = mapped_column(Float)
    altman_zone: Mapped[str | None] = mapped_column(String(10))
    country_grade: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    scored_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CreditSettingsRow(Base):
    """An organisation's credit settings (``domain.credit.settings.CreditSettings``)."""

    __tablename__ = "credit_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


class CreditModel(Base):
    """A model fitted on the organisation's own history, with its validation report."""

    __tablename__ = "credit_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    fitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    fitted_by: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class CountryOverride(Base):
    """An organisation's own view of a country, over the shipped country risk table."""

    __tablename__ = "country_overrides"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    grade: Mapped[int] = mapped_column(Integer)
    political_risk: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)


class CreditLimitRequest(Base):
    """A request for a credit limit and its decision (pending → approved or rejected)."""

    __tablename__ = "credit_limit_requests"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_credit_limit_requests_org_buyer", "org_id", "buyer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = _money()
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    approved_amount: Mapped[int | None] = mapped_column(BigInteger)
    # Why a grade 9-10 or class C buyer was approved all the same (the decider's words).
    override_reason: Mapped[str | None] = mapped_column(Text)


class CreditLimit(Base):
    """The credit limit in force for a buyer (set by an approved request)."""

    __tablename__ = "credit_limits"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = _money()
    currency: Mapped[str] = mapped_column(String(3))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("credit_limit_requests.id"))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class StopShipment(Base):
    """No new deliveries to this buyer: temporary (until a date) or permanent."""

    __tablename__ = "stop_shipments"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
    )

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    until: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
