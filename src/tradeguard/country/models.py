"""The organisation's own country-risk overrides (imported as ``countries``)."""

from __future__ import annotations

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.orm import Base


class CountryOverride(Base):
    """An organisation's own view of a country, over the shipped country risk table."""

    __tablename__ = "country_overrides"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    grade: Mapped[int] = mapped_column(Integer)
    political_risk: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
