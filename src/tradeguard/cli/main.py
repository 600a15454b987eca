"""Entry point of the ``tradeguard`` command: the capabilities' commands in one application.

Commands parse their options, open one unit of work, call one service and render the
result. Global options ``--db`` and ``--org`` may be given before the command or on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from tradeguard.audit.service import cli_actor
from tradeguard.collections import cli as collections_cli
from tradeguard.country import cli as country_cli
from tradeguard.credit import cli as credit_cli
from tradeguard.cycle import cli as cycle_cli
from tradeguard.demo import cli as demo_cli
from tradeguard.disputes import cli as disputes_cli
from tradeguard.domain.errors import ImportRejectedError, TradeGuardError
from tradeguard.identity import cli as identity_cli
from tradeguard.identity import organisations
from tradeguard.identity.commands import STATE
from tradeguard.imports import cli as imports_cli
from tradeguard.insurance import cli as insurance_cli
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.options import DbOption, OrgOption
from tradeguard.kit.output import plain, sign_in_url, stderr
from tradeguard.limits import cli as limits_cli
from tradeguard.monitoring import cli as monitoring_cli
from tradeguard.receivables import cli as receivables_cli
from tradeguard.screening import cli as screening_cli

app = typer.Typer(
    name="tradeguard",
    help="Bad-debt protection for companies that sell on credit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for capability in (
    imports_cli,
    cycle_cli,
    receivables_cli,
    credit_cli,
    country_cli,
    limits_cli,
    monitoring_cli,
    screening_cli,
    disputes_cli,
    collections_cli,
    insurance_cli,
    identity_cli,
    demo_cli,
):
    capability.register(app)


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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    with_cycle: Annotated[
        bool, typer.Option("--with-cycle", help="Also run the daily cycle every day, in-process")
    ] = False,
    cycle_at: Annotated[
        str, typer.Option("--cycle-at", help="When --with-cycle runs it (HH:MM, local time)")
    ] = "02:00",
    db: DbOption = None,
) -> None:
    """Serve the web dashboard and API (and, with --with-cycle, the daily cycle)."""
    import uvicorn

    from tradeguard.cycle.scheduler import DailyCycle
    from tradeguard.web.app import create_app

    try:
        at = dt.time.fromisoformat(cycle_at)
    except ValueError:
        raise typer.BadParameter(
            f"{cycle_at!r} is not a time HH:MM", param_hint="--cycle-at"
        ) from None
    engine = STATE.engine(db)
    if with_cycle:
        DailyCycle(engine, at).start()
        plain(f"the daily cycle runs every day at {at.strftime('%H:%M')} for every organisation")
    plain(f"TradeGuard on {sign_in_url(host, port)}  (Ctrl+C to stop)")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")


def main() -> None:
    try:
        app()
    except ImportRejectedError as rejected:
        for error in rejected.errors:
            stderr.print(str(error), markup=False, highlight=False, soft_wrap=True)
        stderr.print(f"{rejected}", markup=False, highlight=False)
        raise SystemExit(1) from None
    except TradeGuardError as error:
        stderr.print(f"error: {error}", markup=False, highlight=False)
        raise SystemExit(1) from None
