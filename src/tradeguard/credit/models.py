"""The credit tables: buyers' scores over time, the organisation's credit settings and the
models fitted on its own history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.orm import Base, UtcDateTime, money_column
from tradeguard.ledger.models import Buyer


class CreditScore(Base):
    """One buyer's assessment on one scoring date: the score history (one row per date)."""

    __tablename__ = "credit_scores"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "buyer_id"], [Buyer.org_id, Buyer.buyer_id]),
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
    limit_recommended: Mapped[int] = money_column()
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

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


class CreditModel(Base):
    """A model fitted on the organisation's own history, with its validation report."""

    __tablename__ = "credit_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    fitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    fitted_by: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
