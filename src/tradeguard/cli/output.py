"""Rendering results: readable Rich tables or one JSON document (amounts as strings)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from tradeguard.serialisation import to_json

stdout = Console()
stderr = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def emit_json(document: Any) -> None:
    sys.stdout.write(to_json(document) + "\n")


def key_value_table(title: str, rows: list[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, "" if value is None else str(value))
    stdout.print(table)


def rows_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    stdout.print(table)
