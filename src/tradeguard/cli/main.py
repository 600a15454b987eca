"""Entry point of the ``tradeguard`` command.

Commands parse their options, open one unit of work, call one service and render the
result. Global options ``--db`` and ``--org`` may be given before the command or on it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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

from tradeguard.cli import credit, reports, users
from tradeguard.cli.context import (
    STATE,
    AsOfOption,
    DbOption,
    FormatOption,
    OrgOption,
    as_of_date,
    org_session,
)
from tradeguard.cli.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
    stderr,
)
from tradeguard.domain.access import Permission
from tradeguard.domain.errors import ImportRejectedError, TradeGuardError
from tradeguard.importing.formats import FORMATS
from tradeguard.importing.reader import UnreadableFileError
from tradeguard.services import organisations
from tradeguard.services.audit import cli_actor
from tradeguard.services.daily_cycle import run_cycle
from tradeguard.services.imports import IMPORT_STEPS, import_file
from tradeguard.store.db import unit_of_work

app = typer.Typer(
    name="tradeguard",
    help="Bad-debt protection for companies that sell on credit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.add_typer(reports.app, name="report")
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
credit.register(app)


@app.callback()
def _global(db: DbOption = None, org: OrgOption = None) -> None:
    STATE.db = db
    STATE.org = org


@app.command()
def init(
    org: OrgOption = None,
    base_currency: Annotated[str, typer.Option("--base-currency")] = "EUR",
    locale: Annotated[
        str | None,
        typer.Option(
            "--locale",
            help="How amounts read, e.g. en_GB (default for a new organisation), de_DE, "
            "zh_CN; given for an existing organisation, changes it",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create or migrate the database and create an organisation."""
    engine = STATE.engine(db, create=True)
    name = org or STATE.org
    if name is None:
        stderr.print("database is up to date (give --org NAME to create an organisation)")
        return
    with unit_of_work(engine) as session:
        organisation, created = organisations.create_or_get(
            session, name, base_currency, cli_actor(), locale
        )
    state = "created" if created else "already exists"
    stderr.print(f"organisation {name!r} {state} (locale {organisation.locale})", markup=False)


class DemoFileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


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


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(FORMATS)}")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Import a CSV or XLSX file; a file with any bad row is refused whole."""
    if kind not in FORMATS:
        raise TradeGuardError(f"unknown kind {kind!r}; choose one of: {', '.join(FORMATS)}")
    with (
        org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation),
        _bar(f"importing {file.name}", total=IMPORT_STEPS) as bar,
    ):
        result = import_file(session, organisation, kind, file, STATE.actor, bar.step)
    if output is OutputFormat.JSON:
        emit_json(result.as_dict())
    else:
        key_value_table(f"Imported {file.name}", list(result.as_dict().items()))


@app.command()
def cycle(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Run the daily protection cycle for a date (twice does nothing twice)."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        outcomes = run_cycle(session, organisation, day, STATE.actor)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json(
            {
                "as_of": day,
                "steps": [{"step": o.step, "ran": o.ran, "result": o.result} for o in outcomes],
            }
        )
        return
    rows_table(
        f"Daily cycle {day.isoformat()}",
        ["step", "status"],
        [[o.step, "done" if o.ran else "already done"] for o in outcomes],
    )
    snapshot = next((o.result for o in outcomes if o.step == "exposure_snapshot"), None)
    if snapshot:
        _print_summary(snapshot, numbers)


def _print_summary(summary: dict[str, Any], numbers: AmountFormat) -> None:
    currency = summary["currency"]
    key_value_table(
        f"{summary['organisation']} on {summary['as_of']}",
        [
            ("buyers", numbers.count(summary["buyers"])),
            ("invoices", numbers.count(summary["invoices"])),
            ("open invoices", numbers.count(summary["open_invoices"])),
            (f"open receivables ({currency})", numbers.amount(summary["open_receivables"])),
            (f"overdue ({currency})", numbers.amount(summary["overdue"])),
            ("overdue share", f"{float(summary['overdue_share']):.1%}"),
        ],
    )
    rows_table(
        "Ageing",
        ["bucket", "invoices", f"amount ({currency})"],
        [
            [b["label"], numbers.count(b["count"]), numbers.amount(b["amount"])]
            for b in summary["ageing"]
        ],
    )


@app.command()
def summary(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Open receivables, overdue and ageing on a date."""
    from tradeguard.serialisation import to_jsonable
    from tradeguard.services.summary import portfolio_summary

    with org_session(db, org) as (session, organisation):
        result = to_jsonable(portfolio_summary(session, organisation, as_of_date(as_of)))
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json(result)
    else:
        _print_summary(result, numbers)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same company)")] = 7,
    buyers: Annotated[int, typer.Option(help="Number of buyers")] = 2000,
    years: Annotated[float, typer.Option(help="Years of history")] = 3.0,
    as_of: AsOfOption = None,
    out: Annotated[Path | None, typer.Option(help="Only write the files into this folder")] = None,
    file_format: Annotated[
        DemoFileFormat, typer.Option("--file-format", help="Files to write with --out")
    ] = DemoFileFormat.CSV,
    host: Annotated[str, typer.Option(help="Where `tradeguard serve` will listen")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port `tradeguard serve` will use")] = 8000,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Generate a realistic seller, load it, run the daily cycle and print a summary.

    The sign-in line names the address of ``--host`` and ``--port``: give the ones the
    server will be started with (scripts/demo.sh does).
    """
    from tradeguard.demo.generator import DemoSpec, generate, generate_batches
    from tradeguard.services.demo import (
        DEMO_ORGANISATION,
        ensure_demo_admin,
        load_demo_batches,
    )

    day = as_of_date(as_of)
    spec = DemoSpec(
        seed=seed,
        buyers=buyers,
        years=years,
        as_of=day,
        file_format="parquet" if file_format is DemoFileFormat.PARQUET else "csv",
    )
    if out is not None:
        with _bar("generating the demo company") as bar:
            files = generate(spec, out, bar.chunk)
        written = ", ".join(f"{kind}: {count:,}" for kind, count in files.counts.items())
        stderr.print(f"wrote {written} to {out}")
        return
    engine = STATE.engine(db, create=True)
    # Generated and imported one batch of buyers at a time: bounded memory and disk.
    with (
        tempfile.TemporaryDirectory(prefix="tradeguard-demo-") as folder,
        unit_of_work(engine) as session,
        _bar("loading the demo company", total=buyers) as bar,
    ):
        done = [0, buyers]

        def generated(_kind: str, count: int, total: int) -> None:
            if _kind == "buyers":
                done[:] = [count, total]

        def loading(message: str) -> None:
            bar.chunk(message, done[0], done[1])

        organisation, _ = organisations.create_or_get(
            session, org or STATE.org or DEMO_ORGANISATION, "EUR", cli_actor()
        )
        batches = generate_batches(spec, Path(folder), generated)
        load_demo_batches(session, organisation, batches, cli_actor(), loading)
        loading("daily cycle")
        outcomes = run_cycle(session, organisation, day, cli_actor())
        admin = ensure_demo_admin(session, organisation, cli_actor())
    snapshot = next(o.result for o in outcomes if o.step == "exposure_snapshot")
    if output is OutputFormat.JSON:
        emit_json(snapshot)
    else:
        _print_summary(snapshot, AmountFormat(organisation.base_currency, organisation.locale))
    url = sign_in_url(host, port)
    if admin is None:
        _plain(f"Sign in at {url} (the demo administrator already exists)")
        return
    email, password = admin
    _plain(f"Sign in at {url} as {email}")
    _plain(f"Password (shown once; change it with `tradeguard user passwd {email}`):")
    # Alone on its line, undecorated and never wrapped: a triple-click copies exactly it.
    _plain(password)


def _plain(line: str) -> None:
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the web dashboard and API."""
    import uvicorn

    from tradeguard.web.app import create_app

    engine = STATE.engine(db)
    _plain(f"TradeGuard on {sign_in_url(host, port)}  (Ctrl+C to stop)")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")


def main() -> None:
    try:
        app()
    except ImportRejectedError as rejected:
        for error in rejected.errors:
            stderr.print(str(error), markup=False, highlight=False, soft_wrap=True)
        stderr.print(f"{rejected}", markup=False, highlight=False)
        raise SystemExit(1) from None
    except (TradeGuardError, UnreadableFileError) as error:
        stderr.print(f"error: {error}", markup=False, highlight=False)
        raise SystemExit(1) from None
