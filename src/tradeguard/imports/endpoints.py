"""``/api/v1/imports/{kind}``: upload a file into the ledger (all or nothing)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, UploadFile
from sqlalchemy.orm import Session

from tradeguard.identity.dependencies import Caller, Writer
from tradeguard.imports.schemas import ImportResultRead
from tradeguard.imports.service import import_file
from tradeguard.imports.uploads import MAX_UPLOAD_ENV, save_upload
from tradeguard.kit.problems import PROBLEM_RESPONSES, problem_response

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


ImportKind = Literal[
    "buyers",
    "invoices",
    "payments",
    "credit-notes",
    "write-offs",
    "financials",
    "fx",
    "countries",
    "orders",
    "disputes",
    "events",
]


@router.post(
    "/imports/{kind}",
    tags=["imports"],
    responses={413: problem_response(f"Larger than {MAX_UPLOAD_ENV}")},
    response_model_exclude_none=True,
)
async def upload_import(
    kind: ImportKind, writer: Writer, file: Annotated[UploadFile, File()]
) -> ImportResultRead:
    """Import a CSV, XLSX or Parquet file: the same validation and all-or-nothing rule as
    the CLI. The body may be at most ``TRADEGUARD_MAX_UPLOAD_MB`` (413 above it). For
    events, ``unmatched`` lists the rows skipped because no buyer matches them."""

    def upload(session: Session, caller: Caller) -> ImportResultRead:
        with tempfile.TemporaryDirectory(prefix="tradeguard-upload-") as folder:
            path = save_upload(file, Path(folder))
            result = import_file(session, caller.org, kind, path, caller.actor)
        return ImportResultRead(**result.as_dict())

    return await writer.run(upload)
