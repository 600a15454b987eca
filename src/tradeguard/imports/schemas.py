"""What the API answers about an import."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UnmatchedRowRead(BaseModel):
    row: int
    event_id: str
    message: str


class ImportResultRead(BaseModel):
    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    unmatched: list[UnmatchedRowRead] | None = Field(
        default=None, description="Events only: the rows skipped, no buyer matching them"
    )
