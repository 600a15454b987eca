"""Rendering results: readable Rich tables or one JSON document (amounts as strings)."""

from __future__ import annotations

import re
import sys
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from tradeguard.domain.money import minor_exponent
from tradeguard.kit.serialisation import to_json

stdout = Console()
stderr = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@cache
def _decimal_pattern(locale: str, digits: int) -> NumberPattern:
    """The locale's own number pattern (its grouping) with exactly ``digits`` decimals."""
    pattern = copy(parse_pattern(Locale.parse(locale).decimal_formats[None]))
    pattern.frac_prec = (digits, digits)
    return pattern


@dataclass(frozen=True)
class AmountFormat:
    """How amounts and counts read in tables: the organisation's locale (1,234,567.00 in
    en_GB, 1.234.567,00 in de_DE), every minor digit of the currency kept.

    JSON output never goes through it: amounts stay plain decimal strings there.
    """

    currency: str
    locale: str

    def amount(self, value: Decimal | str | int | None) -> str:
        if value is None:
            return ""
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        finer = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        digits = max(minor_exponent(self.currency), finer)
        return format_decimal(
            number, format=_decimal_pattern(self.locale, digits), locale=self.locale
        )

    def count(self, value: int | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)


def emit_json(document: Any) -> None:
    sys.stdout.write(to_json(document) + "\n")


def key_value_table(title: str, rows: list[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, "" if value is None else str(value))
    stdout.print(table)


def rows_table(
    title: str,
    columns: list[str],
    rows: list[list[Any]],
    *,
    keys: int = 1,
    notes: int = 0,
    total: list[Any] | None = None,
) -> None:
    """A table whose first ``keys`` columns name the row, whose last ``notes`` columns
    are free text and whose others hold figures.

    Figures are right-aligned and never wrapped or cut; names and notes fold when the
    terminal is narrow. Where the figures still do not fit, they continue in further
    tables that repeat the naming columns, so every number is printed whole. ``total``
    is a last row set apart (the matrix total).
    """
    grid = _Grid(columns, [_texts(row) for row in rows], None if total is None else _texts(total))
    others = list(range(keys, len(columns)))
    texts = [*range(keys), *range(len(columns) - notes, len(columns))]
    whole, fits = grid.laid_out(title, keys, others, texts)
    if fits:
        stdout.print(whole)
        return
    blocks: list[list[int]] = []
    for index in others:
        if blocks and grid.laid_out(title, keys, [*blocks[-1], index], texts)[1]:
            blocks[-1].append(index)
        else:
            blocks.append([index])
    for number, block in enumerate(blocks, start=1):
        stdout.print(grid.laid_out(f"{title} ({number}/{len(blocks)})", keys, block, texts)[0])


def _texts(row: list[Any]) -> list[str]:
    return ["" if value is None else str(value) for value in row]


@dataclass(frozen=True)
class _Grid:
    """The cells of a table, laid out for the terminal's width."""

    columns: list[str]
    cells: list[list[str]]
    footer: list[str] | None

    def _widest(self, index: int, *, header: bool = True) -> int:
        lines = [row[index] for row in self.cells] + ([self.footer[index]] if self.footer else [])
        if header:
            lines.append(self.columns[index])
        return max([1, *(cell_len(text) for text in lines)])

    def table(
        self,
        title: str,
        keys: int,
        others: list[int],
        widths: dict[int, int],
        *,
        stacked: bool = False,
    ) -> Table:
        """Names, then the ``others`` columns; text columns no wider than ``widths``;
        ``stacked``: figure headers on several lines, no wider than their figures."""
        shown = [*range(keys), *others]
        # Rules under the header and above the total, no side borders: room for figures.
        table = Table(
            title=title,
            box=box.SIMPLE,
            show_edge=False,
            pad_edge=False,
            show_footer=self.footer is not None,
            footer_style="bold",
        )
        for index in shown:
            footer = "" if self.footer is None else self.footer[index]
            if index in widths:
                table.add_column(
                    self.columns[index], footer, overflow="fold", max_width=widths[index]
                )
            else:
                header = self.columns[index]
                if stacked:
                    header = _stacked(header, self._widest(index, header=False))
                table.add_column(header, footer, justify="right", no_wrap=True)
        for row in self.cells:
            table.add_row(*(row[i] for i in shown))
        return table

    def laid_out(
        self, title: str, keys: int, others: list[int], texts: list[int]
    ) -> tuple[Table, bool]:
        """The table for the terminal's width, and whether it fits with every figure whole:
        text columns (names, notes) start at their narrowest (up to 12 characters, so an
        identifier stays whole) and share what room is left."""
        shown = {*range(keys), *others}
        widest = {i: self._widest(i) for i in texts if i in shown}
        widths = {i: min(width, 12) for i, width in widest.items()}
        stacked = False
        spare = stdout.width - _minimum_width(self.table(title, keys, others, widths))
        if spare < 0:
            stacked = True
            narrowest = self.table(title, keys, others, widths, stacked=True)
            spare = stdout.width - _minimum_width(narrowest)
            if spare < 0:
                return narrowest, False
        while spare > 0:
            growing = [i for i in widths if widths[i] < widest[i]]
            if not growing:
                break
            for i in growing[:spare]:
                widths[i] += 1
                spare -= 1
        return self.table(title, keys, others, widths, stacked=stacked), True


def _stacked(header: str, width: int) -> str:
    """A header broken after underscores and at spaces into lines of about ``width``
    (``avg_days_beyond_terms`` over a column of 6 characters: avg_ / days_ / beyond_ /
    terms)."""
    lines: list[str] = []
    for piece in re.findall(r"[^ _]+_*|_+", header):
        if lines and cell_len(lines[-1]) + cell_len(piece) + 1 <= width:
            glue = "" if lines[-1].endswith("_") else " "
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def _minimum_width(table: Table) -> int:
    """The narrowest the table renders in without cutting a figure (measured unconstrained,
    as Rich clamps a measurement to the width it is given)."""
    return Measurement.get(stdout, stdout.options.update_width(10_000), table).minimum


def plain(line: str) -> None:
    """A line on stderr exactly as written: no markup, colours or wrapping by Rich."""
    stderr.print(line, markup=False, highlight=False, soft_wrap=True)


def sign_in_url(host: str, port: int) -> str:
    """The address a browser reaches the server on (on this machine when it listens on
    every interface)."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
