"""The screening log: every order screened, with what was asked and what was answered."""

from __future__ import annotations

import datetime as dt

from pydantic import JsonValue
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.kit.orm import Base, UtcDateTime, money_column
from tradeguard.ledger.models import Buyer


class OrderScreening(Base):
    """One screening: the order's inputs, the buyer's standing then, and the answer."""

    __tablename__ = "order_screenings"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),
        Index("ix_order_screenings_org_on", "org_id", "screened_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    buyer_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64))
    screened_on: Mapped[dt.date] = mapped_column(Date)
    screened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    screened_by: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = money_column()  # minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(30))
    prepayment_share: Mapped[float | None] = mapped_column(Float)
    # The figures below are in the organisation's base currency (minor units).
    base_currency: Mapped[str] = mapped_column(String(3))
    limit_amount: Mapped[int | None] = mapped_column(BigInteger)
    exposure_before: Mapped[int] = money_column()
    exposure_after: Mapped[int] = money_column()
    grade: Mapped[int | None] = mapped_column(Integer)
    credit_class: Mapped[str | None] = mapped_column(String(1))
    # Whether the buyer was high risk when screened (grade 8+, class C, stopped or over
    # its limit): the interception KPI counts these.
    high_risk: Mapped[bool] = mapped_column(Boolean)
    insured: Mapped[bool | None] = mapped_column(Boolean)
    reasons: Mapped[list[dict[str, JsonValue]]] = mapped_column(JSON)
