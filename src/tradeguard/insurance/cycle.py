"""Insurance's step of the daily cycle, before the dunning run: the overdue-notification
deadlines are the insurer's, they do not wait for the ladder's agency step."""

from __future__ import annotations

from tradeguard.insurance.service import cycle_summary
from tradeguard.kit.cycle_day import CycleDay, StepResult


def insurance_step(day: CycleDay) -> StepResult:
    """Count the notifications due and missed, flag late payouts, draft last month's
    premium declaration once (``tradeguard notifications`` lists them)."""
    return cycle_summary(day.session, day.org, day.as_of)
