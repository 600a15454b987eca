"""Monitoring's step of the daily cycle: the alert and limit rules, after scoring."""

from __future__ import annotations

from tradeguard.kit.cycle_day import CycleDay, StepResult
from tradeguard.monitoring.service import monitor


def monitoring_step(day: CycleDay) -> StepResult:
    """Evaluate the rules on the day (the day's scores are recorded by then)."""
    return monitor(day.session, day.org, day.as_of, day.snapshot())
