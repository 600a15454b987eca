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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit.cycle import scoring_step
from tradeguard.cycle import repository
from tradeguard.cycle.models import StepResult
from tradeguard.domain.identity.access import Org
from tradeguard.kit.db import serialise
from tradeguard.receivables.schemas import PortfolioSummary
from tradeguard.receivables.service import portfolio_summary

Step = Callable[[Session, Org, dt.date], StepResult]


EXPOSURE_SNAPSHOT = "exposure_snapshot"


def _exposure_snapshot(session: Session, org: Org, as_of: dt.date) -> StepResult:
    """Record the portfolio as it stood on the date, for trends and the dashboard."""
    return portfolio_summary(session, org, as_of).model_dump(mode="json")


STEPS: dict[str, Step] = {
    EXPOSURE_SNAPSHOT: _exposure_snapshot,
    "credit_scoring": scoring_step,
}


@dataclass(frozen=True, slots=True)
class StepOutcome:
    step: str
    ran: bool  # False: already done for this date earlier
    result: StepResult


def run_cycle(session: Session, org: Org, as_of: dt.date, actor: str) -> list[StepOutcome]:
    serialise(
        session,
        f"cycle:{org.id}:{as_of.isoformat()}",
        f"the daily cycle for {as_of.isoformat()} is already running for {org.name}; try again",
    )
    done = repository.recorded_results(session, org.id, as_of)
    outcomes = []
    for name, step in STEPS.items():
        if name in done:
            outcomes.append(StepOutcome(name, False, done[name]))
            continue
        result = step(session, org, as_of)
        repository.record_result(session, org.id, as_of, name, result)
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


def recorded_summary(outcomes: Sequence[StepOutcome]) -> PortfolioSummary:
    """The portfolio summary among a cycle's outcomes (its exposure snapshot)."""
    snapshot = next(o.result for o in outcomes if o.step == EXPOSURE_SNAPSHOT)
    return PortfolioSummary.model_validate(snapshot)


def latest_snapshot(session: Session, org: Org) -> PortfolioSummary | None:
    """The portfolio summary of the latest date the cycle ran for; None before the first
    run. Parsed from the stored JSON, whose shape is the same in rows of every version."""
    snapshot = repository.latest_result(session, org.id, EXPOSURE_SNAPSHOT)
    return None if snapshot is None else PortfolioSummary.model_validate(snapshot)
