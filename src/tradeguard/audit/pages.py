"""The ``/audit`` page: the audit log for auditors and administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tradeguard.audit import repository
from tradeguard.identity.dependencies import (
    Auditor,
    Caller,
)
from tradeguard.kit.bounds import PageOffset
from tradeguard.kit.rendering import render_page

router = APIRouter(include_in_schema=False)


PAGE_SIZE = 50


@router.get("/audit")
async def audit_page(request: Request, auditor: Auditor, offset: PageOffset = 0) -> HTMLResponse:
    def page(session: Session, caller: Caller) -> HTMLResponse:
        found = repository.audit_log(session, caller.org, limit=PAGE_SIZE, offset=offset)
        return render_page(request, caller, "audit.html", page=found)

    return await auditor.run(page)
