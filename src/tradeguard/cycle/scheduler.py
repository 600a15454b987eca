"""``tradeguard serve --with-cycle``: the daily cycle run in-process at a set time.

Every day at ``at`` (the server's local time) the cycle runs for today for every
organisation, each in its own unit of work, and the e-mails its dunning step queued are
sent once it has committed: one organisation's failure (a missing FX rate) is logged
and does not stop the others. The cycle itself catches up missed days
and does nothing twice, so a restart, a second server or a cron job running it too is
harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from tradeguard.collections.outbox import send_queued
from tradeguard.cycle.service import run_cycle
from tradeguard.domain.errors import TradeGuardError
from tradeguard.identity import repository as identity
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work

SCHEDULER_ACTOR = "tradeguard:scheduler"
log = logging.getLogger(__name__)


def seconds_until(now: dt.datetime, at: dt.time) -> float:
    """Seconds from ``now`` to the next ``at`` (today if still ahead, else tomorrow)."""
    target = dt.datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    if target <= now:
        target += dt.timedelta(days=1)
    return (target - now).total_seconds()


def run_for_every_organisation(engine: Engine, day: dt.date) -> dict[str, str]:
    """Run the cycle for ``day`` for each organisation: its name → "done" or the error."""
    with unit_of_work(engine) as session:
        names = [(o.id, o.name) for o in identity.organisations(session)]
    outcome = {}
    for org_id, name in names:
        try:
            with unit_of_work(engine) as session:
                org = session.get_one(Organisation, org_id)
                run_cycle(session, org, day, SCHEDULER_ACTOR)
            report = send_queued(engine, org_id, actor=SCHEDULER_ACTOR)
            if not report.empty:
                log.info("daily cycle for %s on %s: %s", name, day.isoformat(), report.describe())
            outcome[name] = "done"
        except TradeGuardError as error:
            log.warning("daily cycle for %s on %s: %s", name, day.isoformat(), error)
            outcome[name] = f"error: {error}"
        except Exception as error:  # a defect: logged with its traceback; the server goes on
            log.exception("daily cycle for %s on %s failed", name, day.isoformat())
            outcome[name] = f"error: {error}"
    return outcome


class DailyCycle(threading.Thread):
    """A daemon thread that runs the cycle every day at ``at`` until ``stop`` is set."""

    def __init__(
        self,
        engine: Engine,
        at: dt.time,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        super().__init__(name="tradeguard-daily-cycle", daemon=True)
        self.engine, self.at, self.clock = engine, at, clock
        self.stopping = threading.Event()
        self.runs: list[dict[str, str]] = []

    def run(self) -> None:
        while not self.stopping.wait(seconds_until(self.clock(), self.at)):
            self.runs.append(run_for_every_organisation(self.engine, self.clock().date()))
