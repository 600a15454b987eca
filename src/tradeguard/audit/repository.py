"""Reading the audit log: one organisation's entries, page by page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradeguard.audit.models import AuditEntry
from tradeguard.domain.identity.access import Org
from tradeguard.kit.pagination import Page, paginate


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
