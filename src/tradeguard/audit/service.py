"""Writing the audit log: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tradeguard.audit.models import AuditEntry

# A value before or after a change: a JSON document (amounts as strings, dates ISO).
AuditValue = Mapping[str, object]


def cli_actor() -> str:
    """The operating-system user running a command-line job."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    session: Session,
    *,
    org_id: int,
    actor: str,
    action: str,
    entity: str,
    entity_key: str | None = None,
    before: AuditValue | None = None,
    after: AuditValue | None = None,
) -> None:
    session.add(
        AuditEntry(
            org_id=org_id,
            at=dt.datetime.now(dt.UTC),
            actor=actor,
            action=action,
            entity=entity,
            entity_key=entity_key,
            before=None if before is None else dict(before),
            after=None if after is None else dict(after),
        )
    )


def record_many(
    session: Session, org_id: int, actor: str, entries: Sequence[Mapping[str, object]]
) -> None:
    """Bulk form of ``record`` for imports that change many rows at once: each entry has
    the ``action``, ``entity``, ``entity_key``, ``before`` and ``after`` of one change."""
    if not entries:
        return
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(AuditEntry),
        [{"org_id": org_id, "at": now, "actor": actor, **entry} for entry in entries],
    )
