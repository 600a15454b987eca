"""``/insurance`` (the policy in force, notifications to send, claims, premium),
``/insurance/claims/{id}`` (a claim step by step, its documents, workflow, payout clock
and recoveries), ``/settings/policy`` (loading a policy's TOML) and the buyer page's
"Insurance cover" section.

Every role reads them; credit managers and admins (``write_ledger``) record
notifications, open and move claims, tick documents, record recoveries and load
policies, each audited by the service. A refusal shows the page again with the reason
next to the form and what was typed (404, 409 or 422); nothing of it is kept.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

import polars as pl
from babel.numbers import format_currency, format_percent
from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tradeguard.collections.pages import settings_toml
from tradeguard.domain.errors import TradeGuardError
from tradeguard.domain.insurance.claim import ClaimEvent, PoliticalCause
from tradeguard.domain.insurance.workflow import CLAIM_WORKFLOW, PAYOUT_TARGET_DAYS, ClaimStatus
from tradeguard.identity.dependencies import Caller, Reader, Writer
from tradeguard.insurance import claims, premium
from tradeguard.insurance import service as insurance
from tradeguard.kit import i18n
from tradeguard.kit.forms import (
    FormValueError,
    Refusal,
    attempt,
    form_amount,
    form_day,
    form_day_or_today,
    page_day,
    query_string,
)
from tradeguard.kit.rendering import DONE_MESSAGES, render_page
from tradeguard.kit.schemas import MAX_AMOUNT
from tradeguard.ledger import repository as ledger
from tradeguard.limits.pages import BuyerSection
from tradeguard.locale import N_

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
BuyerId = Annotated[str, PathParam(max_length=64)]

# The words the pages show for the codes the service answers with (t() translates them).
COVER_REASONS = {
    "outside_policy_period": N_("delivered outside the policy period"),
    "country_excluded": N_("the buyer's country is excluded"),
    "terms_beyond_maximum": N_("terms beyond the maximum credit period"),
    "no_limit": N_("no credit limit (the insurer's or discretionary)"),
    "after_stop_shipment": N_("delivered after the overdue notification (stop-shipment)"),
    "notification_missed": N_("the overdue notification deadline was missed"),
    "over_limit": N_("the part above the credit limit"),
    "disputed": N_("disputed"),
}
CLAIM_STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "under_review": N_("Under review"),
    "paid": N_("Paid"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}
CLAIM_EVENTS = {
    "insolvency": N_("Insolvency"),
    "protracted_default": N_("Protracted default"),
    "political": N_("Political event"),
}
POLITICAL_CAUSES = {
    "transfer": N_("Transfer restriction"),
    "moratorium": N_("Payment moratorium"),
    "war": N_("War or civil unrest"),
    "licence_cancellation": N_("Licence cancelled"),
}
CLAIM_STEPS = {
    "outstanding": N_("Outstanding debt"),
    "eligible": N_("Eligible (covered) amount"),
    "recoveries_before_claim": N_("Recoveries before the claim"),
    "set_offs": N_("Set-offs and credit notes"),
    "credit_limit": N_("Capped by the credit limit"),
    "non_qualifying_loss": N_("Non-qualifying loss (the ascertained loss)"),
    "first_loss": N_("Aggregate first loss deducted"),
    "percentage": N_("Insured percentage"),
    "maximum_liability": N_("Capped by the maximum liability"),
    "indemnity": N_("Indemnity"),
    "political_cover": N_("Political risk cover"),
}
DOCUMENTS = {
    "invoices": N_("Copies of the invoices"),
    "proof_of_delivery": N_("Proof of delivery"),
    "correspondence": N_("Correspondence with the buyer"),
    "notification": N_("The overdue notification"),
    "insolvency_proof": N_("Proof of insolvency"),
}
NOTIFICATION_STATUSES = {
    "missed": N_("Missed"),
    "due": N_("Due"),
    "upcoming": N_("Upcoming"),
}
# What each move of the workflow is called on its button, in the order they are shown.
MOVES = {
    ClaimStatus.SUBMITTED: N_("Submit to the insurer"),
    ClaimStatus.UNDER_REVIEW: N_("The insurer is reviewing it"),
    ClaimStatus.PAID: N_("Record the payment"),
    ClaimStatus.REJECTED: N_("Record the rejection"),
    ClaimStatus.WITHDRAWN: N_("Withdraw the claim"),
}
VARIANTS = {"named": N_("named buyers"), "ecommerce": N_("e-commerce")}
FIRST_LOSS_ORDERS = {
    "before_percentage": N_("before the insured percentage"),
    "after_percentage": N_("after the insured percentage"),
}
RECOVERY_SHARINGS = {
    "pro_rata": N_("pro rata to the insured part"),
    "insured_first": N_("to the insurer first, until its indemnity is back"),
}
PAGE_MESSAGES = (
    N_("Policy loaded."),
    N_("Overdue notification recorded: shipments to the buyer are stopped."),
    N_("Claim opened as a draft."),
    N_("Checklist updated."),
    N_("Claim status changed."),
    N_("Recovery recorded."),
)


def _date_or(text: str, field_name: str, default: dt.date) -> dt.date:
    return form_day(text.strip(), field_name) if text.strip() else default


def _exact_money(language: str, amount: Decimal | str, currency: str) -> str:
    """Money with every digit it has: a claim's steps are exact, only the indemnity is
    rounded, so a step's fraction of a cent is shown rather than rounded away."""
    return format_currency(
        Decimal(amount), currency, locale=i18n.locale(language), decimal_quantization=False
    )


def _share(language: str, fraction: Decimal) -> str:
    """A policy's fraction as a percentage with its every digit (a 0.25 % premium rate)."""
    return format_percent(fraction, format="#,##0.####%", locale=i18n.locale(language))


def _labels(language: str) -> dict[str, Any]:
    """What every insurance template formats with: the words for the service's codes."""
    return {
        "cover_reasons": COVER_REASONS,
        "claim_statuses": CLAIM_STATUSES,
        "claim_events": CLAIM_EVENTS,
        "political_causes": POLITICAL_CAUSES,
        "notification_statuses": NOTIFICATION_STATUSES,
        "fmt_exact": partial(_exact_money, language),
        "fmt_share": partial(_share, language),
        "payout_target_days": PAYOUT_TARGET_DAYS,
    }


def _link(path: str, day: dt.date, **params: str | None) -> str:
    """``path`` seen on ``day`` (today's without a date), with ``done`` and the like."""
    on = None if day == dt.date.today() else day.isoformat()
    return path + query_string({"as_of": on, **params})


def _show(
    request: Request, caller: Caller, template: str, refusal: Refusal | None, **context: Any
) -> HTMLResponse:
    response = render_page(
        request,
        caller,
        template,
        refusal=refusal,
        **_labels(caller.principal.language),
        **context,
    )
    if refusal is not None:
        response.status_code = refusal.status_code
    return response


# ---- /insurance -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuyerNotifications:
    """A buyer's invoices awaiting the overdue notification, the earliest deadline first."""

    buyer_id: str
    buyer_name: str
    invoices: list[insurance.NotificationDue]


@dataclass(frozen=True, slots=True)
class Overview:
    policy: insurance.PolicyRecord | None
    to_notify: list[BuyerNotifications]
    notified: list[insurance.NotificationRecord]
    claims: list[claims.ClaimRecord]
    declarations: list[premium.DeclarationRecord]
    true_up: premium.TrueUp | None
    buyer_names: dict[str, str] = field(default_factory=dict)
    claimable: list[tuple[str, str]] = field(default_factory=list)  # buyers with open debt
    cover_error: str | None = None  # the ledger could not be judged (a missing FX rate)


def _by_buyer(due: list[insurance.NotificationDue]) -> list[BuyerNotifications]:
    grouped: dict[str, BuyerNotifications] = {}
    for item in due:  # deadline first, so each buyer comes at its earliest deadline
        found = grouped.setdefault(
            item.buyer_id, BuyerNotifications(item.buyer_id, item.buyer_name, [])
        )
        found.invoices.append(item)
    return list(grouped.values())


def _overview(session: Session, caller: Caller, day: dt.date) -> Overview:
    org = caller.org
    record = insurance.policy_on(session, org, day)
    filed = claims.list_claims(session, org, day)
    notified = insurance.notifications(session, org)
    if record is None:
        return Overview(None, [], notified, filed, [], None)
    data: insurance.CoverData | None = None
    cover_error: str | None = None
    try:
        data = insurance.cover_data(session, org, day, policy=record)
    except TradeGuardError as error:  # e.g. a missing FX rate: the claims still show
        cover_error = str(error)
    due = [] if data is None else insurance.notifications_due(session, org, day, data=data)
    names: dict[str, str] = {}
    claimable: list[tuple[str, str]] = []
    if data is not None:
        names = {
            r["buyer_id"]: r["name"] or r["buyer_id"] for r in data.buyers.iter_rows(named=True)
        }
        owing = data.cover.filter(pl.col("open") > 0)["buyer_id"].unique().sort()
        claimable = [(b, names.get(b, b)) for b in owing]
    return Overview(
        record,
        _by_buyer(due),
        notified,
        filed,
        premium.declarations(session, org, day),
        premium.true_up(session, org, day),
        names,
        claimable,
        cover_error,
    )


def _overview_page(
    request: Request,
    day: dt.date,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    return _show(
        request,
        caller,
        "insurance.html",
        refusal,
        view=_overview(session, caller, day),
        as_of=day,
        day_query=_link("", day),
        events=list(CLAIM_EVENTS),
        variants=VARIANTS,
        first_loss_orders=FIRST_LOSS_ORDERS,
        recovery_sharings=RECOVERY_SHARINGS,
        declaration_statuses=CLAIM_STATUSES,
        done=DONE_MESSAGES.get(done or ""),
    )


@router.get("/insurance")
async def insurance_page(
    request: Request,
    reader: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The policy in force on ``as_of`` (today by default), the overdue notifications due
    and missed, the claims, the premium declarations with the true-up."""
    return await reader.run(partial(_overview_page, request, page_day(as_of), done=done))


def _after_overview_form(
    request: Request,
    session: Session,
    caller: Caller,
    day: dt.date,
    form: str,
    values: Mapping[str, str],
    action: Callable[[], object],
    done: str,
) -> Response:
    error = attempt(session, action)
    if error is None:
        return RedirectResponse(_link("/insurance", day, done=done), status_code=303)
    return _overview_page(request, day, session, caller, refusal=Refusal.of(form, error, values))


@router.post("/insurance/buyers/{buyer_id}/notifications")
async def notification_form(
    request: Request,
    buyer_id: BuyerId,
    writer: Writer,
    notified_on: Annotated[str, Form(max_length=10)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The insurer was told the buyer is overdue: a stop-shipment is set with it."""
    day = form_day_or_today(as_of)

    def work(session: Session, caller: Caller) -> Response:
        ledger.buyer(session, caller.org, buyer_id)  # another organisation's buyer: 404
        return _after_overview_form(
            request,
            session,
            caller,
            day,
            f"notify-{buyer_id}",
            {"notified_on": notified_on, "reference": reference},
            lambda: insurance.record_notification(
                session,
                caller.org,
                buyer_id,
                _date_or(notified_on, "notified_on", day),
                caller.actor,
                reference.strip() or None,
            ),
            "notification-recorded",
        )

    return await writer.run(work)


@router.post("/insurance/claims")
async def open_claim_form(
    request: Request,
    writer: Writer,
    buyer_id: Annotated[str, Form(max_length=64)] = "",
    event: Annotated[str, Form(max_length=20)] = "",
    cause: Annotated[str, Form(max_length=30)] = "",
    loss_date: Annotated[str, Form(max_length=10)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Open a draft claim on a buyer (a political one with its cause); its page shows
    the indemnity step by step."""
    day = form_day_or_today(as_of)
    values = {"buyer_id": buyer_id, "event": event, "cause": cause, "loss_date": loss_date}

    def work(session: Session, caller: Caller) -> Response:
        opened: list[int] = []

        def open_() -> None:
            try:
                kind = ClaimEvent(event)
            except ValueError:
                raise FormValueError(
                    f"event: one of {', '.join(e.value for e in ClaimEvent)}"
                ) from None
            try:
                political = PoliticalCause(cause) if kind is ClaimEvent.POLITICAL else None
            except ValueError:
                raise FormValueError(
                    f"cause: one of {', '.join(c.value for c in PoliticalCause)}"
                ) from None
            record = claims.open_claim(
                session,
                caller.org,
                buyer_id.strip(),
                _date_or(loss_date, "loss_date", day),
                kind,
                caller.actor,
                political,
            )
            opened.append(record.id)

        error = attempt(session, open_)
        if error is None:
            return RedirectResponse(
                _link(f"/insurance/claims/{opened[0]}", day, done="claim-opened"), status_code=303
            )
        refusal = Refusal.of("claim", error, values)
        return _overview_page(request, day, session, caller, refusal=refusal)

    return await writer.run(work)


# ---- a claim ----------------------------------------------------------------------------


def _claim_page(
    request: Request,
    claim_id: int,
    day: dt.date,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    claim = claims.get_claim(session, caller.org, claim_id, day)
    status = ClaimStatus(claim.status)
    policy = next(
        (
            p
            for p in insurance.list_policies(session, caller.org)
            if p.policy.number == claim.policy_number
        ),
        None,
    )
    return _show(
        request,
        caller,
        "insurance_claim.html",
        refusal,
        claim=claim,
        buyer=ledger.buyer(session, caller.org, claim.buyer_id),
        policy=policy,
        moves=[(m, label) for m, label in MOVES.items() if CLAIM_WORKFLOW.allows(status, m)],
        steps=CLAIM_STEPS,
        documents=DOCUMENTS,
        recovery_sharings=RECOVERY_SHARINGS,
        takes_recoveries=status not in (ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN),
        as_of=day,
        day_query=_link("", day),
        done=DONE_MESSAGES.get(done or ""),
    )


@router.get("/insurance/claims/{claim_id}")
async def claim_page(
    request: Request,
    claim_id: RowId,
    reader: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """A claim: the indemnity step by step, the excluded invoices, the documents, the
    moves its status allows, the payout clock (read on ``as_of``) and the recoveries."""
    return await reader.run(partial(_claim_page, request, claim_id, page_day(as_of), done=done))


def _after_claim_form(
    request: Request,
    session: Session,
    caller: Caller,
    claim_id: int,
    day: dt.date,
    form: str,
    values: Mapping[str, str],
    action: Callable[[], object],
    done: str,
) -> Response:
    claims.get_claim(session, caller.org, claim_id, day)  # another organisation's: 404
    error = attempt(session, action)
    if error is None:
        return RedirectResponse(
            _link(f"/insurance/claims/{claim_id}", day, done=done), status_code=303
        )
    refusal = Refusal.of(form, error, values)
    return _claim_page(request, claim_id, day, session, caller, refusal=refusal)


@router.post("/insurance/claims/{claim_id}/documents/{document}")
async def document_form(
    request: Request,
    claim_id: RowId,
    document: Annotated[str, PathParam(max_length=40)],
    writer: Writer,
    provided: Annotated[str, Form(max_length=5)] = "true",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Tick (``provided=true``) or untick a document of a draft claim's checklist."""
    day = form_day_or_today(as_of)

    def work(session: Session, caller: Caller) -> Response:
        return _after_claim_form(
            request,
            session,
            caller,
            claim_id,
            day,
            f"document-{document}",
            {},
            lambda: claims.set_document(
                session, caller.org, claim_id, document, provided == "true", caller.actor, day
            ),
            "document-recorded",
        )

    return await writer.run(work)


@router.post("/insurance/claims/{claim_id}/transitions")
async def move_form(
    request: Request,
    claim_id: RowId,
    writer: Writer,
    to: Annotated[str, Form(max_length=20)],
    on: Annotated[str, Form(max_length=10)] = "",
    paid_amount: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Move the claim: submit it, the insurer reviews, pays (an amount, by default the
    indemnity) or rejects it (with its reason), or withdraw a draft."""
    day = form_day_or_today(as_of)
    values = {"on": on, "paid_amount": paid_amount, "reason": reason}

    def work(session: Session, caller: Caller) -> Response:
        def move() -> None:
            try:
                target = ClaimStatus(to)
            except ValueError:
                raise FormValueError(f"to: one of {', '.join(s.value for s in MOVES)}") from None
            claims.move_claim(
                session,
                caller.org,
                claim_id,
                target,
                caller.actor,
                _date_or(on, "on", day),
                paid_amount=form_amount(paid_amount, "paid_amount", MAX_AMOUNT)
                if paid_amount.strip()
                else None,
                reason=reason.strip() or None,
            )

        return _after_claim_form(
            request, session, caller, claim_id, day, f"move-{to}", values, move, "claim-moved"
        )

    return await writer.run(work)


@router.post("/insurance/claims/{claim_id}/recoveries")
async def recovery_form(
    request: Request,
    claim_id: RowId,
    writer: Writer,
    amount: Annotated[str, Form(max_length=40)] = "",
    costs: Annotated[str, Form(max_length=40)] = "",
    received_on: Annotated[str, Form(max_length=10)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Money recovered on the claim's debt: before payment it reduces the claim, after
    it is shared between seller and insurer as the policy says."""
    day = form_day_or_today(as_of)
    values = {"amount": amount, "costs": costs, "received_on": received_on}

    def work(session: Session, caller: Caller) -> Response:
        return _after_claim_form(
            request,
            session,
            caller,
            claim_id,
            day,
            "recovery",
            values,
            lambda: claims.record_recovery(
                session,
                caller.org,
                claim_id,
                form_amount(amount, "amount", MAX_AMOUNT),
                _date_or(received_on, "received_on", day),
                caller.actor,
                form_amount(costs, "costs", MAX_AMOUNT) if costs.strip() else Decimal(0),
            ),
            "recovery-recorded",
        )

    return await writer.run(work)


# ---- /settings/policy -------------------------------------------------------------------


def _policy_terms(document: str) -> dict[str, Any]:
    """The ``[policy]`` table of a pasted TOML document, as ``tradeguard policy load``
    reads a file: one table and nothing else."""
    try:
        parsed = tomllib.loads(document)
    except tomllib.TOMLDecodeError as error:
        raise FormValueError(f"TOML: {error}") from None
    extra = sorted(set(parsed) - {"policy"})
    if not isinstance(parsed.get("policy"), dict) or extra:
        found = f" (found {', '.join(extra)})" if extra else ""
        raise FormValueError(f"TOML: one [policy] table and nothing else{found}")
    return dict(parsed["policy"])


def _settings_page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    done: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    policies = insurance.list_policies(session, caller.org)
    in_force = insurance.policy_on(session, caller.org, dt.date.today())
    shown = in_force or (policies[0] if policies else None)
    document = "" if shown is None else settings_toml({"policy": shown.policy.as_dict()})
    return _show(
        request,
        caller,
        "insurance_policy_settings.html",
        refusal,
        policies=policies,
        in_force=in_force,
        variants=VARIANTS,
        document=refusal.values["document"] if refusal else document,
        done=DONE_MESSAGES.get(done or ""),
    )


@router.get("/settings/policy")
async def policy_settings_page(
    request: Request, reader: Reader, done: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    """The policies loaded, and a form to load one from its TOML ``[policy]`` table."""
    return await reader.run(partial(_settings_page, request, done=done))


@router.post("/settings/policy")
async def load_policy_form(
    request: Request,
    writer: Writer,
    document: Annotated[str, Form(max_length=200_000)],
) -> Response:
    """Load a policy (the same number again replaces its terms), as ``policy load``."""

    def work(session: Session, caller: Caller) -> Response:
        error = attempt(
            session,
            lambda: insurance.load_policy(
                session, caller.org, _policy_terms(document), caller.actor
            ),
        )
        if error is None:
            return RedirectResponse("/settings/policy?done=policy-loaded", status_code=303)
        refusal = Refusal.of("policy", error, {"document": document})
        return _settings_page(request, session, caller, refusal=refusal)

    return await writer.run(work)


# ---- the buyer page's section -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverSection:
    """What the buyer page's "Insurance cover" shows: the cover on the day (None without
    a policy in force), the insurer's decisions, and why it could not be judged."""

    as_of: dt.date
    cover: insurance.BuyerCover | None
    decisions: list[insurance.InsurerLimitRecord]
    error: str | None
    labels: Mapping[str, Any]


def _buyer_cover_section(
    session: Session, caller: Caller, buyer_id: str, as_of: dt.date
) -> CoverSection:
    cover: insurance.BuyerCover | None = None
    problem: str | None = None
    try:
        cover = insurance.buyer_cover(session, caller.org, buyer_id, as_of)
    except TradeGuardError as error:  # e.g. a missing FX rate: the rest of the page shows
        problem = str(error)
    return CoverSection(
        as_of,
        cover,
        insurance.insurer_limits(session, caller.org, buyer_id),
        problem,
        _labels(caller.principal.language),
    )


BUYER_COVER = BuyerSection("insurance_buyer.html", _buyer_cover_section)
