"""``/api/v1/audit``: the audit log, newest first (auditors and administrators)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tradeguard.audit import repository
from tradeguard.audit.schemas import AuditRead
from tradeguard.identity.dependencies import Auditor
from tradeguard.kit.bounds import Limit, Offset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


AuditSort = Literal["at", "-at", "id", "-id"]


@router.get("/audit", tags=["audit"])
async def list_audit(
    auditor: Auditor,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    sort: AuditSort = "-at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[AuditRead]:
    page = await auditor.call(
        repository.audit_log, entity=entity, actor=actor, sort=sort, limit=limit, offset=offset
    )
    return PageRead(
        items=[AuditRead.model_validate(a) for a in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )
