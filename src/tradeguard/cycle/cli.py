"""``tradeguard cycle``: run the daily protection cycle for a date."""

from __future__ import annotations

import datetime as dt

import typer

from tradeguard.collections.cli import send_after_commit
from tradeguard.cycle.service import CycleRun, recorded_summary, run_cycle
from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import AsOfOption, DbOption, FormatOption, OrgOption, as_of_date
from tradeguard.kit.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    plain,
    rows_table,
)
from tradeguard.receivables.cli import print_summary


def cycle(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Run the daily protection cycle for a date (twice does nothing twice); missed days
    since the latest run are caught up first, one by one."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        run = run_cycle(session, organisation, day, STATE.actor)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
        org_id = organisation.id
    outcomes = run.outcomes
    if output is OutputFormat.JSON:
        emit_json(
            {
                "as_of": day,
                "steps": [{"step": o.step, "ran": o.ran, "result": o.result} for o in outcomes],
                "caught_up": run.caught_up,
            }
        )
    else:
        _print_cycle(day, run, numbers)
    send_after_commit(db, org_id)  # the dunning step's e-mails


def _print_cycle(day: dt.date, run: CycleRun, numbers: AmountFormat) -> None:
    outcomes = run.outcomes
    if run.caught_up:
        first, last = run.caught_up[0].isoformat(), run.caught_up[-1].isoformat()
        plain(f"caught up {len(run.caught_up)} missed day(s): {first} to {last}")
    rows_table(
        f"Daily cycle {day.isoformat()}",
        ["step", "status"],
        [[o.step, "done" if o.ran else "already done"] for o in outcomes],
    )
    print_summary(recorded_summary(outcomes), numbers)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``tradeguard`` application."""
    app.command()(cycle)
