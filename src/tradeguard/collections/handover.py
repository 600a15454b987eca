"""The file a collection agency receives for a hand-over, as CSV or as an Excel workbook:
one row per invoice handed over (``service.handover_rows``, ``HANDOVER_COLUMNS``).

The CSV writes amounts and dates as text (``1234.50``, ``2024-01-31``) so that no
spreadsheet rounds or reformats them; the workbook keeps them as numbers and dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

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


def handover_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """The rows as UTF-8 CSV with a header, with a byte-order mark so that Excel reads
    the buyers' names in any script."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HANDOVER_COLUMNS)
    for row in rows:
        writer.writerow([_text(row[name]) for name in HANDOVER_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def handover_xlsx(rows: Sequence[dict[str, Any]], title: str) -> bytes:
    """The rows as one worksheet: amounts as numbers, dates as dates, the header frozen."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = title[:31]  # Excel's longest sheet name
    sheet.append(list(HANDOVER_COLUMNS))
    for row in rows:
        sheet.append([row[name] for name in HANDOVER_COLUMNS])
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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
