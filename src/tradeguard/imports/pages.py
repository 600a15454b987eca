"""The ``/import`` page: upload a file and see every problem, row by row."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tradeguard.domain.errors import ImportRejectedError, InvalidInputError
from tradeguard.identity.dependencies import (
    Caller,
    Writer,
)
from tradeguard.imports.formats import FORMATS
from tradeguard.imports.reader import UnreadableFileError
from tradeguard.imports.service import import_file
from tradeguard.imports.uploads import save_upload
from tradeguard.kit import i18n
from tradeguard.kit.rendering import render_page
from tradeguard.locale import translate

router = APIRouter(include_in_schema=False)


@router.get("/import")
async def import_form(request: Request, writer: Writer) -> HTMLResponse:
    return await writer.run(
        lambda _session, caller: render_page(
            request,
            caller,
            "import.html",
            kinds=list(FORMATS),
            result=None,
            errors=None,
            unmatched=None,
        )
    )


@router.post("/import")
async def import_upload(
    request: Request,
    writer: Writer,
    kind: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    return await writer.run(partial(_import_upload, request, kind, file))


def _import_upload(
    request: Request, kind: str, file: UploadFile, session: Session, caller: Caller
) -> HTMLResponse:
    context: dict[str, Any] = {
        "kinds": list(FORMATS),
        "result": None,
        "errors": None,
        "unmatched": None,
        "kind": kind,
    }
    if kind not in FORMATS:
        raise InvalidInputError(f"unknown kind {kind!r}")
    with tempfile.TemporaryDirectory(prefix="tradeguard-upload-") as folder:
        try:
            path = save_upload(file, Path(folder))
            with session.begin_nested():
                result = import_file(session, caller.org, kind, path, caller.actor)
            context["result"] = result.as_dict()
            language = caller.principal.language
            context["unmatched"] = [
                (
                    skipped.row,
                    skipped.event_id,
                    translate(language, skipped.template).format(value=f"'{skipped.value}'"),
                )
                for skipped in result.unmatched
            ]
        except ImportRejectedError as rejected:
            context["errors"] = [
                (e.row, e.column, i18n.row_problem(caller.principal.language, e))
                for e in rejected.errors
            ]
        except UnreadableFileError as error:
            context["errors"] = [(1, "file", str(error))]
    response = render_page(request, caller, "import.html", **context)
    if context["errors"]:
        response.status_code = 422
    return response
