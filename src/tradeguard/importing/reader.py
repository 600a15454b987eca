"""Read a CSV, XLSX or Parquet file into a frame of text columns plus its spreadsheet row numbers.

Everything is read as text so that validation, not the reader, decides what is wrong,
and can name the row and column. Row numbers count the header as row 1.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

ROW = "__row"


class UnreadableFileError(ValueError):
    pass


def read_table(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        frame = _read_xlsx(path)
    elif suffix in {".csv", ".txt", ""}:
        frame = _read_csv(path)
    elif suffix == ".parquet":
        frame = _read_parquet(path)
    else:
        raise UnreadableFileError(
            f"{path.name}: unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)"
        )
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as error:
        raise UnreadableFileError(
            f"{path.name}: not a readable UTF-8 CSV file ({error})"
        ) from error


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.ComputeError, OSError) as error:
        raise UnreadableFileError(f"{path.name}: not a readable Parquet file ({error})") from error
    return frame.with_columns(pl.all().cast(pl.String))


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFileError(f"{path.name}: not a readable XLSX file ({error})") from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return pl.DataFrame()
        names = [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
        data = [[_cell_text(v) for v in row] for row in rows]
    finally:
        workbook.close()
    while data and all(v is None for v in data[-1]):
        data.pop()
    columns = {
        name: [row[i] if i < len(row) else None for row in data] for i, name in enumerate(names)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String))
