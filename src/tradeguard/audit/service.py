"""Writing the audit log: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from sqlalchemy import (
    insert,
    select,
)
from sqlalchemy.orm import Session

from tradeguard.audit.models import AuditEntry
from tradeguard.domain.identity.access import Org
from tradeguard.kit.pagination import Page, paginate


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
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            org_id=org_id,
            at=dt.datetime.now(dt.UTC),
            actor=actor,
            action=action,
            entity=entity,
            entity_key=entity_key,
            before=before,
            after=after,
        )
    )


def record_many(session: Session, org_id: int, actor: str, entries: list[dict[str, Any]]) -> None:
    """Bulk form of ``record`` for imports that change many rows at once."""
    if not entries:
        return
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(AuditEntry),
        [{"org_id": org_id, "at": now, "actor": actor, **entry} for entry in entries],
    )


def audit_log(
    session: Session,
    org: Org,
    *,
    entity: str | None = None,
    actor: str | None = None,
    sort: str = "-at",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(AuditEntry).where(AuditEntry.org_id == org.id)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    sortable = {"at": AuditEntry.at, "id": AuditEntry.id}
    return paginate(session, query, sortable, sort, limit, offset, AuditEntry.id)
