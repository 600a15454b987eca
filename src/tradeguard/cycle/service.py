"""The daily protection cycle: an ordered registry of steps, each done once per date.

Every step records its result in ``cycle_runs`` under (organisation, as-of date,
step); running the cycle again for the same date returns the recorded results and
does nothing twice. Two runs for one date at once are serialised: the second waits for
the first and returns its results, or says the cycle is still running. Capabilities
add their steps to ``STEPS`` (scoring, monitoring, dunning, insurance notifications...)
as they land.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit.cycle import scoring_step
from tradeguard.cycle.models import CycleRun
from tradeguard.domain.identity.access import Org
from tradeguard.kit.db import serialise
from tradeguard.kit.serialisation import to_jsonable
from tradeguard.receivables.summary import portfolio_summary

Step = Callable[[Session, Org, dt.date], dict[str, Any]]


def _exposure_snapshot(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """Record the portfolio as it stood on the date, for trends and the dashboard."""
    summary: dict[str, Any] = to_jsonable(portfolio_summary(session, org, as_of))
    return summary


STEPS: dict[str, Step] = {
    "exposure_snapshot": _exposure_snapshot,
    "credit_scoring": scoring_step,
}


@dataclass(frozen=True, slots=True)
class StepOutcome:
    step: str
    ran: bool  # False: already done for this date earlier
    result: dict[str, Any]


def run_cycle(session: Session, org: Org, as_of: dt.date, actor: str) -> list[StepOutcome]:
    serialise(
        session,
        f"cycle:{org.id}:{as_of.isoformat()}",
        f"the daily cycle for {as_of.isoformat()} is already running for {org.name}; try again",
    )
    done = {
        run.step: run
        for run in session.scalars(
            select(CycleRun).where(CycleRun.org_id == org.id, CycleRun.as_of == as_of)
        )
    }
    outcomes = []
    for name, step in STEPS.items():
        if name in done:
            outcomes.append(StepOutcome(name, False, done[name].result))
            continue
        result = step(session, org, as_of)
        session.add(
            CycleRun(
                org_id=org.id, as_of=as_of, step=name, ran_at=dt.datetime.now(dt.UTC), result=result
            )
        )
        outcomes.append(StepOutcome(name, True, result))
    if any(outcome.ran for outcome in outcomes):
        audit.record(
            session,
            org_id=org.id,
            actor=actor,
            action="cycle",
            entity="cycle_runs",
            entity_key=as_of.isoformat(),
            after={"steps": [o.step for o in outcomes if o.ran]},
        )
    session.flush()
    return outcomes


def latest_snapshot(session: Session, org: Org) -> dict[str, Any] | None:
    run = session.scalar(
        select(CycleRun)
        .where(CycleRun.org_id == org.id, CycleRun.step == "exposure_snapshot")
        .order_by(CycleRun.as_of.desc())
        .limit(1)
    )
    return None if run is None else run.result
