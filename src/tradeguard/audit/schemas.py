"""What the API answers about the audit log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_key: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
