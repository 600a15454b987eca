"""What the API answers about an import."""

from __future__ import annotations

from pydantic import BaseModel


class ImportResultRead(BaseModel):
    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
