"""Read a CSV, XLSX or Parquet file into a frame of text columns plus its spreadsheet row numbers.

Everything is read as text so that validation, not the reader, decides what is wrong,
and can name the row and column. Row numbers count the header as row 1. The shape of
the file is checked here: a column named twice (after stripping and lower-casing) and
a row with more or fewer cells than the header are refused by row, never guessed at.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from tradeguard.domain.errors import ImportRejectedError, InvalidInputError, RowError

ROW = "__row"
# Problems of shape reported before the reader stops looking (a broken file has many).
MAX_SHAPE_PROBLEMS = 100


class UnreadableFileError(InvalidInputError):
    """A file the reader cannot read as a table (its form, its header, its encoding)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "file")


def column_name(header: str) -> str:
    """The name a header cell stands for: surrounding blanks and case do not count."""
    return header.strip().lower()


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
    frame = frame.rename({c: column_name(c) for c in frame.columns})
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _refuse_duplicate_headers(header: Sequence[str]) -> None:
    """Blank header cells name no column (extra columns are ignored), so they may repeat."""
    counts = Counter(name for name in map(column_name, header) if name)
    duplicates = [name for name, count in counts.items() if count > 1]
    if duplicates:
        raise ImportRejectedError([RowError.of(1, name, "duplicate column") for name in duplicates])


def _ragged(records: Iterable[tuple[int, int]], width: int) -> list[RowError]:
    """Rows (row number, cell count) whose count is not the header's; blank lines pass."""
    problems = []
    for row, cells in records:
        if cells and cells != width:
            problems.append(
                RowError.of(
                    row,
                    "file",
                    "row has {cells} cells, the header has {header}",
                    cells=str(cells),
                    header=str(width),
                )
            )
            if len(problems) == MAX_SHAPE_PROBLEMS:
                break
    return problems


def _csv_records(path: Path) -> Iterator[list[str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as file:
        yield from csv.reader(file)


def _csv_shape(path: Path) -> tuple[list[str], list[RowError]]:
    """The header and the ragged rows of a CSV file (one pass of the csv module)."""
    records = _csv_records(path)
    header = next(records, [])
    counted = ((number, len(record)) for number, record in enumerate(records, start=2))
    return header, _ragged(counted, len(header))


def _csv_header(path: Path) -> list[str]:
    return next(_csv_records(path), [])


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        header = _csv_header(path)
        _refuse_duplicate_headers(header)
        try:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
        except pl.exceptions.ComputeError as error:
            if "more fields than defined" not in str(error):
                raise
            frame = None
        # A row with too many cells stops Polars; one with too few reads as blank trailing
        # cells, so only a file whose last column has blanks needs the row-by-row look.
        if frame is None or (frame.width and frame[frame.columns[-1]].null_count()):
            _, ragged = _csv_shape(path)
            if ragged:
                raise ImportRejectedError(ragged)
        if frame is None:
            raise UnreadableFileError(f"{path.name}: not a readable CSV file (uneven rows)")
        return frame
    except (pl.exceptions.ComputeError, UnicodeDecodeError, csv.Error) as error:
        raise UnreadableFileError(
            f"{path.name}: not a readable UTF-8 CSV file ({error})"
        ) from error


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.ComputeError, OSError) as error:
        raise UnreadableFileError(f"{path.name}: not a readable Parquet file ({error})") from error
    _refuse_duplicate_headers(frame.columns)
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


def _filled(row: Sequence[Any]) -> int:
    """The cells of a spreadsheet row up to its last non-empty one."""
    count = len(row)
    while count and row[count - 1] is None:
        count -= 1
    return count


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
        header = header[: _filled(header)]
        names = [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
        _refuse_duplicate_headers(names)
        data = [[_cell_text(v) for v in row] for row in rows]
    finally:
        workbook.close()
    while data and all(v is None for v in data[-1]):
        data.pop()
    # Cells beyond the header are refused; short rows are normal in a spreadsheet.
    wide = ((number, _filled(row)) for number, row in enumerate(data, start=2))
    ragged = _ragged(((row, cells) for row, cells in wide if cells > len(names)), len(names))
    if ragged:
        raise ImportRejectedError(ragged)
    columns = {
        name: [row[i] if i < len(row) else None for row in data] for i, name in enumerate(names)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String))
