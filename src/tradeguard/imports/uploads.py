"""Request bodies and uploaded files: a size limit counted as the body streams in, and
uploads saved to disk in chunks under a name the server chose.

The limit is ``TRADEGUARD_MAX_UPLOAD_MB`` (megabytes, default 100), read once when the
application is created (``max_upload_bytes``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradeguard.imports.reader import UnreadableFileError
from tradeguard.kit.problems import problem
from tradeguard.kit.settings import settings

MAX_UPLOAD_ENV = "TRADEGUARD_MAX_UPLOAD_MB"
# What the import reader understands (``imports.reader.read_table``); no suffix is CSV.
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")
_COPY_CHUNK = 1024 * 1024
_NAME_LENGTH = 60  # characters of the original name kept for the audit log
_UNSAFE = re.compile(r"[^\w.-]+")


def max_upload_bytes() -> int:
    """The largest request body the server accepts, from ``TRADEGUARD_MAX_UPLOAD_MB``;
    a bad value raises ``ValueError`` (``kit.settings``)."""
    return int(settings().max_upload_mb * 1024 * 1024)


class RequestTooLargeError(Exception):
    """The body went past the limit while it streamed in."""


class RequestSizeLimit:
    """Refuses request bodies above ``max_bytes`` with 413 problem JSON.

    A ``Content-Length`` above the limit is refused before any of the body is read; a
    body without one (chunked) is counted as it arrives and refused when it passes the
    limit, so nothing larger is ever buffered or spooled. Plain ASGI, like
    ``app.SecurityHeaders``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise RequestTooLargeError
            return message

        async def refusing_send(message: Message) -> None:
            # FastAPI turns a failure while it parses a form into its own 400: once the
            # limit is passed, that answer is replaced by the 413.
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if exceeded:
                    await self._refuse(scope, receive, send)
                    return
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, counting_receive, refusing_send)
        except RequestTooLargeError:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        megabytes = self.max_bytes / (1024 * 1024)
        response = problem(
            413,
            f"the request is larger than the limit of {megabytes:g} MB ({MAX_UPLOAD_ENV})",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def save_upload(upload: UploadFile, folder: Path) -> Path:
    """Copy the upload into ``folder`` in chunks, as ``<safe name><suffix>``.

    The client's file name is never used as a path: only letters, digits, ``.``, ``-``
    and ``_`` of its stem are kept (shortened; the audit log shows it), and its suffix
    must be one the import reader understands, else ``UnreadableFileError`` (422).
    """
    original = Path((upload.filename or "").replace("\\", "/")).name
    suffix = Path(original).suffix.lower()
    if suffix not in (*UPLOAD_SUFFIXES, ""):
        shown = _UNSAFE.sub("_", suffix)[:_NAME_LENGTH]
        raise UnreadableFileError(
            f"unsupported file type {shown!r} (use {', '.join(UPLOAD_SUFFIXES)})"
        )
    stem = _UNSAFE.sub("_", Path(original).stem)[:_NAME_LENGTH].strip("._") or "upload"
    path = folder / f"{stem}{suffix or '.csv'}"
    upload.file.seek(0)
    with path.open("wb") as target:
        shutil.copyfileobj(upload.file, target, _COPY_CHUNK)
    return path
