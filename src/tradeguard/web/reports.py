"""``/api/v1/reports/...``: receivables analytics over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
