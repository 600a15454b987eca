"""``tradeguard import KIND FILE``: load a file into the ledger, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.imports.formats import FORMATS
from tradeguard.imports.service import IMPORT_STEPS, import_file
from tradeguard.kit.options import DbOption, FormatOption, OrgOption
from tradeguard.kit.output import (
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
    stderr,
)


class _Bar:
    """A Rich progress bar: ``step`` advances one known step, ``chunk`` reports a count."""

    def __init__(self, progress: Progress, task: TaskID, description: str) -> None:
        self._progress, self._task, self._description = progress, task, description

    def step(self, message: str) -> None:
        self._progress.update(self._task, description=f"{self._description}: {message}")
        self._progress.advance(self._task)

    def chunk(self, message: str, done: int, total: int) -> None:
        self._progress.update(
            self._task,
            description=f"{self._description}: {message}",
            completed=done,
            total=total,
        )


@contextmanager
def _bar(description: str, total: int | None = None) -> Iterator[_Bar]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as progress:
        yield _Bar(progress, progress.add_task(description, total=total), description)


def import_(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(FORMATS)}")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Import a CSV or XLSX file; a file with any bad row is refused whole."""
    if kind not in FORMATS:
        raise InvalidInputError(f"unknown kind {kind!r}; choose one of: {', '.join(FORMATS)}")
    with (
        org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation),
        _bar(f"importing {file.name}", total=IMPORT_STEPS) as bar,
    ):
        result = import_file(session, organisation, kind, file, STATE.actor, bar.step)
    if output is OutputFormat.JSON:
        emit_json(result.as_dict())
        return
    counts = [(name, value) for name, value in result.as_dict().items() if name != "unmatched"]
    key_value_table(f"Imported {file.name}", counts)
    if result.unmatched:
        rows_table(
            "Skipped: no buyer matches these events",
            ["row", "event", "why"],
            [[skipped.row, skipped.event_id, skipped.message] for skipped in result.unmatched],
            keys=2,
            notes=1,
        )


def register(app: typer.Typer) -> None:
    """Add these commands to the ``tradeguard`` application."""
    app.command("import")(import_)
