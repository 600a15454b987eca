"""The dunning ladder (domain.collections.ladder.plan): each path of issue 12, by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.collections.ladder import HISTORY_SCHEMA, ITEMS_SCHEMA, plan
from tradeguard.domain.collections.policy import (
    CatchUp,
    DunningSettings,
    Policy,
    default_settings,
)

DUE = dt.date(2026, 3, 2)
POLICIES = default_settings().policies


def items(*rows: tuple[str, int], policy: str = "B", **flags: bool) -> pl.DataFrame:
    """Invoices (id, days overdue) of buyer X, 100.00 open each."""
    return pl.DataFrame(
        [
            {
                "invoice_id": invoice,
                "buyer_id": "X",
                "days_overdue": days,
                "open": 10_000,
                "currency": "EUR",
                "policy": policy,
                "paused": flags.get("paused", False),
                "escalate": flags.get("escalate", False),
            }
            for invoice, days in rows
        ],
        schema=ITEMS_SCHEMA,
    )


def history(*rows: tuple[str, str, str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(HISTORY_SCHEMA, row, strict=True)) for row in rows], schema=HISTORY_SCHEMA
    )


NONE = history()


def steps_of(actions: pl.DataFrame) -> list[tuple[str, str, str]]:
    return [(a["invoice_id"], a["step"], a["status"]) for a in actions.iter_rows(named=True)]


def on(days: int) -> dt.date:
    return DUE + dt.timedelta(days=days)


def test_nothing_before_the_pre_due_reminder() -> None:
    assert plan(items(("I1", -4)), NONE, POLICIES, on(-4)).is_empty()


def test_pre_due_reminder_three_days_before_due() -> None:
    actions = plan(items(("I1", -3)), NONE, POLICIES, on(-3))
    assert steps_of(actions) == [("I1", "pre_due_reminder", "done")]
    assert actions["channel"].to_list() == ["email"]
    assert actions["open"].to_list() == [10_000]


def test_the_pre_due_reminder_is_not_sent_once_the_invoice_is_due() -> None:
    assert plan(items(("I1", 0)), NONE, POLICIES, on(0)).is_empty()
    assert plan(items(("I1", 14)), NONE, POLICIES, on(14)).is_empty()


def test_each_step_on_its_day_inclusive_and_not_the_day_before() -> None:
    taken = history(("I1", "pre_due_reminder", "done", on(-3)))
    assert plan(items(("I1", 14)), taken, POLICIES, on(14)).is_empty()
    assert steps_of(plan(items(("I1", 15)), taken, POLICIES, on(15))) == [
        ("I1", "reminder_letter", "done")
    ]
    taken = history(*taken.rows(), ("I1", "reminder_letter", "done", on(15)))
    assert plan(items(("I1", 29)), taken, POLICIES, on(29)).is_empty()
    assert steps_of(plan(items(("I1", 30)), taken, POLICIES, on(30))) == [
        ("I1", "phone_call", "done")
    ]
    taken = history(*taken.rows(), ("I1", "phone_call", "done", on(30)))
    assert plan(items(("I1", 44)), taken, POLICIES, on(44)).is_empty()
    actions = plan(items(("I1", 45)), taken, POLICIES, on(45))
    assert steps_of(actions) == [("I1", "agency_handover", "done")]
    assert actions["channel"].to_list() == ["agency"]
    taken = history(*taken.rows(), ("I1", "agency_handover", "done", on(45)))
    assert plan(items(("I1", 400)), taken, POLICIES, on(400)).is_empty()


def test_a_step_taken_is_never_taken_again() -> None:
    taken = history(("I1", "reminder_letter", "done", on(15)))
    assert plan(items(("I1", 20)), taken, POLICIES, on(20)).is_empty()


def test_first_run_over_an_old_ledger_does_the_required_letter_first() -> None:
    actions = plan(items(("I1", 60)), NONE, POLICIES, on(60))
    assert steps_of(actions) == [
        ("I1", "pre_due_reminder", "skipped"),
        ("I1", "reminder_letter", "done"),
    ]


def test_after_the_required_letter_the_next_step_waits_the_gap() -> None:
    taken = history(
        ("I1", "pre_due_reminder", "skipped", on(60)), ("I1", "reminder_letter", "done", on(60))
    )
    assert plan(items(("I1", 66)), taken, POLICIES, on(66)).is_empty()  # 6 days < 7
    assert steps_of(plan(items(("I1", 67)), taken, POLICIES, on(67))) == [
        ("I1", "phone_call", "skipped"),
        ("I1", "agency_handover", "done"),
    ]


def test_missed_days_without_a_required_step_do_only_the_highest() -> None:
    taken = history(("I1", "reminder_letter", "done", on(15)))
    assert steps_of(plan(items(("I1", 50)), taken, POLICIES, on(50))) == [
        ("I1", "phone_call", "skipped"),
        ("I1", "agency_handover", "done"),
    ]


def test_one_step_mode_takes_one_step_per_run() -> None:
    settings_ = DunningSettings.from_dict(
        {"policies": {"B": {"catch_up": "one_step", "min_gap_days": 0}}}
    )
    assert settings_.policies["B"].catch_up is CatchUp.ONE_STEP
    taken = NONE
    done = []
    for _run in range(5):
        actions = plan(items(("I1", 60)), taken, settings_.policies, on(60))
        done += steps_of(actions)
        taken = history(*taken.rows(), *[(i, s, st_, on(60)) for i, s, st_ in steps_of(actions)])
    assert done == [
        ("I1", "pre_due_reminder", "skipped"),  # past once due: never done late
        ("I1", "reminder_letter", "done"),
        ("I1", "phone_call", "done"),
        ("I1", "agency_handover", "done"),
    ]


def test_class_c_may_have_a_shorter_ladder() -> None:
    short = DunningSettings.from_dict(
        {
            "policies": {
                "C": {
                    "steps": [
                        {
                            "name": "reminder_letter",
                            "days": 7,
                            "channel": ["letter", "email"],
                            "required": True,
                        },
                        {"name": "agency_handover", "days": 21, "channel": "agency"},
                    ]
                }
            }
        }
    )
    both = pl.concat([items(("A1", 7), policy="A"), items(("C1", 7), policy="C")])
    assert steps_of(plan(both, NONE, short.policies, on(7))) == [
        ("C1", "reminder_letter", "done"),
    ]


def test_paused_invoices_take_no_step() -> None:
    assert plan(items(("I1", 30), paused=True), NONE, POLICIES, on(30)).is_empty()


def test_a_broken_promise_takes_the_next_step_at_once() -> None:
    taken = history(("I1", "reminder_letter", "done", on(15)))
    actions = plan(items(("I1", 20), escalate=True), taken, POLICIES, on(20))
    assert steps_of(actions) == [("I1", "phone_call", "done")]
    assert actions["escalated"].to_list() == [True]


def test_a_broken_promise_never_passes_the_required_letter() -> None:
    actions = plan(items(("I1", 5), escalate=True), NONE, POLICIES, on(5))
    assert steps_of(actions) == [
        ("I1", "pre_due_reminder", "skipped"),
        ("I1", "reminder_letter", "done"),
    ]


def test_steps_a_policy_no_longer_has_are_ignored() -> None:
    taken = history(("I1", "old_step", "done", on(10)))
    assert steps_of(plan(items(("I1", 15)), taken, POLICIES, on(15))) == [
        ("I1", "pre_due_reminder", "skipped"),
        ("I1", "reminder_letter", "done"),
    ]


@settings(max_examples=150, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=-5, max_value=40), min_size=1, max_size=12),
    pay_at=st.one_of(st.none(), st.integers(min_value=0, max_value=11)),
    start=st.integers(min_value=-10, max_value=80),
    mode=st.sampled_from(["highest", "one_step"]),
)
def test_no_step_twice_and_none_before_its_day(
    gaps: list[int], pay_at: int | None, start: int, mode: str
) -> None:
    """Over any sequence of run dates (backwards too) and a payment, every step is taken
    at most once, none before its day, and never the agency before the written letter."""
    policies = DunningSettings.from_dict({"policies": {"B": {"catch_up": mode}}}).policies
    policy: Policy = policies["B"]
    days_of = {s.name: s.days for s in policy.steps}
    taken = NONE
    day = start
    paid = False
    for run, gap in enumerate(gaps):
        day += gap
        paid = paid or run == pay_at
        if paid:  # a settled invoice leaves the open items
            break
        actions = plan(items(("I1", day)), taken, policies, on(day))
        for _invoice, step, status in steps_of(actions):
            assert days_of[step] <= day
            assert step not in taken["step"].to_list()
            if step == "agency_handover" and status == "done":
                assert "reminder_letter" in taken.filter(pl.col("status") == "done")["step"]
        taken = history(*taken.rows(), *[(i, s, st_, on(day)) for i, s, st_ in steps_of(actions)])
