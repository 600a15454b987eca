"""The agency hand-over file as CSV and XLSX, from ``service.handover_rows``: one row per
invoice handed over (``HANDOVER_COLUMNS``), for ``tradeguard dunning handover`` and the
API's ``/api/v1/agency-handovers/{id}/file.csv|xlsx``.

The CSV writes amounts and dates as text (``1234.50``, ``2024-01-31``) so that no
spreadsheet rounds or reformats them, after a byte-order mark so that Excel reads the
buyers' names in any script; the workbook keeps them as numbers and dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from tradeguard.collections.service import HANDOVER_COLUMNS

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONEY_FORMAT = "#,##0.00"
_DATE_FORMAT = "yyyy-mm-dd"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def handover_csv(rows: list[dict[str, Any]]) -> str:
    """One line per invoice; amounts as exact decimal text, dates ISO."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HANDOVER_COLUMNS)
    writer.writerows([_text(row[c]) for c in HANDOVER_COLUMNS] for row in rows)
    return buffer.getvalue()


def handover_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The same as a workbook: amounts as (exact) numbers, dates as dates, the header
    frozen and the columns as wide as their values."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "handover"
    sheet.append(list(HANDOVER_COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in HANDOVER_COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, Decimal):
                cell.number_format = _MONEY_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = _DATE_FORMAT
    for index, name in enumerate(HANDOVER_COLUMNS, start=1):
        widest = max([len(name), *(len(_text(row[name])) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
