"""Collections' step of the daily cycle: the dunning run, after monitoring."""

from __future__ import annotations

from tradeguard.collections.service import run_dunning
from tradeguard.kit.cycle_day import CycleDay, StepResult


def dunning_step(day: CycleDay) -> StepResult:
    """Take each invoice's due step (the same as ``tradeguard dunning run``)."""
    return run_dunning(day.session, day.org, day.as_of, day.actor, day.snapshot()).summary()
