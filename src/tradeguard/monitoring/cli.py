"""``tradeguard alerts list|ack|resolve`` and ``tradeguard monitoring-settings show|set``."""

from __future__ import annotations

from typing import Annotated

import typer

from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import BuyerOption, DbOption, FormatOption, OrgOption, setting_changes
from tradeguard.kit.output import OutputFormat, emit_json, key_value_table, rows_table, stderr
from tradeguard.monitoring import service as monitoring
from tradeguard.monitoring.schemas import AlertRead, MonitoringSettingsRead

alerts_app = typer.Typer(help="Early-warning alerts and their lifecycle.", no_args_is_help=True)
settings_app = typer.Typer(
    help="The alert and limit-rule thresholds of the organisation.", no_args_is_help=True
)

CommentOption = Annotated[
    str | None, typer.Option("--comment", help="Why (kept with the alert and in the audit log)")
]


def register(app: typer.Typer) -> None:
    """Add ``alerts`` and ``monitoring-settings`` to the ``tradeguard`` application."""
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(settings_app, name="monitoring-settings")


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str | None, typer.Option("--status", help="open, acknowledged or resolved")
    ] = None,
    buyer: BuyerOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 500,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The organisation's alerts, newest first (JSON: a list of alerts)."""
    with org_session(db, org) as (session, organisation):
        page = monitoring.list_alerts(
            session, organisation, status=status, buyer_id=buyer, limit=limit
        )
    alerts = [AlertRead.of(a) for a in page.items]
    if output is OutputFormat.JSON:
        emit_json([a.model_dump(mode="json") for a in alerts])
        return
    rows_table(
        f"Alerts ({page.total})",
        ["id", "raised", "buyer", "rule", "severity", "status", "evidence"],
        [
            [
                a.id,
                a.raised_on,
                a.buyer_id,
                a.rule,
                a.severity,
                a.status,
                "; ".join(f"{k}: {v}" for k, v in a.evidence.items() if k != "currency"),
            ]
            for a in alerts
        ],
        notes=1,
    )


def _move(
    alert_id: int,
    comment: str | None,
    output: OutputFormat,
    db: str | None,
    org: str | None,
    *,
    resolve: bool,
) -> None:
    action = monitoring.resolve if resolve else monitoring.acknowledge
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        moved = AlertRead.of(action(session, organisation, alert_id, comment, STATE.actor))
    if output is OutputFormat.JSON:
        emit_json(moved.model_dump(mode="json"))
    else:
        stderr.print(f"alert {moved.id} is {moved.status}")


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(min=1)],
    comment: CommentOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Acknowledge an open alert: someone is on it (audited)."""
    _move(alert_id, comment, output, db, org, resolve=False)


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: Annotated[int, typer.Argument(min=1)],
    comment: CommentOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Resolve an open or acknowledged alert (audited)."""
    _move(alert_id, comment, output, db, org, resolve=True)


@settings_app.command("show")
def settings_show(
    output: FormatOption = OutputFormat.TABLE, db: DbOption = None, org: OrgOption = None
) -> None:
    """The thresholds (defaults where never changed)."""
    with org_session(db, org) as (session, organisation):
        values = MonitoringSettingsRead.model_validate(
            monitoring.load_settings(session, organisation).as_dict()
        )
    if output is OutputFormat.JSON:
        emit_json(values.model_dump(mode="json"))
    else:
        key_value_table("Monitoring settings", list(values.model_dump(mode="json").items()))


@settings_app.command("set")
def settings_set(
    values: Annotated[list[str], typer.Argument(help="NAME=VALUE, e.g. overdue_days=45")],
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Change thresholds, e.g. `overdue_days=45 concentration_share=0.5` (audited)."""
    changes = setting_changes(values)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        monitoring.save_settings(session, organisation, changes, STATE.actor)
    stderr.print(f"changed {', '.join(sorted(changes))}")
