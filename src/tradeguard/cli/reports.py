"""``tradeguard report ...``: receivables analytics from the command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Receivables reports (ageing, KPIs, payment behaviour).", no_args_is_help=True
)
