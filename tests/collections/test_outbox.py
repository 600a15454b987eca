"""The outbox against a real SMTP server on loopback (aiosmtpd), on both databases: what
``dunning run`` sends, once; a sender killed between the server and the mark; a server
that is down, refuses a recipient or hangs up mid-message; two senders at once.

The dunning run and the killed sender are real ``tradeguard`` processes; the rest runs
the commands in-process (Typer's runner), with the same variables.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.conftest import write_csv
from tradeguard.audit.models import AuditEntry
from tradeguard.cli.main import app
from tradeguard.collections import service as collections
from tradeguard.collections.models import OutboxMessage
from tradeguard.collections.outbox import SendReport, message_id_of, send_queued
from tradeguard.cycle.scheduler import run_for_every_organisation
from tradeguard.domain.identity.access import Role
from tradeguard.domain.workflow import IllegalTransitionError
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.repository import load_snapshot

AS_OF = "2024-03-25"
SENDER = "Acme Credit <credit@acme.test>"
# B1: two invoices at the reminder step (one e-mail for both) and one three days before
# due (the pre-due reminder: a second e-mail); B2 in Chinese; B3 has no address (a letter
# only); B4 is paid.
BUYERS = """buyer_id,name,country,industry,email,contact_name,language
B1,Alpha GmbH,DE,retail,ap@alpha.test,Anna Meier,en
B2,Beijing Trading,CN,wholesale,chen@beijing.test,陈先生,zh
B3,Gamma SA,FR,retail,,,
B4,Delta BV,NL,retail,ap@delta.test,,en"""
INVOICES = """invoice_id,buyer_id,issue_date,due_date,amount,currency
I1,B1,2024-02-05,2024-03-05,1000.00,EUR
I2,B1,2024-02-08,2024-03-08,250.00,EUR
I3,B1,2024-02-27,2024-03-27,400.00,EUR
I4,B2,2024-02-01,2024-03-01,3000.00,EUR
I5,B3,2024-02-01,2024-03-01,500.00,EUR
I6,B4,2024-02-01,2024-03-01,800.00,EUR"""
PAYMENTS = """payment_id,buyer_id,date,amount,currency
P1,B4,2024-03-01,800.00,EUR"""
# (recipient, step) → words of that step's subject
EXPECTED = {
    ("ap@alpha.test", "pre_due_reminder"): "falls due soon",
    ("ap@alpha.test", "reminder_letter"): "is past due",
    ("chen@beijing.test", "reminder_letter"): "逾期发票催款函",
}


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """An SMTP handler that keeps what it was given; it can refuse a recipient, kill the
    process that sends (then answer), or hang up instead of answering."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    kill: subprocess.Popen[str] | None = None
    hang_up: bool = False

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's name for the hook)
        self, _server: SMTP, _session: SMTPSession, envelope: Envelope, address: str, _: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, _session: SMTPSession, envelope: Envelope
    ) -> str:
        content = cast(bytes, envelope.original_content)
        message = message_from_bytes(content, policy=default_policy)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        if self.kill is not None:  # the sender dies with the message here, unanswered
            self.kill.kill()
            await asyncio.to_thread(self.kill.wait)
            self.kill = None
        if self.hang_up:
            assert server.transport is not None
            server.transport.close()
        return "250 OK"

    def ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in self.received]


@dataclass
class Server:
    handler: Recorder
    port: int

    def env(self) -> dict[str, str]:
        return {
            "TRADEGUARD_SMTP_HOST": "127.0.0.1",
            "TRADEGUARD_SMTP_PORT": str(self.port),
            "TRADEGUARD_SMTP_FROM": SENDER,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A running SMTP server; this process's commands send through it."""
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    server = Server(handler, controller.port)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def ledger(engine: Engine, org: Organisation, tmp_path: Path) -> Organisation:
    with unit_of_work(engine) as session:
        for kind, text in (("buyers", BUYERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
            import_file(session, org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")
        collections.save_settings(session, org, {"letterhead.email": "ar@acme.test"}, "test")
    return org


def _tradeguard(db_url: str, cwd: Path, smtp: Server, *args: str) -> subprocess.Popen[str]:
    """``tradeguard --db DB ARGS`` as a real process, sending through ``smtp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_SMTP_")}
    env.pop("TRADEGUARD_TOKEN", None)
    env.update(smtp.env(), COLUMNS="200")
    return subprocess.Popen(
        [sys.executable, "-m", "tradeguard", "--db", db_url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    )


def _cli(db_url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db_url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _statuses(engine: Engine) -> dict[int, str]:
    with unit_of_work(engine) as session:
        return {m.id: m.status for m in session.scalars(select(OutboxMessage))}


def _outbox_actions(engine: Engine, message_id: int) -> list[str]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "outbox", AuditEntry.entity_key == str(message_id))
                .order_by(AuditEntry.id)
            )
        )


def test_the_run_sends_one_email_per_buyer_and_step_once(
    db_url: str, engine: Engine, ledger: Organisation, smtp: Server, tmp_path: Path
) -> None:
    process = _tradeguard(
        db_url, tmp_path, smtp, "dunning", "run", "--as-of", AS_OF, "--format", "json"
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    run = json.loads(stdout)
    assert set(run) == {
        "as_of",
        "actions",
        "done",
        "skipped",
        "documents",
        "promises_kept",
        "promises_broken",
    }
    assert "e-mails: 3 sent, 0 failed, 0 unconfirmed, 0 left" in stderr

    received = smtp.handler.received
    assert sorted(r.recipients[0] for r in received) == [
        "ap@alpha.test",
        "ap@alpha.test",
        "chen@beijing.test",
    ]
    assert all(len(r.recipients) == 1 for r in received)
    assert {r.sender for r in received} == {"credit@acme.test"}
    messages = _cli(db_url, "outbox", "list")
    assert {(m["recipient"], m["step"]) for m in messages} == set(EXPECTED)
    assert {m["status"] for m in messages} == {"sent"}
    by_id = {m["message_id"]: m for m in messages}
    assert sorted(by_id) == sorted(smtp.handler.ids())
    for r in received:
        stored = by_id[str(r.message["Message-ID"])]
        assert stored["message_id"] == message_id_of(ledger.id, stored["id"])
        assert EXPECTED[(r.recipients[0], stored["step"])] in str(r.message["Subject"])
        assert str(r.message["Subject"]) == stored["subject"]
        assert str(r.message["From"]) == SENDER
        assert str(r.message["Reply-To"]) == "ar@acme.test"
        (to,) = r.message["To"].addresses
        assert to.addr_spec == r.recipients[0]
        assert to.display_name == {"ap@alpha.test": "Anna Meier"}.get(to.addr_spec, "陈先生")
        assert r.message.get_content_type() == "multipart/alternative"
        text = r.message.get_body(("plain",))
        html = r.message.get_body(("html",))
        assert text is not None
        assert html is not None
    reminder = next(
        r
        for r in received
        if r.recipients[0] == "ap@alpha.test" and "past due" in r.message["Subject"]
    )
    body = reminder.message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert "I1" in content  # grouped
    assert "I2" in content
    assert "I3" not in content  # the other step's

    second = CliRunner().invoke(app, ["--db", db_url, "dunning", "run", "--as-of", AS_OF])
    assert second.exit_code == 0, second.output
    assert len(received) == 3  # nothing twice
    assert _cli(db_url, "outbox", "send") == {
        "sent": 0,
        "failed": 0,
        "unconfirmed": 0,
        "left": 0,
        "configured": True,
    }
    assert len(received) == 3
    one = messages[0]["id"]
    assert _outbox_actions(engine, one) == ["claim", "sent"]


@pytest.mark.usefixtures("ledger")
def test_a_sender_killed_before_the_answer_leaves_the_message_unconfirmed(
    db_url: str, engine: Engine, smtp: Server, tmp_path: Path
) -> None:
    process = _tradeguard(db_url, tmp_path, smtp, "dunning", "run", "--as-of", AS_OF)
    smtp.handler.kill = process
    process.communicate(timeout=120)
    assert process.returncode == -9
    assert len(smtp.handler.received) == 1  # it had the message, and no answer
    (first,) = smtp.handler.ids()
    statuses = _statuses(engine)
    held = next(i for i, status in statuses.items() if status == "sending")
    assert sorted(statuses.values()) == ["queued", "queued", "sending"]

    report = _cli(db_url, "outbox", "send")
    assert report == {"sent": 2, "failed": 0, "unconfirmed": 1, "left": 0, "configured": True}
    assert smtp.handler.ids().count(first) == 1  # not sent again by itself
    assert len(smtp.handler.received) == 3
    (unconfirmed,) = _cli(db_url, "outbox", "list", "--status", "unconfirmed")
    assert unconfirmed["id"] == held
    assert unconfirmed["message_id"] == first
    assert "may have left" in unconfirmed["last_error"]
    assert _cli(db_url, "outbox", "send")["sent"] == 0
    assert smtp.handler.ids().count(first) == 1

    assert _cli(db_url, "outbox", "resend", str(held))["status"] == "queued"
    assert _cli(db_url, "outbox", "send")["sent"] == 1
    assert smtp.handler.ids().count(first) == 2  # the same Message-ID: the same e-mail
    assert _statuses(engine)[held] == "sent"
    assert _outbox_actions(engine, held) == ["claim", "unconfirmed", "resend", "claim", "sent"]
    refused = CliRunner().invoke(app, ["--db", db_url, "outbox", "resend", str(held)])
    assert isinstance(refused.exception, IllegalTransitionError)
    assert "only an unconfirmed or failed message" in str(refused.exception)


@pytest.mark.usefixtures("ledger")
def test_a_server_that_is_down_fails_the_message_and_the_next_send_retries(
    db_url: str, engine: Engine, smtp: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEGUARD_SMTP_PORT", str(_free_port()))  # nothing listens there
    result = CliRunner().invoke(app, ["--db", db_url, "dunning", "run", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "e-mails: 0 sent, 1 failed, 0 unconfirmed, 2 left" in result.stderr
    (failed,) = _cli(db_url, "outbox", "list", "--status", "failed")
    assert "cannot connect" in failed["last_error"]
    assert failed["attempts"] == 1

    monkeypatch.setenv("TRADEGUARD_SMTP_PORT", str(smtp.port))
    assert _cli(db_url, "outbox", "send")["sent"] == 3
    assert set(_statuses(engine).values()) == {"sent"}
    (retried,) = [m for m in _cli(db_url, "outbox", "list") if m["id"] == failed["id"]]
    assert (retried["attempts"], retried["last_error"]) == (2, None)
    assert _outbox_actions(engine, failed["id"]) == ["claim", "failed", "claim", "sent"]


@pytest.mark.usefixtures("ledger")
def test_a_refused_recipient_fails_alone_and_a_hang_up_is_unconfirmed(
    db_url: str, smtp: Server
) -> None:
    smtp.handler.refuse = {"chen@beijing.test"}
    CliRunner().invoke(app, ["--db", db_url, "dunning", "run", "--as-of", AS_OF])
    (refused,) = _cli(db_url, "outbox", "list", "--status", "failed")
    assert refused["recipient"] == "chen@beijing.test"
    assert "550" in refused["last_error"]
    assert len(_cli(db_url, "outbox", "list", "--status", "sent")) == 2

    smtp.handler.refuse = set()
    smtp.handler.hang_up = True  # takes the message, then closes without an answer
    assert _cli(db_url, "outbox", "send")["unconfirmed"] == 1
    (unknown,) = _cli(db_url, "outbox", "list", "--status", "unconfirmed")
    assert unknown["id"] == refused["id"]
    assert "broke while the message was handed over" in unknown["last_error"]


def test_without_a_server_the_emails_wait_and_are_exported(
    db_url: str, engine: Engine, ledger: Organisation, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["--db", db_url, "dunning", "run", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "3 waiting; no SMTP server is configured" in result.stderr
    out = tmp_path / "eml"
    exported = _cli(db_url, "outbox", "export", "--out", str(out))
    assert len(exported) == 3
    assert set(_statuses(engine).values()) == {"queued"}  # exporting changes nothing
    files = sorted(out.glob("*.eml"))
    assert [f.name for f in files] == sorted(f"outbox-{m['id']}.eml" for m in exported)
    chinese = next(m for m in exported if m["recipient"] == "chen@beijing.test")
    eml = message_from_bytes(
        (out / f"outbox-{chinese['id']}.eml").read_bytes(), policy=default_policy
    )
    assert "逾期发票催款函" in str(eml["Subject"])
    assert str(eml["Subject"]) == chinese["subject"]
    assert str(eml["Message-ID"]) == message_id_of(ledger.id, chinese["id"])
    assert str(eml["From"]) == "Acme Exports <ar@acme.test>"  # the letterhead's
    assert "陈先生" in chinese["text"]
    assert "<table" in chinese["html"]
    assert _cli(db_url, "outbox", "export", "--out", str(out), "--status", "sent") == []


def test_a_viewer_lists_but_neither_sends_nor_resends(
    db_url: str, engine: Engine, ledger: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    CliRunner().invoke(app, ["--db", db_url, "dunning", "run", "--as-of", AS_OF])
    with unit_of_work(engine) as session:
        viewer = users.add_user(session, ledger, "v@acme.test", Role.VIEWER, "a long password", "t")
        token = users.create_token(session, viewer, "t")
    monkeypatch.setenv("TRADEGUARD_TOKEN", token)
    assert len(_cli(db_url, "outbox", "list")) == 3
    for command in (["send"], ["resend", "1"]):
        refused = CliRunner().invoke(app, ["--db", db_url, "outbox", *command])
        assert "may not do this" in str(refused.exception), command
    assert set(_statuses(engine).values()) == {"queued"}


def test_two_senders_at_once_send_each_message_once(
    engine: Engine, ledger: Organisation, smtp: Server
) -> None:
    with unit_of_work(engine) as session:  # the run itself, without sending
        snapshot = load_snapshot(session.connection(), ledger.id, ledger.base_currency)
        collections.run_dunning(session, ledger, dt.date.fromisoformat(AS_OF), "test", snapshot)
    reports: list[SendReport] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            reports.append(send_queued(engine, ledger.id))
        except BaseException as error:  # for the assertion below
            errors.append(error)

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    assert errors == []
    assert len(reports) == 2
    assert sum(r.sent for r in reports) == 3
    assert sorted(smtp.handler.ids()) == sorted(set(smtp.handler.ids()))
    assert len(smtp.handler.received) == 3
    assert set(_statuses(engine).values()) == {"sent"}


def test_the_cycle_and_the_scheduler_send_what_their_dunning_step_queued(
    db_url: str, engine: Engine, ledger: Organisation, smtp: Server
) -> None:
    result = CliRunner().invoke(
        app, ["--db", db_url, "cycle", "--as-of", "2024-03-20", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"as_of", "steps", "caught_up"}
    first = len(smtp.handler.received)
    assert first > 0
    assert f"e-mails: {first} sent, 0 failed" in result.stderr
    assert run_for_every_organisation(engine, dt.date(2024, 3, 25)) == {ledger.name: "done"}
    statuses = _statuses(engine)
    assert len(smtp.handler.received) == len(statuses) > first  # the days caught up's too
    assert set(statuses.values()) == {"sent"}


def test_the_api_run_sends_after_its_answer(
    engine: Engine, ledger: Organisation, smtp: Server
) -> None:
    from fastapi.testclient import TestClient

    from tradeguard.web.app import create_app

    with unit_of_work(engine) as session:
        manager = users.add_user(
            session, ledger, "cm@acme.test", Role.CREDIT_MANAGER, "a long password 1", "test"
        )
        token = users.create_token(session, manager, "test")
    client = TestClient(create_app(engine))
    answer = client.post(
        "/api/v1/dunning/run",
        json={"as_of": AS_OF},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["documents"] >= 1
    # TestClient runs the background task before returning: the e-mails have left
    assert smtp.handler.received
    assert set(_statuses(engine).values()) == {"sent"}
