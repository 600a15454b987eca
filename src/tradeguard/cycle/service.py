"""The daily protection cycle: an ordered registry of steps, each done once per date.

Every step records its result in ``cycle_runs`` under (organisation, as-of date,
step); running the cycle again for the same date returns the recorded results and
does nothing twice. After missed days the cycle catches up day by day, from the day
after the latest one it ran for (at most ``MAX_CATCH_UP_DAYS`` back), so every rule sees
every day once. Two runs for one organisation at once are serialised: the second waits
for the first and then finds its days done, or says the cycle is still running.
Capabilities add their steps to ``STEPS`` (scoring, monitoring, dunning, insurance
notifications...) as they land; a step in ``IN_DATE_ORDER`` compares each day with the
one before (monitoring), so it is skipped for a date before the latest it ran for; a
step in ``REQUESTED_DAY_ONLY`` (dunning) has its own catch-up and runs for the requested
day only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.collections.cycle import dunning_step
from tradeguard.credit.cycle import scoring_step
from tradeguard.cycle import repository
from tradeguard.domain.identity.access import Org
from tradeguard.domain.ledger.snapshot import LedgerSnapshot
from tradeguard.insurance.cycle import insurance_step
from tradeguard.kit.cycle_day import CycleDay, StepResult
from tradeguard.kit.db import serialise
from tradeguard.ledger.repository import load_snapshot
from tradeguard.monitoring.cycle import monitoring_step
from tradeguard.receivables.schemas import PortfolioSummary
from tradeguard.receivables.service import summary_of

Step = Callable[[CycleDay], StepResult]


EXPOSURE_SNAPSHOT = "exposure_snapshot"
MONITORING = "monitoring"
INSURANCE = "insurance"
DUNNING = "dunning"
MAX_CATCH_UP_DAYS = 366


def _exposure_snapshot(day: CycleDay) -> StepResult:
    """Record the portfolio as it stood on the date, for trends and the dashboard."""
    return summary_of(day.snapshot(), day.org.name, day.as_of).model_dump(mode="json")


STEPS: dict[str, Step] = {
    EXPOSURE_SNAPSHOT: _exposure_snapshot,
    "credit_scoring": scoring_step,
    MONITORING: monitoring_step,
    INSURANCE: insurance_step,
    DUNNING: dunning_step,
}
IN_DATE_ORDER = frozenset({MONITORING})
# Steps that catch up by themselves: after missed days they run for the requested day
# only (the dunning ladder does the highest step due, the required letter first, rather
# than every missed day's step at once; insurance counts the day's deadlines and drafts
# every month's premium declaration not drafted yet).
REQUESTED_DAY_ONLY = frozenset({INSURANCE, DUNNING})


@dataclass(frozen=True, slots=True)
class StepOutcome:
    step: str
    ran: bool  # False: already done for this date earlier
    result: StepResult


@dataclass(frozen=True, slots=True)
class CycleRun:
    """The requested day's outcomes, and the missed days run before it (oldest first)."""

    as_of: dt.date
    outcomes: list[StepOutcome]
    caught_up: list[dt.date]


def days_to_run(latest: dt.date | None, as_of: dt.date) -> list[dt.date]:
    """The days a run for ``as_of`` covers: every day after ``latest`` up to ``as_of``
    (at most ``MAX_CATCH_UP_DAYS``), or ``as_of`` alone when it is not after ``latest``."""
    if latest is None or as_of <= latest:
        return [as_of]
    first = max(latest + dt.timedelta(days=1), as_of - dt.timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [first + dt.timedelta(days=n) for n in range((as_of - first).days + 1)]


def run_cycle(session: Session, org: Org, as_of: dt.date, actor: str) -> CycleRun:
    """Run every step for ``as_of``, after catching up the days missed since the latest
    run; the ledger snapshot is loaded once for all of them."""
    serialise(
        session,
        f"cycle:{org.id}",
        f"the daily cycle is already running for {org.name}; try again",
    )
    loaded: list[LedgerSnapshot] = []

    def snapshot() -> LedgerSnapshot:
        if not loaded:
            loaded.append(load_snapshot(session.connection(), org.id, org.base_currency))
        return loaded[0]

    days = days_to_run(repository.latest_date(session, org.id), as_of)
    outcomes: list[StepOutcome] = []
    for day in days:
        outcomes = _run_day(CycleDay(session, org, day, snapshot, actor), as_of)
    return CycleRun(as_of, outcomes, days[:-1])


def _run_day(day: CycleDay, requested: dt.date) -> list[StepOutcome]:
    session, org = day.session, day.org
    done = repository.recorded_results(session, org.id, day.as_of)
    outcomes = []
    for name, step in STEPS.items():
        if name in done:
            outcomes.append(StepOutcome(name, False, done[name]))
            continue
        latest = repository.latest_step_date(session, org.id, name)
        if name in IN_DATE_ORDER and latest is not None and latest > day.as_of:
            result: StepResult = {
                "skipped": f"already run for a later day ({latest.isoformat()}); it runs in"
                " date order"
            }
        elif name in REQUESTED_DAY_ONLY and day.as_of != requested:
            result = {"skipped": f"a missed day: caught up by the run for {requested.isoformat()}"}
        else:
            result = step(day)
        repository.record_result(session, org.id, day.as_of, name, result)
        outcomes.append(StepOutcome(name, True, result))
    if any(outcome.ran for outcome in outcomes):
        audit.record(
            session,
            org_id=org.id,
            actor=day.actor,
            action="cycle",
            entity="cycle_runs",
            entity_key=day.as_of.isoformat(),
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
