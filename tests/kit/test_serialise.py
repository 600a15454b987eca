"""Imports and the daily cycle are serialised per organisation, on SQLite and PostgreSQL.

Two real units of work run in two threads. The first pauses after its validation reads
(inside ``import_file``'s "comparing with the ledger" step, or inside a cycle step)
while the second starts: without serialisation the second would read the same stale
ledger and then insert the same rows (a UNIQUE violation), lose the first's update and
audit a wrong "before" value, or record the cycle twice.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.cycle import service as daily_cycle
from tradeguard.cycle.models import CycleRun
from tradeguard.cycle.service import StepOutcome, run_cycle
from tradeguard.domain.errors import TradeGuardError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import ImportResult, import_file
from tradeguard.kit import db
from tradeguard.kit.cycle_day import CycleDay
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Buyer

PAUSE_S = 1.5
BUYERS = "buyer_id,name,country,industry\n" + "\n".join(
    f"B{i},Buyer {i},DE,retail" for i in range(200)
)


class Race:
    """A first unit of work that holds still at a step while a second one starts."""

    def __init__(self) -> None:
        self.paused = threading.Event()
        self.events: list[tuple[str, float]] = []
        self.results: dict[str, Any] = {}

    def pause_at(self, name: str, message: str) -> Callable[[str], None]:
        def step(current: str) -> None:
            self.events.append((f"{name}:{current}", time.monotonic()))
            if name == "first" and current == message:
                self.paused.set()
                time.sleep(PAUSE_S)

        return step

    def run(self, name: str, work: Callable[[], Any]) -> threading.Thread:
        def target() -> None:
            try:
                self.results[name] = work()
            except Exception as error:
                self.results[name] = error
            self.events.append((f"{name}:committed", time.monotonic()))

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    def at(self, event: str) -> float:
        return next(t for e, t in self.events if e == event)


def _import(
    engine: Engine,
    org: Organisation,
    kind: str,
    path: Path,
    actor: str,
    step: Callable[[str], None],
) -> Callable[[], ImportResult]:
    def work() -> ImportResult:
        with unit_of_work(engine) as session:
            return import_file(session, org, kind, path, actor, step)

    return work


def _race_imports(engine: Engine, org: Organisation, kind: str, first: Path, second: Path) -> Race:
    race = Race()
    a = race.run(
        "first",
        _import(
            engine, org, kind, first, "first", race.pause_at("first", "comparing with the ledger")
        ),
    )
    assert race.paused.wait(30)
    b = race.run(
        "second", _import(engine, org, kind, second, "second", race.pause_at("second", ""))
    )
    a.join(60)
    b.join(60)
    return race


def test_two_imports_of_the_same_file_at_once(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "buyers.csv", BUYERS)
    race = _race_imports(engine, org, "buyers", path, path)
    first, second = race.results["first"], race.results["second"]
    assert isinstance(first, ImportResult), first
    assert isinstance(second, ImportResult), second
    assert (first.inserted, second.inserted, second.unchanged) == (200, 0, 200)
    # the second read the ledger only once the first had committed
    assert race.at("second:comparing with the ledger") > race.at("first:committed")


def test_two_conflicting_updates_at_once_lose_nothing(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        import_file(session, org, "buyers", write_csv(tmp_path, "b.csv", BUYERS), "setup")
    header = "buyer_id,name,country,industry\n"
    first = write_csv(tmp_path, "first.csv", header + "B1,Renamed First,DE,retail")
    second = write_csv(tmp_path, "second.csv", header + "B1,Renamed Second,FR,retail")
    race = _race_imports(engine, org, "buyers", first, second)
    assert [type(race.results[n]) for n in ("first", "second")] == [ImportResult] * 2
    with unit_of_work(engine) as session:
        buyer = session.scalars(
            select(Buyer).where(Buyer.org_id == org.id, Buyer.buyer_id == "B1")
        ).one()
        changes = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "update", AuditEntry.entity_key == "B1")
            .order_by(AuditEntry.id)
        ).all()
    assert (buyer.name, buyer.country) == ("Renamed Second", "FR")
    assert [(c.actor, c.before, c.after) for c in changes] == [
        ("first", {"name": "Buyer 1"}, {"name": "Renamed First"}),
        (
            "second",
            {"name": "Renamed First", "country": "DE"},
            {"name": "Renamed Second", "country": "FR"},
        ),
    ]


def test_an_import_waiting_too_long_is_told_another_is_running(
    engine: Engine, org: Organisation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SERIALISE_WAIT_S", 0.3)
    path = write_csv(tmp_path, "buyers.csv", BUYERS)
    race = _race_imports(engine, org, "buyers", path, path)
    assert isinstance(race.results["first"], ImportResult)
    refused = race.results["second"]
    assert isinstance(refused, TradeGuardError)
    assert str(refused) == "another import of buyers is running for Acme Exports; try again"
    with unit_of_work(engine) as session:
        assert len(session.scalars(select(Buyer).where(Buyer.org_id == org.id)).all()) == 200


def test_two_cycles_for_one_date_at_once(
    engine: Engine, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    race = Race()
    snapshot = daily_cycle.STEPS["exposure_snapshot"]

    def slow_snapshot(day: CycleDay) -> dict[str, Any]:
        race.pause_at(threading.current_thread().name, "snapshot")("snapshot")
        return snapshot(day)

    monkeypatch.setitem(daily_cycle.STEPS, "exposure_snapshot", slow_snapshot)
    day = dt.date(2024, 3, 1)

    def cycle() -> list[StepOutcome]:
        with unit_of_work(engine) as session:
            return run_cycle(session, org, day, threading.current_thread().name).outcomes

    threads = []
    for name in ("first", "second"):
        thread = threading.Thread(
            target=lambda n=name: race.results.__setitem__(n, _safe(cycle)), name=name
        )
        thread.start()
        threads.append(thread)
        if name == "first":
            assert race.paused.wait(30)
    for thread in threads:
        thread.join(60)
    first, second = race.results["first"], race.results["second"]
    assert [o.ran for o in first] == [True] * len(daily_cycle.STEPS)
    assert [o.ran for o in second] == [False] * len(daily_cycle.STEPS)
    assert [o.result for o in second] == [o.result for o in first]
    with unit_of_work(engine) as session:
        runs = session.scalars(select(CycleRun).where(CycleRun.org_id == org.id)).all()
    assert len(runs) == len(daily_cycle.STEPS)


def test_a_cycle_waiting_too_long_is_told_it_is_already_running(
    engine: Engine, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SERIALISE_WAIT_S", 0.3)
    paused = threading.Event()
    snapshot = daily_cycle.STEPS["exposure_snapshot"]

    def slow_snapshot(day: CycleDay) -> dict[str, Any]:
        paused.set()
        time.sleep(PAUSE_S)
        return snapshot(day)

    monkeypatch.setitem(daily_cycle.STEPS, "exposure_snapshot", slow_snapshot)
    day = dt.date(2024, 3, 1)
    outcome: list[Any] = []

    def first() -> None:
        with unit_of_work(engine) as session:
            outcome.append(run_cycle(session, org, day, "first").outcomes)

    thread = threading.Thread(target=first)
    thread.start()
    assert paused.wait(30)
    with pytest.raises(TradeGuardError) as refused, unit_of_work(engine) as session:
        run_cycle(session, org, day, "second")
    thread.join(60)
    assert str(refused.value) == ("the daily cycle is already running for Acme Exports; try again")
    assert [o.ran for o in outcome[0]] == [True] * len(daily_cycle.STEPS)


def _safe(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except Exception as error:
        return error
