"""The daily cycle's runs: one row per organisation and date, with its summary snapshot."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradeguard.identity.models import Organisation
from tradeguard.kit.cycle_day import StepResult
from tradeguard.kit.orm import Base, UtcDateTime


class CycleRun(Base):
    """One step of the daily protection cycle done for one as-of date: never twice."""

    __tablename__ = "cycle_runs"

    org_id: Mapped[int] = mapped_column(ForeignKey(Organisation.id), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    step: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    result: Mapped[StepResult] = mapped_column(JSON)
