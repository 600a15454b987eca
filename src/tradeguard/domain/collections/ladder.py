"""Which dunning step each open invoice takes on a run date: the ladder, for every invoice
at once (Polars and NumPy, one pass per policy).

The rules (docs/collections.md):

- A step is reached when the invoice's days overdue are at least the step's ``days``.
- An invoice moves past the steps it has already taken (done or skipped); a run never
  repeats a step, so running twice for a date does nothing the second time.
- ``highest`` catch-up: of the steps reached and not yet taken, only the highest is done
  and the ones below it are recorded as skipped, except that the first ``required`` one
  among them is done instead (the steps above it wait for a later run).
- ``one_step``: at most the next step per run, nothing skipped (the peers' behaviour).
- After a required step is done, nothing more is done on the invoice for
  ``min_gap_days``: a buyer never gets two letters at once.
- A step before the due date (negative ``days``) is only done before the due date.
- An invoice that is paused (a promise to pay running, a dispute open, a justified
  dispute awaiting its credit note) takes no step.
- An invoice whose promise was broken takes its next step at once, whatever its days
  and the gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

import numpy as np
import polars as pl

from tradeguard.domain.collections.policy import CatchUp, Policy


class ActionStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"


ITEMS_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "days_overdue": pl.Int64,
    "open": pl.Int64,  # minor units of the invoice's currency
    "currency": pl.String,
    "policy": pl.String,  # the key of the buyer's policy (its credit class)
    "paused": pl.Boolean,
    "escalate": pl.Boolean,  # a promise on it was broken: next step at once
}
HISTORY_SCHEMA = {
    "invoice_id": pl.String,
    "step": pl.String,
    "status": pl.String,
    "as_of": pl.Date,
}
ACTIONS_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "policy": pl.String,
    "step_index": pl.Int64,
    "step": pl.String,
    "channel": pl.String,
    "days_overdue": pl.Int64,
    "open": pl.Int64,
    "currency": pl.String,
    "status": pl.String,
    "escalated": pl.Boolean,
}

_NUMBERED = {"row": pl.UInt32, **ACTIONS_SCHEMA}


def plan(
    items: pl.DataFrame,
    history: pl.DataFrame,
    policies: Mapping[str, Policy],
    as_of: dt.date,
) -> pl.DataFrame:
    """The actions of a run on ``as_of`` (``ACTIONS_SCHEMA``): for each invoice in
    ``items`` (``ITEMS_SCHEMA``, open ones), the step done and the steps skipped, given
    the steps it took before (``history``, ``HISTORY_SCHEMA``), in the items' order."""
    numbered = items.with_row_index("row")
    parts = [
        _plan_policy(
            numbered.filter(pl.col("policy") == key),
            history,
            key,
            policies[key],
            as_of,
        )
        for key in sorted(set(items["policy"].unique().to_list()))
    ]
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame(schema=ACTIONS_SCHEMA)
    # In the items' order, each invoice's steps upwards (integers: a sort of the
    # strings would cost more than the whole ladder).
    return pl.concat(parts).sort("row", "step_index").drop("row")


def _taken(history: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Per invoice: the highest step index taken, and the latest done step (its index and
    date), counting only the steps the policy still has."""
    steps = pl.LazyFrame(
        {"step": [s.name for s in policy.steps], "index": range(len(policy.steps))},
        schema={"step": pl.String, "index": pl.Int64},
    )
    taken = history.lazy().join(steps, on="step")  # steps the policy has no more drop out
    done = pl.col("status") == ActionStatus.DONE.value
    return (
        taken.group_by("invoice_id")
        .agg(
            last=pl.col("index").max(),
            last_done=pl.col("index").filter(done).max(),
            last_done_on=pl.col("as_of").filter(done).max(),
        )
        .collect()
    )


def _plan_policy(
    items: pl.DataFrame, history: pl.DataFrame, key: str, policy: Policy, as_of: dt.date
) -> pl.DataFrame:
    if not items.height:
        return pl.DataFrame(schema=_NUMBERED)
    steps = policy.steps
    n = len(steps)
    frame = items.join(_taken(history, policy), on="invoice_id", how="left")
    days_overdue = frame["days_overdue"].to_numpy()
    last = frame["last"].fill_null(-1).to_numpy()
    last_done = frame["last_done"].fill_null(-1).to_numpy()
    since_done = (
        frame.select((pl.lit(as_of) - pl.col("last_done_on")).dt.total_days().fill_null(1 << 30))
        .to_series()
        .to_numpy()
    )
    paused = frame["paused"].to_numpy()
    escalate = frame["escalate"].to_numpy() & ~paused

    step_days = np.array([s.days for s in steps], dtype=np.int64)
    required = np.array([s.required for s in steps] + [False], dtype=bool)
    # next_required[i]: the first required step at or after i (n: none)
    next_required = np.full(n + 1, n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        next_required[i] = i if required[i] else next_required[i + 1]

    reached = np.searchsorted(step_days, days_overdue, side="right") - 1
    # A broken promise reaches one step further than the days do, at once.
    reached = np.where(escalate, np.minimum(np.maximum(reached, last) + 1, n - 1), reached)
    start = last + 1  # the first step not taken
    # Once the invoice is due, the steps before the due date are past: never done.
    after_due = int(np.searchsorted(step_days, 0, side="left"))
    floor = np.where(days_overdue >= 0, after_due, 0)
    if policy.catch_up is CatchUp.ONE_STEP:
        target = np.maximum(start, floor)
    else:
        first_required = next_required[np.minimum(start, n)]
        target = np.where(first_required <= reached, first_required, reached)
    target = np.where(target < floor, -1, target)
    waiting = required[np.maximum(last_done, 0)] & (last_done >= 0) & ~escalate
    waiting &= since_done < policy.min_gap_days
    act = ~paused & ~waiting & (start < n) & (target >= start) & (target <= reached)

    rows = np.flatnonzero(act)
    if not rows.size:
        return pl.DataFrame(schema=_NUMBERED)
    chosen = (
        frame[rows]
        .select("row", "invoice_id", "buyer_id", "days_overdue", "open", "currency")
        .with_columns(
            first=pl.Series(start[rows]),
            target=pl.Series(target[rows]),
            escalated=pl.Series(escalate[rows]),
        )
    )
    names = [s.name for s in steps]
    channels = [s.channel.value for s in steps]
    taken = (
        chosen.with_columns(step_index=pl.int_ranges("first", pl.col("target") + 1))
        .explode("step_index")
        .with_columns(
            status=pl.when(pl.col("step_index") == pl.col("target"))
            .then(pl.lit(ActionStatus.DONE.value))
            .otherwise(pl.lit(ActionStatus.SKIPPED.value)),
            step=pl.col("step_index").replace_strict(list(range(n)), names, return_dtype=pl.String),
            channel=pl.col("step_index").replace_strict(
                list(range(n)), channels, return_dtype=pl.String
            ),
            policy=pl.lit(key),
        )
    )
    return taken.select("row", *ACTIONS_SCHEMA).cast(ACTIONS_SCHEMA)  # type: ignore[arg-type]
