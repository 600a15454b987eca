"""``tradeguard demo``: generate a demo exporter, load it and run the daily cycle."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tradeguard.audit.service import cli_actor
from tradeguard.cycle.service import recorded_summary, run_cycle
from tradeguard.identity import organisations
from tradeguard.identity.commands import STATE
from tradeguard.imports.cli import _bar
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.options import AsOfOption, DbOption, FormatOption, OrgOption, as_of_date
from tradeguard.kit.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    plain,
    sign_in_url,
    stderr,
)
from tradeguard.receivables.cli import print_summary


class DemoFileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


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
    from tradeguard.demo.service import (
        DEMO_ORGANISATION,
        ensure_demo_admin,
        insure_demo,
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
        loading("credit insurance")
        insure_demo(session, organisation, day, Path(folder), cli_actor())
        loading("daily cycle")
        run = run_cycle(session, organisation, day, cli_actor())
        admin = ensure_demo_admin(session, organisation, cli_actor())
    summary = recorded_summary(run.outcomes)
    if output is OutputFormat.JSON:
        emit_json(summary.model_dump(mode="json"))
    else:
        print_summary(summary, AmountFormat(organisation.base_currency, organisation.locale))
    url = sign_in_url(host, port)
    if admin is None:
        plain(f"Sign in at {url} (the demo administrator already exists)")
        return
    email, password = admin
    plain(f"Sign in at {url} as {email}")
    plain(f"Password (shown once; change it with `tradeguard user passwd {email}`):")
    # Alone on its line, undecorated and never wrapped: a triple-click copies exactly it.
    plain(password)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``tradeguard`` application."""
    app.command()(demo)
