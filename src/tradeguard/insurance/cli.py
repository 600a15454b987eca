"""``tradeguard policy load|show|list``, ``tradeguard insurer-limit set|list``,
``tradeguard cover``, ``tradeguard notifications``, ``tradeguard notify``,
``tradeguard claim compute|open|list|show|document|submit|review|pay|reject|withdraw|recovery``
and ``tradeguard premium declare|list|true-up``."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from tradeguard.domain.identity.access import Permission
from tradeguard.domain.insurance.claim import ClaimEvent, PoliticalCause
from tradeguard.domain.insurance.workflow import ClaimStatus
from tradeguard.identity.commands import STATE, org_session
from tradeguard.insurance import claims, premium
from tradeguard.insurance import service as insurance
from tradeguard.kit.options import (
    DATE_METAVAR,
    AsOfOption,
    DbOption,
    FormatOption,
    OrgOption,
    as_of_date,
    parse_amount,
    parse_date,
)
from tradeguard.kit.output import OutputFormat, emit_json, key_value_table, rows_table, stderr
from tradeguard.kit.serialisation import to_jsonable

policy_app = typer.Typer(
    help="The credit insurance policy: load, show, list.", no_args_is_help=True
)
limit_app = typer.Typer(
    help="The insurer's credit limit decisions per buyer: set, list.", no_args_is_help=True
)
claim_app = typer.Typer(
    help="Claims: compute the indemnity, open, submit, follow to payment, recoveries.",
    no_args_is_help=True,
)
premium_app = typer.Typer(
    help="Premium: monthly declarations of insured turnover, the minimum-premium true-up.",
    no_args_is_help=True,
)

ClaimId = Annotated[int, typer.Argument(min=1, help="The claim (claim list)")]


def register(app: typer.Typer) -> None:
    """Add the insurance commands to ``tradeguard``."""
    app.add_typer(policy_app, name="policy")
    app.add_typer(limit_app, name="insurer-limit")
    app.add_typer(claim_app, name="claim")
    app.add_typer(premium_app, name="premium")
    app.command("cover")(cover)
    app.command("notifications")(notifications)
    app.command("notify")(notify)


def _read_policy_file(file: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"{file}: {error}", param_hint="FILE") from None
    extra = sorted(set(document) - {"policy"})
    if "policy" not in document or not isinstance(document["policy"], dict) or extra:
        raise typer.BadParameter(
            f"{file}: one [policy] table and nothing else"
            + (f" (found {', '.join(extra)})" if extra else ""),
            param_hint="FILE",
        )
    return dict(document["policy"])


@policy_app.command("load")
def policy_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The policy's TOML")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Load a policy from its [policy] table (the same number again replaces its terms)."""
    terms = _read_policy_file(file)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = insurance.load_policy(session, organisation, terms, STATE.actor)
    if output is OutputFormat.JSON:
        emit_json(record.as_dict())
    else:
        stderr.print(f"loaded policy {record.policy.number} ({record.policy.insurer})")


def _print_policy(record: insurance.PolicyRecord) -> None:
    key_value_table(
        f"Policy {record.policy.number}",
        [(name.replace("_", " "), _shown(value)) for name, value in record.as_dict().items()],
    )


def _shown(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


@policy_app.command("show")
def policy_show(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The policy in force on --as-of (default today)."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        record = insurance.require_policy(session, organisation, day)
    if output is OutputFormat.JSON:
        emit_json(record.as_dict())
    else:
        _print_policy(record)


@policy_app.command("list")
def policy_list(
    output: FormatOption = OutputFormat.TABLE, db: DbOption = None, org: OrgOption = None
) -> None:
    """Every policy loaded, the latest period first."""
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        records = insurance.list_policies(session, organisation)
    if output is OutputFormat.JSON:
        emit_json([r.as_dict() for r in records])
        return
    rows_table(
        "Policies",
        ["number", "start", "end", "insured %", "insurer"],
        [
            [
                r.policy.number,
                r.policy.start,
                r.policy.end,
                f"{r.policy.insured_percentage * 100:g}",
                r.policy.insurer,
            ]
            for r in records
        ],
        notes=1,
    )


@limit_app.command("set")
def insurer_limit_set(
    buyer_id: Annotated[str, typer.Argument(help="The buyer")],
    amount: Annotated[str, typer.Argument(help="The limit (0 = the insurer refused)")],
    currency: Annotated[str, typer.Option("--currency", help="ISO currency of the decision")],
    effective: Annotated[
        dt.date | None,
        typer.Option(
            "--effective", parser=parse_date, metavar=DATE_METAVAR, help="From (default today)"
        ),
    ] = None,
    expiry: Annotated[
        dt.date | None,
        typer.Option("--expiry", parser=parse_date, metavar=DATE_METAVAR, help="Until (inclusive)"),
    ] = None,
    conditions: Annotated[
        str | None, typer.Option("--conditions", help="The decision's conditions")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Record the insurer's credit limit decision on a buyer (audited)."""
    value = parse_amount(amount, "AMOUNT", zero_allowed=True)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = insurance.set_insurer_limit(
            session,
            organisation,
            buyer_id,
            value,
            currency.upper(),
            effective or dt.date.today(),
            STATE.actor,
            expiry_date=expiry,
            conditions=conditions,
        )
    if output is OutputFormat.JSON:
        emit_json(to_jsonable(asdict(record)))
    else:
        stderr.print(
            f"insurer limit on {buyer_id}: {record.amount:,} {record.currency}"
            f" from {record.effective_date}"
        )


@limit_app.command("list")
def insurer_limit_list(
    buyer_id: Annotated[str, typer.Argument(help="The buyer")],
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The insurer's decisions on a buyer, the latest first."""
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        records = insurance.insurer_limits(session, organisation, buyer_id)
    if output is OutputFormat.JSON:
        emit_json([to_jsonable(asdict(r)) for r in records])
        return
    rows_table(
        f"Insurer limits of {buyer_id}",
        ["effective", "amount", "expiry", "conditions"],
        [
            [
                r.effective_date,
                f"{r.amount:,} {r.currency}",
                r.expiry_date or "",
                r.conditions or "",
            ]
            for r in records
        ],
        notes=1,
    )


def cover(
    buyer_id: Annotated[str, typer.Argument(help="The buyer")],
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """A buyer's insurance cover: the limits, and each open invoice covered or why not."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        found = insurance.buyer_cover(session, organisation, buyer_id, day)
    if found is None:
        raise typer.BadParameter(
            insurance.NO_POLICY.format(on=day.isoformat()), param_hint="--as-of"
        )
    if output is OutputFormat.JSON:
        emit_json(_cover_json(found))
        return
    c = found.currency
    key_value_table(
        f"Cover of {buyer_id} on {day} (policy {found.policy_number})",
        [
            (
                "insurer limit",
                ""
                if found.insurer_limit is None
                else f"{found.insurer_limit.amount:,} {found.insurer_limit.currency}",
            ),
            (
                "limit for new deliveries",
                "none"
                if found.limit is None
                else f"{found.limit:,} {c}" + (" (discretionary)" if found.discretionary else ""),
            ),
            ("notified on", found.notified_on or ""),
            ("open", f"{found.open:,} {c}"),
            ("covered", f"{found.covered:,} {c}"),
            ("not covered", f"{found.uncovered:,} {c}"),
        ],
    )
    rows_table(
        "Invoices",
        ["invoice", "delivered", "due", "open", "covered", "why not"],
        [
            [
                i.invoice_id,
                i.delivered_on,
                i.due_date,
                f"{i.open:,}",
                f"{i.covered:,}",
                i.reason or "",
            ]
            for i in found.invoices
        ],
        notes=1,
    )


def _cover_json(found: insurance.BuyerCover) -> dict[str, Any]:
    return {
        "buyer_id": found.buyer_id,
        "as_of": found.as_of,
        "policy": found.policy_number,
        "currency": found.currency,
        "insurer_limit": None
        if found.insurer_limit is None
        else to_jsonable(asdict(found.insurer_limit)),
        "limit": found.limit,
        "discretionary": found.discretionary,
        "notified_on": found.notified_on,
        "open": found.open,
        "covered": found.covered,
        "uncovered": found.uncovered,
        "headroom": found.headroom,
        "invoices": [to_jsonable(asdict(i)) for i in found.invoices],
    }


def notifications(
    as_of: AsOfOption = None,
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, help="Days ahead counted as due")
    ] = 14,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Overdue invoices to notify to the insurer, deadline first, with the days left."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        due = insurance.notifications_due(session, organisation, day, horizon)
    if output is OutputFormat.JSON:
        emit_json({"as_of": day, "notifications": [to_jsonable(asdict(n)) for n in due]})
        return
    rows_table(
        f"Overdue notifications on {day} ({len(due)})",
        ["invoice", "deadline", "days left", "open", "buyer", "status"],
        [
            [
                n.invoice_id,
                n.deadline,
                n.days_left,
                f"{n.open:,} {n.currency}",
                n.buyer_id,
                n.status,
            ]
            for n in due
        ],
        notes=2,
    )


def notify(
    buyer_id: Annotated[str, typer.Argument(help="The buyer reported overdue")],
    on: Annotated[
        dt.date | None,
        typer.Option(
            "--on", parser=parse_date, metavar=DATE_METAVAR, help="Day notified (default today)"
        ),
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="The insurer's reference")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Record an overdue notification to the insurer: sets a stop-shipment (audited)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = insurance.record_notification(
            session, organisation, buyer_id, on or dt.date.today(), STATE.actor, reference
        )
    if output is OutputFormat.JSON:
        emit_json(to_jsonable(asdict(record)))
    else:
        stderr.print(
            f"notified {buyer_id} on {record.notified_on}: {record.invoices} invoices,"
            f" {record.overdue:,} {record.currency} overdue; stop-shipment set"
        )


EventOption = Annotated[ClaimEvent, typer.Option("--event", help="What happened to the buyer")]


@claim_app.command("compute")
def claim_compute(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer")],
    as_of: AsOfOption = None,
    event: EventOption = ClaimEvent.INSOLVENCY,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The indemnity a claim on the buyer would get, every step shown."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        result = claims.compute_claim(session, organisation, buyer, day, event)
    if output is OutputFormat.JSON:
        emit_json(result.as_dict())
    else:
        _print_computation(result.as_dict(), f"Claim on {buyer} ({event.value}) on {day}")


def _print_computation(document: dict[str, Any], title: str) -> None:
    currency = document["currency"]
    rows_table(
        title,
        ["step", f"amount ({currency})", "note"],
        [[s["name"], f"{Decimal(s['amount']):,}", s["note"]] for s in document["steps"]],
        notes=1,
    )
    if document["excluded"]:
        rows_table(
            "Excluded invoices",
            ["invoice", "reason"],
            [[e["invoice_id"], e["reason"]] for e in document["excluded"]],
            notes=1,
        )
    stderr.print(
        f"indemnity {Decimal(document['indemnity']):,} {currency};"
        f" earliest claim date {document['earliest_claim_date']}"
    )


@claim_app.command("open")
def claim_open(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer")],
    as_of: AsOfOption = None,
    event: EventOption = ClaimEvent.INSOLVENCY,
    cause: Annotated[
        PoliticalCause | None, typer.Option("--cause", help="A political event's cause")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Open a draft claim for a loss on --as-of (audited); a political one names its --cause."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = claims.open_claim(session, organisation, buyer, day, event, STATE.actor, cause)
    _print_claim(record, output)


def _print_claim(record: claims.ClaimRecord, output: OutputFormat) -> None:
    document = record.as_dict()
    if output is OutputFormat.JSON:
        emit_json(document)
        return
    c = record.currency
    key_value_table(
        f"Claim {record.id} on {record.buyer_id}",
        [
            ("status", record.status),
            ("event", record.event),
            ("loss date", record.loss_date),
            ("indemnity", f"{record.indemnity:,} {c}"),
            ("submitted on", record.submitted_on or ""),
            (
                "payout days",
                ""
                if record.payout_days is None
                else f"{record.payout_days} (target 15)"
                + (" BREACHED" if record.payout_breached else ""),
            ),
            ("paid", "" if record.paid_amount is None else f"{record.paid_amount:,} {c}"),
            ("missing documents", ", ".join(document["missing_documents"])),
            (
                "recovered: insurer / seller",
                f"{record.insurer_recovered:,} / {record.seller_recovered:,} {c}",
            ),
        ],
    )
    _print_computation(document["computation"], "Indemnity")


@claim_app.command("list")
def claim_list(
    status: Annotated[ClaimStatus | None, typer.Option("--status", help="Only this status")] = None,
    buyer: Annotated[str | None, typer.Option("--buyer", help="Only this buyer")] = None,
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Claims, the latest first, with their payout clock."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        records = claims.list_claims(
            session,
            organisation,
            day,
            buyer_id=buyer,
            status=None if status is None else status.value,
        )
    if output is OutputFormat.JSON:
        emit_json([r.as_dict() for r in records])
        return
    rows_table(
        "Claims",
        ["claim", "loss date", "indemnity", "payout days", "buyer", "status"],
        [
            [
                r.id,
                r.loss_date,
                f"{r.indemnity:,} {r.currency}",
                "" if r.payout_days is None else r.payout_days,
                r.buyer_id,
                r.status + (" (payout late)" if r.payout_breached else ""),
            ]
            for r in records
        ],
        notes=2,
    )


@claim_app.command("show")
def claim_show(
    claim_id: ClaimId,
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """One claim: its indemnity step by step, documents, payout clock, recoveries."""
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        record = claims.get_claim(session, organisation, claim_id, as_of_date(as_of))
    _print_claim(record, output)


@claim_app.command("document")
def claim_document(
    claim_id: ClaimId,
    document: Annotated[str, typer.Argument(help=f"One of: {', '.join(claims.CHECKLIST)}")],
    missing: Annotated[bool, typer.Option("--missing", help="Untick it instead")] = False,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Tick a document of the claim's checklist as provided (audited)."""
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = claims.set_document(
            session, organisation, claim_id, document, not missing, STATE.actor, dt.date.today()
        )
    _print_claim(record, output)


def _move(
    claim_id: int,
    target: ClaimStatus,
    on: dt.date | None,
    output: OutputFormat,
    db: str | None,
    org: str | None,
    **extra: Any,
) -> None:
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = claims.move_claim(
            session, organisation, claim_id, target, STATE.actor, on or dt.date.today(), **extra
        )
    _print_claim(record, output)


OnOption = Annotated[
    dt.date | None,
    typer.Option("--on", parser=parse_date, metavar=DATE_METAVAR, help="Date (default today)"),
]


@claim_app.command("submit")
def claim_submit(
    claim_id: ClaimId,
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Submit the claim to the insurer: the indemnity is fixed, the payout clock starts."""
    _move(claim_id, ClaimStatus.SUBMITTED, on, output, db, org)


@claim_app.command("review")
def claim_review(
    claim_id: ClaimId,
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The insurer has the claim under review."""
    _move(claim_id, ClaimStatus.UNDER_REVIEW, on, output, db, org)


@claim_app.command("pay")
def claim_pay(
    claim_id: ClaimId,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Paid (default: the indemnity)")
    ] = None,
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The insurer paid the claim."""
    paid = None if amount is None else parse_amount(amount)
    _move(claim_id, ClaimStatus.PAID, on, output, db, org, paid_amount=paid)


@claim_app.command("reject")
def claim_reject(
    claim_id: ClaimId,
    reason: Annotated[str, typer.Option("--reason", help="The insurer's reason")],
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The insurer rejected the claim."""
    _move(claim_id, ClaimStatus.REJECTED, on, output, db, org, reason=reason)


@claim_app.command("withdraw")
def claim_withdraw(
    claim_id: ClaimId,
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Withdraw a draft claim (it was opened by mistake, or the buyer paid)."""
    _move(claim_id, ClaimStatus.WITHDRAWN, on, output, db, org)


@claim_app.command("recovery")
def claim_recovery(
    claim_id: ClaimId,
    amount: Annotated[str, typer.Argument(help="Recovered")],
    costs: Annotated[
        str | None, typer.Option("--costs", help="Collection costs spent on it")
    ] = None,
    on: OnOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Record money recovered on the claim's debt: before payment it reduces the claim,
    after it is shared with the insurer (audited)."""
    value = parse_amount(amount, "AMOUNT")
    spent = Decimal(0) if costs is None else parse_amount(costs, "--costs")
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = claims.record_recovery(
            session, organisation, claim_id, value, on or dt.date.today(), STATE.actor, spent
        )
    _print_claim(record, output)


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a month: use YYYY-MM, e.g. 2026-11") from None


@premium_app.command("declare")
def premium_declare(
    month: Annotated[
        dt.date,
        typer.Option("--month", parser=_month, metavar="YYYY-MM", help="The month declared"),
    ],
    turnover: Annotated[
        str | None, typer.Option("--turnover", help="Declare this instead of the computed turnover")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the turnover was adjusted")
    ] = None,
    submit: Annotated[bool, typer.Option("--submit", help="Submit it (then it is fixed)")] = False,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Compute (or adjust, or submit) a month's declaration of insured turnover (audited)."""
    declared = None if turnover is None else parse_amount(turnover, "--turnover")
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        record = premium.declare_premium(
            session,
            organisation,
            month,
            STATE.actor,
            turnover=declared,
            reason=reason,
            submit=submit,
        )
    if output is OutputFormat.JSON:
        emit_json(record.as_dict())
    else:
        stderr.print(
            f"{record.month:%Y-%m}: turnover {record.turnover:,} {record.currency},"
            f" premium {record.premium:,} ({record.status})"
        )


@premium_app.command("list")
def premium_list(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The declarations of the policy in force."""
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        records = premium.declarations(session, organisation, as_of_date(as_of))
    if output is OutputFormat.JSON:
        emit_json([r.as_dict() for r in records])
        return
    rows_table(
        "Premium declarations",
        ["month", "computed", "declared", "premium", "status"],
        [
            [
                f"{r.month:%Y-%m}",
                f"{r.computed_turnover:,}",
                f"{r.turnover:,}",
                f"{r.premium:,}",
                r.status,
            ]
            for r in records
        ],
        notes=1,
    )


@premium_app.command("true-up")
def premium_true_up(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The minimum-premium true-up at the end of the policy period."""
    with org_session(db, org, Permission.READ_LEDGER) as (session, organisation):
        result = premium.true_up(session, organisation, as_of_date(as_of))
    if output is OutputFormat.JSON:
        emit_json(result.as_dict())
        return
    key_value_table(
        f"Premium true-up, policy {result.policy_number}",
        [(k.replace("_", " "), v) for k, v in result.as_dict().items()],
    )
