"""The dunning run over a real ledger on both databases: each path of the ladder, the
documents it writes, promises, disputes, the daily cycle, and the run twice."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.conftest import run_cli, write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.collections import service as collections
from tradeguard.collections.models import (
    AgencyHandover,
    DunningAction,
    DunningDocumentRow,
    OutboxMessage,
    PhoneTask,
)
from tradeguard.credit.models import CreditScore
from tradeguard.cycle.service import run_cycle
from tradeguard.disputes import service as disputes
from tradeguard.domain.errors import ConflictError
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.repository import load_snapshot

DUE = dt.date(2026, 3, 1)
BUYERS = """buyer_id,name,country,industry,email,contact_name,language
B1,Alpha GmbH,DE,retail,ap@alpha.example,Anna,en
B2,北京贝塔,CN,retail,,王先生,zh"""
# B1: I1 (1,000.00) and I2 (500.00) due DUE; B2: I3 (2,000.00) due DUE
INVOICES = """invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2026-01-30,2026-03-01,1000.00,EUR
I2,B1,2026-01-30,2026-03-01,500.00,EUR
I3,B2,2026-01-30,2026-03-01,2000.00,EUR"""


def day(days_overdue: int) -> dt.date:
    return DUE + dt.timedelta(days=days_overdue)


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        for kind, text in (("buyers", BUYERS), ("invoices", INVOICES)):
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
    return org


def pay(engine: Engine, org: Organisation, tmp_path: Path, *rows: str) -> None:
    text = "payment_id,buyer_id,date,amount,currency,invoice_id\n" + "\n".join(rows)
    with unit_of_work(engine) as session:
        import_file(session, org, "payments", write_csv(tmp_path, "pay.csv", text), "test")


def run(engine: Engine, org: Organisation, on: dt.date) -> list[tuple[str, str, str]]:
    with unit_of_work(engine) as session:
        snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
        done = collections.run_dunning(session, org, on, "tester", snapshot)
    return [(a.invoice_id, a.step, a.status) for a in done.actions]


def test_each_step_once_grouped_per_buyer(engine: Engine, ledger: Organisation) -> None:
    assert run(engine, ledger, day(-4)) == []
    assert run(engine, ledger, day(-3)) == [
        ("I1", "pre_due_reminder", "done"),
        ("I2", "pre_due_reminder", "done"),
        ("I3", "pre_due_reminder", "done"),
    ]
    assert run(engine, ledger, day(-3)) == []  # the same date again: nothing
    assert run(engine, ledger, day(14)) == []
    assert run(engine, ledger, day(15)) == [
        ("I1", "reminder_letter", "done"),
        ("I2", "reminder_letter", "done"),
        ("I3", "reminder_letter", "done"),
    ]
    assert run(engine, ledger, day(30)) == [
        ("I1", "phone_call", "done"),
        ("I2", "phone_call", "done"),
        ("I3", "phone_call", "done"),
    ]
    assert [a[1] for a in run(engine, ledger, day(45))] == ["agency_handover"] * 3
    assert run(engine, ledger, day(90)) == []
    with unit_of_work(engine) as session:
        documents = session.scalars(
            select(DunningDocumentRow).order_by(
                DunningDocumentRow.as_of, DunningDocumentRow.buyer_id
            )
        ).all()
        # one document per buyer and step: B1's two invoices share theirs
        assert [(d.buyer_id, d.step, d.channels) for d in documents] == [
            ("B1", "pre_due_reminder", "email"),
            ("B2", "pre_due_reminder", "letter"),  # no e-mail address: a letter instead
            ("B1", "reminder_letter", "letter,email"),
            ("B2", "reminder_letter", "letter"),
            ("B1", "phone_call", "phone"),
            ("B2", "phone_call", "phone"),
            ("B1", "agency_handover", "agency"),
            ("B2", "agency_handover", "agency"),
        ]
        assert [d.language for d in documents[:2]] == ["en", "zh"]
        outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.recipient, m.status) for m in outbox] == [("ap@alpha.example", "queued")] * 2
        assert session.scalar(select(func.count()).select_from(PhoneTask)) == 2
        assert session.scalar(select(func.count()).select_from(AgencyHandover)) == 2
        audited = session.scalars(
            select(AuditEntry.entity).where(AuditEntry.action == "dunning")
        ).all()
        assert len(audited) == 8  # every document


def test_a_day_run_again_after_new_invoices_sends_only_them(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    assert len(run(engine, ledger, day(15))) == 6  # three letters, three pre-due skipped
    late = "invoice_id,buyer_id,issue_date,due_date,amount,currency\nI4,B1,2026-01-30,2026-03-01,80.00,EUR"
    with unit_of_work(engine) as session:
        import_file(session, ledger, "invoices", write_csv(tmp_path, "late.csv", late), "test")
    assert run(engine, ledger, day(15)) == [
        ("I4", "pre_due_reminder", "skipped"),
        ("I4", "reminder_letter", "done"),
    ]
    with unit_of_work(engine) as session:
        letters = session.scalars(
            select(DunningDocumentRow.id).where(
                DunningDocumentRow.buyer_id == "B1", DunningDocumentRow.step == "reminder_letter"
            )
        ).all()
        [second] = [d for d in letters if d != min(letters)]
        document = collections.document_of(session, ledger, second)
    assert [i.invoice_id for i in document.items] == ["I4"]  # not I1, I2 a second time


def test_a_paid_invoice_leaves_the_ladder_and_a_partial_payment_keeps_the_rest(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    pay(
        engine,
        ledger,
        tmp_path,
        "P1,B1,2026-03-10,1000.00,EUR,I1",
        "P2,B1,2026-03-10,200.00,EUR,I2",
    )
    with unit_of_work(engine) as session:
        snapshot = load_snapshot(session.connection(), ledger.id, ledger.base_currency)
        done = collections.run_dunning(session, ledger, day(15), "tester", snapshot)
    assert [(a.invoice_id, a.amount) for a in done.actions if a.status == "done"] == [
        ("I2", Decimal("300.00")),  # the rest of I2; I1 is settled
        ("I3", Decimal("2000.00")),
    ]


def test_a_first_run_over_an_old_ledger_writes_the_letter_first(
    engine: Engine, ledger: Organisation
) -> None:
    assert run(engine, ledger, day(60))[:2] == [
        ("I1", "pre_due_reminder", "skipped"),
        ("I1", "reminder_letter", "done"),
    ]
    assert run(engine, ledger, day(61)) == []  # the agency waits the gap after the letter
    assert run(engine, ledger, day(67))[:2] == [
        ("I1", "phone_call", "skipped"),
        ("I1", "agency_handover", "done"),
    ]


def test_a_promise_kept_pauses_the_ladder_and_ends_it(
    engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    run(engine, ledger, day(15))
    with unit_of_work(engine) as session:
        promise = collections.add_promise(
            session,
            ledger,
            buyer_id="B1",
            amount=Decimal("1500.00"),
            promised_for=day(35),
            made_on=day(20),
            actor="tester",
        )
    assert promise.invoice_ids == ["I1", "I2"]
    assert [a[0] for a in run(engine, ledger, day(30))] == ["I3"]  # B1 waits for its promise
    pay(engine, ledger, tmp_path, "P1,B1,2026-04-05,1500.00,EUR,")
    assert [a[0] for a in run(engine, ledger, day(45))] == ["I3"]
    with unit_of_work(engine) as session:
        [kept] = collections.list_promises(session, ledger, buyer_id="B1")
    assert (kept.status, kept.settled_on) == ("kept", day(45))


def test_a_broken_promise_escalates_at_once(engine: Engine, ledger: Organisation) -> None:
    run(engine, ledger, day(15))
    with unit_of_work(engine) as session:
        collections.add_promise(
            session,
            ledger,
            buyer_id="B2",
            amount=Decimal("2000.00"),
            promised_for=day(18),
            made_on=day(16),
            actor="tester",
            invoice_id="I3",
        )
    assert run(engine, ledger, day(20)) == []  # date + 2 days of grace not passed
    assert run(engine, ledger, day(21)) == [("I3", "phone_call", "done")]  # before day 30
    with unit_of_work(engine) as session:
        [broken] = collections.list_promises(session, ledger, buyer_id="B2")
        escalated = session.scalar(
            select(DunningAction.escalated).where(
                DunningAction.invoice_id == "I3", DunningAction.step == "phone_call"
            )
        )
    assert broken.status == "broken"
    assert escalated is True


@pytest.mark.parametrize(("outcome", "back_on"), [("valid", True), ("justified", False)])
def test_a_dispute_takes_the_invoice_off_the_ladder_until_resolved(
    engine: Engine, ledger: Organisation, outcome: str, back_on: bool
) -> None:
    run(engine, ledger, day(15))
    with unit_of_work(engine) as session:
        disputes.open_dispute(session, ledger, "I3", "damaged goods", "tester", opened_on=day(20))
    assert [a[0] for a in run(engine, ledger, day(30))] == ["I1", "I2"]
    with unit_of_work(engine) as session:
        [open_] = disputes.list_disputes(session, ledger)
        disputes.resolve_dispute(
            session,
            ledger,
            open_.dispute_id,
            outcome,
            "tester",
            resolved_on=day(40),
        )
    after = run(engine, ledger, day(41))
    assert (("I3", "phone_call", "done") in after) is back_on  # where it was: the call next


def test_the_daily_cycle_runs_the_same_step_once(engine: Engine, ledger: Organisation) -> None:
    with unit_of_work(engine) as session:
        first = run_cycle(session, ledger, day(15), "tester")
    with unit_of_work(engine) as session:
        again = run_cycle(session, ledger, day(15), "tester")
    [dunning] = [o for o in first.outcomes if o.step == "dunning"]
    assert dunning.ran
    assert dunning.result["done"] == 3
    assert [o.ran for o in again.outcomes if o.step == "dunning"] == [False]
    assert run(engine, ledger, day(15)) == []  # the command after the cycle: nothing


def test_a_letter_is_printed_once_and_a_call_finished_once(
    engine: Engine, ledger: Organisation
) -> None:
    run(engine, ledger, day(15))
    run(engine, ledger, day(30))
    with unit_of_work(engine) as session:
        work = collections.worklist(session, ledger, day(30))
        assert [c.buyer_id for c in work.calls] == ["B1", "B2"]
        assert work.calls[0].amounts == {"EUR": Decimal("1500.00")}
        letter = work.letters[0].id
        collections.mark_printed(session, ledger, letter, "tester")
        with pytest.raises(ConflictError):
            collections.mark_printed(session, ledger, letter, "tester")
        call = collections.record_call(
            session,
            ledger,
            work.calls[0].id,
            collections.CallOutcome.PROMISE,
            "tester",
            on=day(30),
            promise=(Decimal("1500.00"), day(40)),
        )
        assert call.promise_id is not None
        with pytest.raises(ConflictError):
            collections.record_call(
                session,
                ledger,
                work.calls[0].id,
                collections.CallOutcome.REACHED,
                "tester",
                on=day(30),
            )
        history = collections.contact_history(session, ledger, "B1")
    assert {c.kind for c in history} == {"letter", "email", "call", "promise"}
    [call_made] = [c for c in history if c.kind == "call"]
    assert call_made.summary == "call by -: promise"  # no credit manager to assign
    assert call_made.said_in("zh") == "- 致电：承诺"


@pytest.mark.usefixtures("ledger")
def test_dunning_run_json_contract_and_second_run_empty(db_url: str, tmp_path: Path) -> None:
    first = run_cli(db_url, tmp_path, "dunning", "run", "--as-of", "2026-03-16", "--format", "json")
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["as_of"] == "2026-03-16"
    assert document["actions"][1] == {
        "buyer_id": "B1",
        "invoice_id": "I1",
        "step": "reminder_letter",
        "channel": "letter",
        "days_overdue": 15,
        "amount": "1000.00",
        "currency": "EUR",
        "status": "done",
        "escalated": False,
    }
    second = run_cli(
        db_url, tmp_path, "dunning", "run", "--as-of", "2026-03-16", "--format", "json"
    )
    assert json.loads(second.stdout)["actions"] == []
    listed = run_cli(
        db_url, tmp_path, "dunning", "list", "--as-of", "2026-03-16", "--format", "json"
    )
    work = json.loads(listed.stdout)
    assert [letter["buyer_id"] for letter in work["letters"]] == ["B1", "B2"]


def test_each_buyer_follows_the_ladder_of_its_credit_class(
    engine: Engine, ledger: Organisation
) -> None:
    with unit_of_work(engine) as session:
        session.add(
            CreditScore(
                org_id=ledger.id, buyer_id="B2", as_of=day(0), model="expert", score=20.0,
                confidence=1.0, pd=0.2, grade=8, credit_class="C", limit_recommended=0,
                currency="EUR", reasons=[], scored_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
        collections.save_settings(
            session,
            ledger,
            {"policies": {"C": {"steps": [
                {"name": "reminder_letter", "days": 5, "channel": "letter", "required": True},
                {"name": "agency_handover", "days": 20, "channel": "agency"},
            ]}}},
            "tester",
        )  # fmt: skip
    assert run(engine, ledger, day(5)) == [("I3", "reminder_letter", "done")]  # B2: class C
    assert run(engine, ledger, day(15)) == [
        ("I1", "pre_due_reminder", "skipped"),
        ("I1", "reminder_letter", "done"),
        ("I2", "pre_due_reminder", "skipped"),
        ("I2", "reminder_letter", "done"),
    ]  # B1, not scored: class B's ladder
    assert run(engine, ledger, day(20)) == [("I3", "agency_handover", "done")]


def test_a_cycle_catching_up_missed_days_sends_one_letter_not_every_missed_step(
    engine: Engine, ledger: Organisation
) -> None:
    with unit_of_work(engine) as session:
        run_cycle(session, ledger, day(-3), "tester")
    with unit_of_work(engine) as session:
        caught = run_cycle(session, ledger, day(60), "tester")
    assert len(caught.caught_up) == 62
    with unit_of_work(engine) as session:
        done = session.execute(
            select(DunningAction.step, DunningAction.status, DunningAction.as_of)
            .where(DunningAction.invoice_id == "I1")
            .order_by(DunningAction.id)
        ).all()
    assert [tuple(d) for d in done] == [
        ("pre_due_reminder", "done", day(-3)),
        ("reminder_letter", "done", day(60)),  # the call and the agency wait for the gap
    ]
