"""The outbox: the dunning e-mails a run queued, sent once each through the SMTP server.

A message is sent in three short units of work, so that what is committed always says
what may have happened: the claim (queued → sending, by a conditional UPDATE that also
takes the next ``attempts``, so two senders never both hold a message) stores what is
sent, the subject, the text and a Message-ID that is the same on every try; then the
server gets it; then it is marked sent, or failed (the server refused it or was down:
sent again by the next send). A sender that dies between the server and the mark leaves
the message ``sending``: the next send cannot tell whether it left, so it marks it
``unconfirmed`` and never sends it by itself; a person checks and ``resend``s it. Where
no SMTP server is configured nothing is sent: the messages wait, and ``export`` writes
them out as .eml files. Every move is in the audit log (entity ``outbox``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.collections import repository
from tradeguard.collections.letters import RenderedMessage, render_message
from tradeguard.collections.models import DunningDocumentRow, OutboxMessage
from tradeguard.collections.service import document_of, load_settings
from tradeguard.domain.collections.documents import DunningDocument
from tradeguard.domain.collections.outbox import (
    OUTBOX_WORKFLOW,
    SENDABLE,
    OutboxStatus,
)
from tradeguard.domain.errors import InvalidInputError, NotFoundError, TradeGuardError
from tradeguard.domain.identity.access import Org, OrgRef
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.mail import (
    DeliveryUnknownError,
    Mailer,
    MessageRefusedError,
    ServerUnavailableError,
)
from tradeguard.kit.settings import settings
from tradeguard.kit.transitions import transition

SENDER_ACTOR = "tradeguard:outbox"
ENTITY = "outbox"
INTERRUPTED = (
    "a send was interrupted after the message was handed over: it may have left; check "
    "with the recipient, then `tradeguard outbox resend ID` to send it again"
)


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one send did: messages sent, failed and found unconfirmed, and those still
    waiting that it did not try (its limit, a server that stopped answering, or no
    server configured)."""

    sent: int
    failed: int
    unconfirmed: int
    left: int
    configured: bool = True

    @property
    def empty(self) -> bool:
        return not (self.sent or self.failed or self.unconfirmed or self.left)

    def describe(self) -> str:
        if not self.configured:
            return (
                f"e-mails: {self.left} waiting; no SMTP server is configured "
                "(TRADEGUARD_SMTP_HOST), `tradeguard outbox export` writes them out"
            )
        return (
            f"e-mails: {self.sent} sent, {self.failed} failed, {self.unconfirmed} "
            f"unconfirmed, {self.left} left"
        )


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message as ``outbox list`` shows it."""

    id: int
    document_id: int
    buyer_id: str
    step: str
    as_of: dt.date
    recipient: str
    status: str
    subject: str | None
    message_id: str | None
    attempts: int  # times a sender took it to the server
    last_error: str | None
    queued_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ExportedMessage:
    """A message with what it says, and as an .eml file (``eml``)."""

    record: MessageRecord
    subject: str
    text: str
    html: str
    eml: bytes


def message_id_of(org_id: int, message_id: int) -> str:
    """The Message-ID header: the same on every try, so a copy that arrives twice is one."""
    return f"<dunning-{org_id}-{message_id}@tradeguard>"


def _record(message: OutboxMessage, document: DunningDocumentRow) -> MessageRecord:
    return MessageRecord(
        id=message.id,
        document_id=message.document_id,
        buyer_id=document.buyer_id,
        step=document.step,
        as_of=document.as_of,
        recipient=message.recipient,
        status=message.status,
        subject=message.subject,
        message_id=message.message_id,
        attempts=message.attempts,
        last_error=message.last_error,
        queued_at=message.queued_at,
        sent_at=message.sent_at,
    )


def _statuses(status: str | None) -> list[str] | None:
    if status is None:
        return None
    if status not in {s.value for s in OutboxStatus}:
        raise InvalidInputError(
            f"status: {', '.join(s.value for s in OutboxStatus)}, not {status!r}", "status"
        )
    return [status]


def list_messages(session: Session, org: Org, status: str | None = None) -> list[MessageRecord]:
    """The organisation's messages (those in ``status``), in the order they were queued."""
    return [
        _record(m, d) for m, d in repository.outbox_messages(session, org.id, _statuses(status))
    ]


def compose(
    org_id: int,
    message: OutboxMessage,
    document: DunningDocument,
    rendered: RenderedMessage,
    sender: str | None,
    reply_to: str | None,
) -> EmailMessage:
    """The e-mail: the text and its HTML alternative, to the buyer's contact.

    ``ValueError`` where a header cannot be written (a line break in an address)."""
    email = EmailMessage(policy=SMTP_POLICY)
    email["Message-ID"] = message_id_of(org_id, message.id)
    email["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    if sender:
        email["From"] = sender
    email["To"] = formataddr((document.contact_name or document.buyer_name, message.recipient))
    if reply_to:
        email["Reply-To"] = reply_to
    email["Subject"] = rendered.subject
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to it
    email["Content-Language"] = document.language
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


def _letterhead_sender(session: Session, org: Org) -> tuple[str | None, str | None]:
    """From (where no SMTP server gives it) and Reply-To: the letterhead's address."""
    letterhead = load_settings(session, org).letterhead
    if not letterhead.email:
        return None, None
    return formataddr((letterhead.name, letterhead.email)), letterhead.email


def _audit(
    session: Session,
    org_id: int,
    actor: str,
    action: str,
    message_id: int,
    before: str,
    after: dict[str, object],
) -> None:
    audit.record(
        session,
        org_id=org_id,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_key=str(message_id),
        before={"status": before},
        after=after,
    )


# ---- sending ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Claim:
    email: EmailMessage
    attempts: int  # the claim's: only its holder marks the message


def send_queued(
    engine: Engine, org_id: int, *, limit: int | None = None, actor: str = SENDER_ACTOR
) -> SendReport:
    """Send the organisation's waiting messages (at most ``limit``), each once; first,
    any message a dead sender left ``sending`` becomes ``unconfirmed``."""
    config = settings().smtp
    with unit_of_work(engine) as session:
        organisation = session.get_one(Organisation, org_id)
        org = OrgRef(organisation.id, organisation.name, organisation.base_currency)
        waiting = repository.count_outbox(session, org_id, SENDABLE)
        if config is None:
            return SendReport(0, 0, 0, waiting, configured=False)
        unconfirmed = _recover(session, org_id, actor)
        candidates = repository.outbox_ids(session, org_id, SENDABLE, limit)
        _, reply_to = _letterhead_sender(session, org)
    sent = failed = tried = 0
    with Mailer(config) as mailer:
        for message_id in candidates:
            tried += 1
            claim = _claim(engine, org, message_id, (config.sender, reply_to), actor)
            if not isinstance(claim, _Claim):
                failed += 1 if claim is OutboxStatus.FAILED else 0
                continue
            try:
                mailer.send(claim.email)
            except (ServerUnavailableError, MessageRefusedError) as error:
                _finish(engine, org_id, message_id, claim, OutboxStatus.FAILED, str(error), actor)
                failed += 1
                if isinstance(error, ServerUnavailableError):
                    break  # the rest wait for the next send
            except DeliveryUnknownError as error:
                _finish(
                    engine, org_id, message_id, claim, OutboxStatus.UNCONFIRMED, str(error), actor
                )
                unconfirmed += 1
                break
            else:
                _finish(engine, org_id, message_id, claim, OutboxStatus.SENT, None, actor)
                sent += 1
    return SendReport(sent, failed, unconfirmed, waiting - tried)


def _recover(session: Session, org_id: int, actor: str) -> int:
    """Mark ``unconfirmed`` what a sender left ``sending``; how many."""
    stuck = repository.outbox_ids(session, org_id, [OutboxStatus.SENDING.value])
    moved = 0
    for message_id in stuck:
        if repository.move_message(
            session,
            message_id,
            [OutboxStatus.SENDING],
            OutboxStatus.UNCONFIRMED,
            {"last_error": INTERRUPTED},
        ):
            moved += 1
            _audit(
                session,
                org_id,
                actor,
                "unconfirmed",
                message_id,
                OutboxStatus.SENDING,
                {"status": OutboxStatus.UNCONFIRMED.value, "error": INTERRUPTED},
            )
    return moved


def _claim(
    engine: Engine, org: Org, message_id: int, addresses: tuple[str, str | None], actor: str
) -> _Claim | OutboxStatus:
    """Take the message for this sender, its e-mail (From, Reply-To ``addresses``)
    rendered and stored; else the status it was left in (failed: it cannot be rendered;
    sending: another sender took it first)."""
    with unit_of_work(engine) as session:
        found = repository.outbox_messages(session, org.id, ids=[message_id])
        if not found or found[0][0].status not in SENDABLE:
            return OutboxStatus.SENDING  # another sender took it first
        message = found[0][0]
        current = OutboxStatus(message.status)
        try:
            document = document_of(session, org, message.document_id)
            rendered = render_message(document)
            email = compose(org.id, message, document, rendered, *addresses)
        except (TradeGuardError, ValueError) as error:
            problem = f"the e-mail cannot be written: {error}"
            if repository.move_message(
                session, message_id, [current], OutboxStatus.FAILED, {"last_error": problem}
            ):
                _audit(
                    session,
                    org.id,
                    actor,
                    "failed",
                    message_id,
                    current,
                    {"status": OutboxStatus.FAILED.value, "error": problem},
                )
            return OutboxStatus.FAILED
        attempts = message.attempts + 1
        claimed = repository.move_message(
            session,
            message_id,
            [current],
            OutboxStatus.SENDING,
            {
                "subject": rendered.subject,
                "body": rendered.text,
                "message_id": email["Message-ID"],
                "attempts": attempts,
            },
            attempts=message.attempts,
        )
        if not claimed:
            return OutboxStatus.SENDING
        _audit(
            session,
            org.id,
            actor,
            "claim",
            message_id,
            current,
            {
                "status": OutboxStatus.SENDING.value,
                "recipient": message.recipient,
                "subject": rendered.subject,
                "message_id": email["Message-ID"],
                "attempts": attempts,
            },
        )
    return _Claim(email, attempts)


def _finish(
    engine: Engine,
    org_id: int,
    message_id: int,
    claim: _Claim,
    target: OutboxStatus,
    error: str | None,
    actor: str,
) -> None:
    """Mark what the server did with the message, if this sender still holds it (another
    sender's recovery may have called it unconfirmed meanwhile: this one knows)."""
    values: dict[str, object] = {"last_error": error}
    if target is OutboxStatus.SENT:
        values["sent_at"] = dt.datetime.now(dt.UTC)
    holders = [OutboxStatus.SENDING]
    if target is not OutboxStatus.UNCONFIRMED:
        holders.append(OutboxStatus.UNCONFIRMED)
    with unit_of_work(engine) as session:
        for holder in holders:
            if repository.move_message(
                session, message_id, [holder], target, values, attempts=claim.attempts
            ):
                after: dict[str, object] = {"status": target.value, "attempts": claim.attempts}
                if error is not None:
                    after["error"] = error
                _audit(session, org_id, actor, target.value, message_id, holder, after)
                return


# ---- a person's part --------------------------------------------------------------------


def resend(session: Session, org: Org, message_id: int, actor: str) -> MessageRecord:
    """Put an unconfirmed or failed message back in the queue: a person checked that it
    did not arrive (audited); the next send sends it."""
    found = repository.outbox_messages(session, org.id, ids=[message_id])
    if not found:
        raise NotFoundError(f"no outbox message {message_id}")
    message, document = found[0]
    current = OutboxStatus(message.status)
    OUTBOX_WORKFLOW.check(
        current,
        OutboxStatus.QUEUED,
        f"message {message_id} is {current}: only an unconfirmed or failed message is queued again",
    )
    transition(
        session,
        OutboxMessage,
        OutboxMessage.id == message_id,
        OutboxMessage.status,
        OUTBOX_WORKFLOW,
        current,
        OutboxStatus.QUEUED,
        {"last_error": None},
        f"message {message_id} changed meanwhile; look again",
    )
    _audit(
        session, org.id, actor, "resend", message_id, current, {"status": OutboxStatus.QUEUED.value}
    )
    session.refresh(message)
    return _record(message, document)


def export(session: Session, org: Org, status: str | None = None) -> list[ExportedMessage]:
    """The messages (those in ``status``) with what they say: the subject and text stored
    when a sender took them, else rendered now; the HTML rendered from the document. A
    read: nothing changes."""
    config = settings().smtp
    letterhead_from, reply_to = _letterhead_sender(session, org)
    sender = config.sender if config is not None else letterhead_from
    exported = []
    for message, row in repository.outbox_messages(session, org.id, _statuses(status)):
        document = document_of(session, org, row.id)
        rendered = render_message(document)
        stored = RenderedMessage(
            subject=message.subject or rendered.subject,
            text=message.body or rendered.text,
            html=rendered.html,
        )
        email = compose(org.id, message, document, stored, sender, reply_to)
        exported.append(
            ExportedMessage(
                record=_record(message, row),
                subject=stored.subject,
                text=stored.text,
                html=stored.html,
                eml=email.as_bytes(),
            )
        )
    return exported
