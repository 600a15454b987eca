"""``tradeguard screen`` (one order) and ``tradeguard screenings list|kpi``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import typer

from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import AsOfOption, BuyerOption, DbOption, FormatOption, OrgOption
from tradeguard.kit.output import OutputFormat, emit_json, key_value_table, rows_table
from tradeguard.screening import service as screening

screenings_app = typer.Typer(help="The order-screening log and its KPI.", no_args_is_help=True)


class ReasonLanguage(StrEnum):
    EN = "en"
    ZH = "zh"


def _amount(text: str) -> Decimal:
    """The amount as given; the service refuses one that is not more than 0 (exit 1)."""
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise screening.ScreeningInputError(f"amount: not a number: {text!r}", "amount") from None


def _document(record: screening.ScreeningRecord, language: str) -> dict[str, Any]:
    return {
        **asdict(record),
        "reasons": screening.reason_messages(record.reasons, language),
    }


def screen(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer's id")],
    amount: Annotated[str, typer.Option("--amount", help="The order's amount, more than 0")],
    currency: Annotated[
        str | None, typer.Option("--currency", help="The order's currency (default: base)")
    ] = None,
    terms_days: Annotated[int | None, typer.Option("--terms-days", help="Payment terms")] = None,
    order_id: Annotated[str | None, typer.Option("--order-id", help="Your order number")] = None,
    as_of: AsOfOption = None,
    language: Annotated[
        ReasonLanguage, typer.Option("--lang", help="The reasons' language: en or zh")
    ] = ReasonLanguage.EN,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Screen an order: approve, approve with prepayment, cash before delivery or hold,
    and why (the deciding reason first). The screening is recorded."""
    order = screening.OrderRequest(buyer, _amount(amount), currency, terms_days, order_id)
    with org_session(db, org, Permission.SCREEN_ORDERS) as (session, organisation):
        record = screening.screen_order(
            session, organisation, order, as_of=as_of or dt.date.today(), actor=STATE.actor
        )
    document = _document(record, language.value)
    if output is OutputFormat.JSON:
        emit_json(document)
        return
    shown = [
        (name, document[name])
        for name in (
            "decision",
            "prepayment_share",
            "limit",
            "exposure_before",
            "exposure_after",
            "currency",
            "grade",
            "credit_class",
            "screening_id",
        )
    ]
    shown += [(r["code"], r["message"]) for r in document["reasons"]]
    key_value_table(f"Order screening: {record.buyer_id}", shown)


@screenings_app.command("list")
def screenings_list(
    buyer: BuyerOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most")] = 50,
    language: Annotated[
        ReasonLanguage, typer.Option("--lang", help="The reasons' language: en or zh")
    ] = ReasonLanguage.EN,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The latest screenings, newest first."""
    with org_session(db, org) as (session, organisation):
        page = screening.screenings(session, organisation, buyer, limit)
    documents = [_document(r, language.value) for r in page.items]
    if output is OutputFormat.JSON:
        emit_json(documents)
        return
    rows_table(
        "Order screenings",
        ["id", "day", "buyer", "amount", "decision", "high risk", "by", "reason"],
        [
            [
                d["screening_id"],
                d["as_of"],
                d["buyer_id"],
                f"{d['amount']} {d['order_currency']}",
                d["decision"],
                "yes" if d["high_risk"] else "",
                d["screened_by"],
                d["reasons"][0]["message"] if d["reasons"] else "",
            ]
            for d in documents
        ],
    )


@screenings_app.command("kpi")
def screenings_kpi(
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The share of high-risk orders intercepted (not approved as asked), per quarter."""
    with org_session(db, org) as (session, organisation):
        quarters = screening.interception(session, organisation)
    if output is OutputFormat.JSON:
        emit_json({"quarters": [asdict(q) for q in quarters]})
        return
    rows_table(
        "High-risk orders intercepted",
        ["quarter", "high-risk orders", "intercepted", "share"],
        [
            [
                q.quarter,
                q.high_risk_orders,
                q.intercepted,
                "" if q.share is None else f"{q.share:.1%}",
            ]
            for q in quarters
        ],
    )


def register(app: typer.Typer) -> None:
    """Add ``screen`` and ``screenings list|kpi`` to the ``tradeguard`` application."""
    app.command("screen")(screen)
    app.add_typer(screenings_app, name="screenings")
