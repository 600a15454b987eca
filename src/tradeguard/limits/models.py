"""The limit tables: requests and their decisions, the limits in force, stop-shipments."""

from __future__ import annotations

import datetime as dt

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

from tradeguard.kit.orm import Base, UtcDateTime, money_column
from tradeguard.ledger.models import Buyer


class CreditLimitRequest(Base):
    """A request for a credit limit and its decision (pending → approved or rejected)."""

    __tablename__ = "credit_limit_requests"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),
        Index("ix_credit_limit_requests_org_buyer", "org_id", "buyer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = money_column()
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
    # "request": asked for by a person; "proposal": proposed by the monitoring rules (a
    # cut after a downgrade, an increase after a sustained upgrade).
    origin: Mapped[str] = mapped_column(String(10), default="request", server_default="request")


class CreditLimit(Base):
    """The credit limit in force for a buyer (set by an approved request)."""

    __tablename__ = "credit_limits"
    __table_args__ = (ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),)

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = money_column()
    currency: Mapped[str] = mapped_column(String(3))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("credit_limit_requests.id"))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class StopShipment(Base):
    """No new deliveries to this buyer: temporary (until a date) or permanent."""

    __tablename__ = "stop_shipments"
    __table_args__ = (ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),)

    org_id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    until: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
