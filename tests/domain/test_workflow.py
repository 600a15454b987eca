"""The generic workflow table: legal moves pass, others are refused as a conflict."""

from __future__ import annotations

from enum import StrEnum

import pytest

from tradeguard.domain.errors import ConflictError
from tradeguard.domain.workflow import IllegalTransitionError, Workflow


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    AMBER = "amber"
    OFF = "off"


LIGHTS = Workflow.of(
    {
        Light.RED: (Light.GREEN, Light.OFF),
        Light.GREEN: (Light.AMBER,),
        Light.AMBER: (Light.RED,),
        Light.OFF: (),
    }
)


def test_legal_moves_pass_and_final_states_have_none() -> None:
    LIGHTS.check(Light.RED, Light.GREEN)
    assert LIGHTS.allows(Light.AMBER, Light.RED)
    assert not LIGHTS.allows(Light.RED, Light.AMBER)
    assert LIGHTS.is_final(Light.OFF)
    assert not LIGHTS.is_final(Light.GREEN)


def test_an_illegal_move_is_a_conflict_with_its_message() -> None:
    with pytest.raises(IllegalTransitionError, match=r"^cannot move from green to red$"):
        LIGHTS.check(Light.GREEN, Light.RED)
    with pytest.raises(ConflictError, match=r"^the light is off$"):
        LIGHTS.check(Light.OFF, Light.RED, "the light is off")


def test_a_table_naming_a_state_without_a_row_is_refused() -> None:
    with pytest.raises(ValueError, match="without a row"):
        Workflow.of({Light.RED: (Light.GREEN,)})


def test_the_table_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        LIGHTS.moves[Light.OFF] = frozenset({Light.RED})  # type: ignore[index]
