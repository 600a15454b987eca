"""The agency hand-over file as CSV and XLSX, from ``service.handover_rows``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from tradeguard.collections.service import HANDOVER_COLUMNS


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def handover_csv(rows: list[dict[str, Any]]) -> str:
    """One line per invoice; amounts as exact decimal text, dates ISO."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HANDOVER_COLUMNS)
    writer.writerows([_text(row[c]) for c in HANDOVER_COLUMNS] for row in rows)
    return buffer.getvalue()


def handover_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The same as a workbook: amounts as numbers, dates as dates."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "handover"
    sheet.append(list(HANDOVER_COLUMNS))
    for row in rows:
        sheet.append(
            [float(v) if isinstance(v, Decimal) else v for v in (row[c] for c in HANDOVER_COLUMNS)]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
