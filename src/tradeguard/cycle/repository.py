"""Reading and writing the daily cycle's runs (``cycle_runs``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradeguard.cycle.models import CycleRun
from tradeguard.kit.cycle_day import StepResult


def recorded_results(session: Session, org_id: int, as_of: dt.date) -> dict[str, StepResult]:
    """The result of each step already done for the date, by step name."""
    runs = session.scalars(
        select(CycleRun).where(CycleRun.org_id == org_id, CycleRun.as_of == as_of)
    )
    return {run.step: run.result for run in runs}


def record_result(
    session: Session, org_id: int, as_of: dt.date, step: str, result: StepResult
) -> None:
    """Record that ``step`` was done for the date, now, with its result."""
    session.add(
        CycleRun(
            org_id=org_id, as_of=as_of, step=step, ran_at=dt.datetime.now(dt.UTC), result=result
        )
    )


def latest_result(session: Session, org_id: int, step: str) -> StepResult | None:
    """The result of ``step`` on the latest date it was done for; None if never."""
    return session.scalar(
        select(CycleRun.result)
        .where(CycleRun.org_id == org_id, CycleRun.step == step)
        .order_by(CycleRun.as_of.desc())
        .limit(1)
    )


def latest_date(session: Session, org_id: int) -> dt.date | None:
    """The latest day the cycle ran for; None before the first run."""
    return session.scalar(select(func.max(CycleRun.as_of)).where(CycleRun.org_id == org_id))


def latest_step_date(session: Session, org_id: int, step: str) -> dt.date | None:
    """The latest day ``step`` was done for; None if never."""
    return session.scalar(
        select(func.max(CycleRun.as_of)).where(CycleRun.org_id == org_id, CycleRun.step == step)
    )
