"""The insurance tables: the seller's policies, the insurer's credit limit decisions, the
overdue notifications sent, claims with their recoveries, and premium declarations.

Amounts are minor units of the policy's currency. The insurer's limit decisions are an
import kind, so their table is the ledger's (``ledger.models.InsurerLimit``).
"""

from __future__ import annotations

import datetime as dt

from pydantic import JsonValue
from sqlalchemy import (
    JSON,
    BigInteger,
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


class InsurancePolicy(Base):
    """A policy's terms (``domain.insurance.policy.Policy.as_dict``) and its period; a
    reloaded number replaces its terms, periods of different numbers never overlap."""

    __tablename__ = "insurance_policies"
    __table_args__ = (UniqueConstraint("org_id", "number"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id))
    number: Mapped[str] = mapped_column(String(100))
    insurer: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    terms: Mapped[dict[str, JsonValue]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    loaded_by: Mapped[str] = mapped_column(String(200))


class OverdueNotification(Base):
    """The seller told the insurer that a buyer is overdue: from then on new deliveries
    to it are not covered (a stop-shipment is set with it)."""

    __tablename__ = "overdue_notifications"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        UniqueConstraint("org_id", "buyer_id", "notified_on"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    notified_on: Mapped[dt.date] = mapped_column(Date)
    overdue: Mapped[int] = money_column()  # what was overdue that day, policy currency
    currency: Mapped[str] = mapped_column(String(3))
    invoices: Mapped[int] = mapped_column(Integer)  # how many invoices were overdue
    reference: Mapped[str | None] = mapped_column(String(200))  # the insurer's, if any
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class Claim(Base):
    """A claim on one buyer under one policy: draft → submitted → under_review → paid or
    rejected. ``computation`` is the indemnity with every step, recomputed while a draft
    and frozen when submitted."""

    __tablename__ = "claims"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], ["buyers.org_id", "buyers.buyer_id"]),
        Index("ix_claims_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[int] = mapped_column(ForeignKey(InsurancePolicy.id))
    buyer_id: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str | None] = mapped_column(String(30))  # a political event's
    loss_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    currency: Mapped[str] = mapped_column(String(3))
    debt: Mapped[int] = money_column()  # the buyer's whole unpaid debt on the claim
    ascertained_loss: Mapped[int] = money_column()
    first_loss_deducted: Mapped[int] = money_column()
    indemnity: Mapped[int] = money_column()
    computation: Mapped[dict[str, JsonValue]] = mapped_column(JSON)
    checklist: Mapped[dict[str, JsonValue]] = mapped_column(JSON)  # document -> provided
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_amount: Mapped[int | None] = mapped_column(BigInteger)
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class ClaimRecovery(Base):
    """Money recovered on a claim's debt: before the claim is paid it reduces the claim
    (oldest invoice first); after, it is shared between seller and insurer."""

    __tablename__ = "claim_recoveries"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    claim_id: Mapped[int] = mapped_column(ForeignKey(Claim.id), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = money_column()
    costs: Mapped[int] = money_column()  # collection costs spent to get it
    after_payment: Mapped[bool] = mapped_column()
    insurer_share: Mapped[int] = money_column()  # of amount − costs; 0 before payment
    seller_share: Mapped[int] = money_column()
    insurer_costs: Mapped[int] = money_column()
    seller_costs: Mapped[int] = money_column()
    recorded_by: Mapped[str] = mapped_column(String(200))


class PremiumDeclaration(Base):
    """A month's insured turnover declared to the insurer: computed from the ledger,
    adjustable while a draft, then submitted (and fixed)."""

    __tablename__ = "premium_declarations"
    __table_args__ = (UniqueConstraint("policy_id", "month"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[int] = mapped_column(ForeignKey(InsurancePolicy.id))
    month: Mapped[dt.date] = mapped_column(Date)  # its first day
    computed_turnover: Mapped[int] = money_column()
    turnover: Mapped[int] = money_column()  # as declared (adjusted or computed)
    premium: Mapped[int] = money_column()
    status: Mapped[str] = mapped_column(String(10))  # draft, submitted
    adjustment_reason: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
