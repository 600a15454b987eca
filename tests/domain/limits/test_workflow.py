"""The limit-request and stop-shipment tables: every legal move, and the illegal ones refused."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from itertools import product
from typing import TypeVar

import pytest

from tradeguard.domain.errors import ConflictError
from tradeguard.domain.limits.workflow import (
    LIMIT_REQUEST_WORKFLOW,
    STOP_SHIPMENT_WORKFLOW,
    Decision,
    LimitRequestStatus,
    StopShipmentState,
)
from tradeguard.domain.workflow import IllegalTransitionError, Workflow

PENDING, APPROVED, REJECTED, WITHDRAWN = LimitRequestStatus
NONE, TEMPORARY, PERMANENT = StopShipmentState
S = TypeVar("S", bound=StrEnum)


def _legal(workflow: Workflow[S]) -> set[tuple[S, S]]:
    states = list(workflow.moves)
    return {(a, b) for a, b in product(states, states) if workflow.allows(a, b)}


def test_a_request_is_decided_once_from_pending() -> None:
    assert _legal(LIMIT_REQUEST_WORKFLOW) == {
        (PENDING, APPROVED),
        (PENDING, REJECTED),
        (PENDING, WITHDRAWN),
    }
    assert [s for s in LimitRequestStatus if LIMIT_REQUEST_WORKFLOW.is_final(s)] == [
        APPROVED,
        REJECTED,
        WITHDRAWN,
    ]


@pytest.mark.parametrize("decided", [APPROVED, REJECTED, WITHDRAWN])
@pytest.mark.parametrize("decision", list(Decision))
def test_deciding_again_is_a_conflict(decided: LimitRequestStatus, decision: Decision) -> None:
    with pytest.raises(IllegalTransitionError, match=f"request 7 is already {decided}$"):
        LIMIT_REQUEST_WORKFLOW.check(decided, decision.outcome, f"request 7 is already {decided}")


def test_the_decisions_and_their_outcomes() -> None:
    assert {d.value: d.outcome for d in Decision} == {
        "approve": APPROVED,
        "reject": REJECTED,
        "withdraw": WITHDRAWN,
    }
    for decision in Decision:
        LIMIT_REQUEST_WORKFLOW.check(PENDING, decision.outcome)  # every decision of a pending one


def test_a_temporary_stop_never_replaces_a_permanent_one() -> None:
    assert _legal(STOP_SHIPMENT_WORKFLOW) == {
        (NONE, TEMPORARY),
        (NONE, PERMANENT),
        (TEMPORARY, TEMPORARY),
        (TEMPORARY, PERMANENT),
        (TEMPORARY, NONE),
        (PERMANENT, PERMANENT),
        (PERMANENT, NONE),
    }
    with pytest.raises(ConflictError, match="lift it first"):
        STOP_SHIPMENT_WORKFLOW.check(PERMANENT, TEMPORARY, "lift it first")


def test_the_state_a_stop_until_a_day_gives() -> None:
    assert StopShipmentState.until(None) is PERMANENT
    assert StopShipmentState.until(dt.date(2025, 3, 1)) is TEMPORARY
    # the states stored in stop_shipments.kind
    assert {TEMPORARY.value, PERMANENT.value} == {"temporary", "permanent"}
