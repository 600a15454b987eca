"""The claim on one buyer: from its unpaid invoices to the indemnity, every step shown.

The order of operations (../DESIGN.md, "Terms of a trade credit insurance policy"),
each step keeping the amount after it:

1. ``outstanding``: everything the buyer leaves unpaid on the claim date.
2. ``eligible``: minus the parts that are not covered, each line with its reason.
3. ``recoveries_before_claim``: money received before the claim, applied to the oldest
   invoice first (due date, then invoice id). A recovery only reduces the claim by what
   it settles of a covered part: landing on an excluded invoice it reduces nothing.
   Within a partly covered invoice it settles the covered part first, as the part
   delivered within the limit came before the part above it.
4. ``set_offs``: minus credit notes and what the seller owes the buyer.
5. ``credit_limit``: capped by the limit in force.
6. ``non_qualifying_loss``: a threshold (franchise), not a deductible: a loss at or
   below it is not claimable at all, a loss above it counts in full. The amount after
   this step is the ascertained loss.
7. The aggregate first loss (what the seller keeps per policy year) and the insured
   percentage, in the order the policy names (``first_loss_applies``):
   ``before_percentage`` deducts the unconsumed first loss from the ascertained loss,
   then applies the percentage; ``after_percentage`` applies the percentage, then
   deducts the first loss from the insured share. The first loss is eroded by the amount
   actually deducted at its step: gross loss when it comes before the percentage, the
   insured share when it comes after. A political claim takes the political percentage;
   where the policy does not cover political risk nothing is payable, and neither the
   first loss nor the maximum liability is touched.
8. ``maximum_liability``: capped by what is left of it in the policy year.
9. ``indemnity``: rounded to the currency's minor unit, half to even. Every amount
   before it is exact; rounding once, at the last step, keeps a cent from being gained
   or lost at each step.

The first loss already consumed and the indemnity already paid in the policy year come
in with the claim (``policy_year`` gives the year a date falls in), so a run of claims
chains: each feeds the next its ``first_loss_left`` and ``liability_left``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.policy import FirstLossOrder, Policy
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.money import quantize

ZERO = Decimal(0)


class ClaimEvent(StrEnum):
    """What caused the loss: the buyer's insolvency, its protracted default (no payment
    after the waiting period), or a political event."""

    INSOLVENCY = "insolvency"
    PROTRACTED_DEFAULT = "protracted_default"
    POLITICAL = "political"


class PoliticalCause(StrEnum):
    """What a political event was: the buyer paid but the money could not be
    transferred out of its country, a moratorium on payments abroad, war or civil
    unrest, or the cancellation of an import or export licence."""

    TRANSFER = "transfer"
    MORATORIUM = "moratorium"
    WAR = "war"
    LICENCE_CANCELLATION = "licence_cancellation"


REASON_WORDS = {
    CoverReason.OUTSIDE_POLICY_PERIOD: "outside the policy period",
    CoverReason.COUNTRY_EXCLUDED: "in an excluded country",
    CoverReason.TERMS_BEYOND_MAXIMUM: "on terms beyond the maximum credit period",
    CoverReason.NO_LIMIT: "without a limit",
    CoverReason.AFTER_STOP_SHIPMENT: "delivered after stop-shipment",
    CoverReason.NOTIFICATION_MISSED: "notification missed",
    CoverReason.OVER_LIMIT: "over the limit",
    CoverReason.DISPUTED: "disputed",
}


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One unpaid invoice of the buyer on the claim date, in the policy currency."""

    invoice_id: str
    due_date: dt.date
    open_amount: Decimal  # what is unpaid
    covered_amount: Decimal  # the insured part of open_amount (0 when excluded)
    reason: CoverReason | None  # why (part of) it is not covered; None when fully covered

    def __post_init__(self) -> None:
        if self.open_amount < 0:
            raise InvalidInputError(
                f"invoice {self.invoice_id}: open amount {self.open_amount} is negative",
                "open_amount",
            )
        if not ZERO <= self.covered_amount <= self.open_amount:
            raise InvalidInputError(
                f"invoice {self.invoice_id}: covered amount {self.covered_amount} is not "
                f"between 0 and the open amount {self.open_amount}",
                "covered_amount",
            )
        if self.covered_amount < self.open_amount and self.reason is None:
            raise InvalidInputError(
                f"invoice {self.invoice_id}: a part is not covered, so it needs a reason",
                "reason",
            )


@dataclass(frozen=True, slots=True)
class ClaimInputs:
    lines: Sequence[ClaimLine]
    event: ClaimEvent
    as_of: dt.date  # the date of loss, on which the claim is computed
    credit_limit: Decimal  # the limit in force (the insurer's, or the discretionary one)
    recoveries_before: Decimal = ZERO  # received before the claim, applied oldest first
    set_offs: Decimal = ZERO  # credit notes, amounts the seller owes the buyer
    first_loss_consumed: Decimal = ZERO  # by earlier claims in this policy year
    indemnity_paid: Decimal = ZERO  # paid or committed in this policy year

    def __post_init__(self) -> None:
        for name in (
            "credit_limit",
            "recoveries_before",
            "set_offs",
            "first_loss_consumed",
            "indemnity_paid",
        ):
            value = getattr(self, name)
            if value < 0:
                raise InvalidInputError(f"{name}: {value} is negative", name)


@dataclass(frozen=True, slots=True)
class ClaimStep:
    name: str
    amount: Decimal  # the amount after the step
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "amount": str(self.amount), "note": self.note}


@dataclass(frozen=True, slots=True)
class ClaimComputation:
    steps: tuple[ClaimStep, ...]
    excluded: tuple[tuple[str, CoverReason], ...]  # (invoice id, reason) of each line with one
    outstanding: Decimal
    eligible: Decimal
    ascertained_loss: Decimal
    first_loss_deducted: Decimal
    first_loss_left: Decimal  # after this claim
    percentage: Decimal  # the one applied; 0 for a political claim the policy does not cover
    indemnity: Decimal  # rounded to the currency's minor unit
    liability_left: Decimal  # after this claim
    earliest_claim_date: dt.date
    event: ClaimEvent
    currency: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts and the percentage as decimal strings, dates in ISO form."""
        return {
            "event": self.event.value,
            "currency": self.currency,
            "steps": [step.as_dict() for step in self.steps],
            "excluded": [
                {"invoice_id": invoice_id, "reason": reason.value}
                for invoice_id, reason in self.excluded
            ],
            "outstanding": str(self.outstanding),
            "eligible": str(self.eligible),
            "ascertained_loss": str(self.ascertained_loss),
            "first_loss_deducted": str(self.first_loss_deducted),
            "first_loss_left": str(self.first_loss_left),
            "percentage": str(self.percentage),
            "indemnity": str(self.indemnity),
            "liability_left": str(self.liability_left),
            "earliest_claim_date": self.earliest_claim_date.isoformat(),
        }


def compute_claim(policy: Policy, inputs: ClaimInputs) -> ClaimComputation:
    """The claim on one buyer under ``policy``, step by step (the module docstring)."""
    show = _Shower(policy.currency)
    lines = list(inputs.lines)
    steps: list[ClaimStep] = []

    outstanding = sum((line.open_amount for line in lines), ZERO)
    steps.append(ClaimStep("outstanding", outstanding, _unpaid_note(lines)))

    eligible = sum((line.covered_amount for line in lines), ZERO)
    excluded = tuple((line.invoice_id, line.reason) for line in lines if line.reason is not None)
    steps.append(
        ClaimStep("eligible", eligible, _excluded_note(lines, outstanding - eligible, show))
    )

    unpaid, to_covered, to_uncovered = _apply_recoveries(lines, inputs.recoveries_before)
    loss = eligible - to_covered
    steps.append(
        ClaimStep(
            "recoveries_before_claim",
            loss,
            _recoveries_note(inputs.recoveries_before, to_covered, to_uncovered, show),
        )
    )

    set_off = min(inputs.set_offs, loss)
    loss -= set_off
    steps.append(
        ClaimStep(
            "set_offs",
            loss,
            f"{show(set_off)} of credit notes and set-offs deducted"
            if inputs.set_offs
            else "no credit notes or set-offs",
        )
    )

    capped = min(loss, inputs.credit_limit)
    steps.append(
        ClaimStep(
            "credit_limit",
            capped,
            f"capped by the credit limit of {show(inputs.credit_limit)}"
            if capped < loss
            else f"within the credit limit of {show(inputs.credit_limit)}",
        )
    )

    threshold = policy.non_qualifying_loss
    ascertained = capped if capped > threshold else ZERO
    if ascertained:
        nql_note = (
            f"above the non-qualifying loss of {show(threshold)}: the whole loss counts"
            if threshold
            else "no non-qualifying loss"
        )
    elif capped:
        nql_note = f"at or below the non-qualifying loss of {show(threshold)}: not claimable"
    else:
        nql_note = "no loss to claim"
    steps.append(ClaimStep("non_qualifying_loss", ascertained, nql_note))

    first_loss_open = max(ZERO, policy.aggregate_first_loss - inputs.first_loss_consumed)
    liability_open = max(ZERO, policy.maximum_liability - inputs.indemnity_paid)
    political = inputs.event is ClaimEvent.POLITICAL
    if political and not policy.political_risk:
        percentage, deducted, insured = ZERO, ZERO, ZERO
        steps.append(
            ClaimStep("political_cover", ZERO, "political risk is not covered by this policy")
        )
    else:
        percentage = policy.percentage(political)
        kind = "political" if political else "commercial"
        percentage_note = f"× {_percent(percentage)} insured ({kind})"
        if policy.first_loss_applies is FirstLossOrder.BEFORE_PERCENTAGE:
            deducted = min(ascertained, first_loss_open)
            insured = (ascertained - deducted) * percentage
            steps.append(
                ClaimStep(
                    "first_loss",
                    ascertained - deducted,
                    _first_loss_note(policy, deducted, first_loss_open, "loss", show),
                )
            )
            steps.append(ClaimStep("percentage", insured, percentage_note))
        else:
            share = ascertained * percentage
            deducted = min(share, first_loss_open)
            insured = share - deducted
            steps.append(ClaimStep("percentage", share, percentage_note))
            steps.append(
                ClaimStep(
                    "first_loss",
                    insured,
                    _first_loss_note(policy, deducted, first_loss_open, "insured share", show),
                )
            )

    payable = min(insured, liability_open)
    steps.append(
        ClaimStep(
            "maximum_liability",
            payable,
            f"capped by the maximum liability left this policy year, {show(liability_open)}"
            if payable < insured
            else f"within the maximum liability left this policy year, {show(liability_open)}",
        )
    )

    # min: a liability left finer than the minor unit is never overpaid by the rounding
    indemnity = min(quantize(payable, policy.currency), liability_open)
    steps.append(
        ClaimStep(
            "indemnity",
            indemnity,
            "rounded to the minor unit, half to even"
            if indemnity != payable
            else "the indemnity payable",
        )
    )

    return ClaimComputation(
        steps=tuple(steps),
        excluded=excluded,
        outstanding=outstanding,
        eligible=eligible,
        ascertained_loss=ascertained,
        first_loss_deducted=deducted,
        first_loss_left=first_loss_open - deducted,
        percentage=percentage,
        indemnity=indemnity,
        liability_left=liability_open - indemnity,
        earliest_claim_date=earliest_claim_date(policy, inputs.event, unpaid, inputs.as_of),
        event=inputs.event,
        currency=policy.currency,
    )


def earliest_claim_date(
    policy: Policy, event: ClaimEvent, lines: Iterable[ClaimLine], as_of: dt.date
) -> dt.date:
    """The first day the claim may be filed.

    Insolvency: at once (``as_of``). Protracted default and political events: once the
    waiting period has run from the due date of the oldest unpaid covered invoice (the
    oldest unpaid invoice where none is covered; ``as_of`` where nothing is unpaid).
    ``compute_claim`` passes the lines left after the recoveries before the claim: an
    invoice they settled no longer starts the wait.
    """
    if event is ClaimEvent.INSOLVENCY:
        return as_of
    unpaid = [line for line in lines if line.open_amount > 0]
    covered = [line for line in unpaid if line.covered_amount > 0]
    counted = covered or unpaid
    if not counted:
        return as_of
    oldest = min(line.due_date for line in counted)
    return oldest + dt.timedelta(days=policy.waiting_period_days)


def policy_year(policy: Policy, on: dt.date) -> tuple[dt.date, dt.date]:
    """The policy year containing ``on``, first and last day inclusive.

    Years run from ``policy.start`` to each anniversary (a 29 February start has its
    anniversary on 28 February in other years); the last one ends at ``policy.end``,
    however short it is. A date outside the policy period has no policy year.
    """
    if not policy.in_force(on):
        raise InvalidInputError(
            f"{on.isoformat()} is outside the policy period "
            f"{policy.start.isoformat()} to {policy.end.isoformat()}",
            "on",
        )
    years = on.year - policy.start.year
    if _anniversary(policy.start, years) > on:
        years -= 1
    first = _anniversary(policy.start, years)
    last = _anniversary(policy.start, years + 1) - dt.timedelta(days=1)
    return first, min(last, policy.end)


def _anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        return dt.date(start.year + years, 2, 28)


def _apply_recoveries(
    lines: Sequence[ClaimLine], recovered: Decimal
) -> tuple[list[ClaimLine], Decimal, Decimal]:
    """The lines after ``recovered`` is applied oldest first, and how much of it settled
    covered parts and how much the parts not covered (any excess is left unapplied)."""
    left = recovered
    to_covered = to_uncovered = ZERO
    after: list[ClaimLine] = []
    for line in sorted(lines, key=lambda line: (line.due_date, line.invoice_id)):
        applied = min(left, line.open_amount)
        on_covered = min(applied, line.covered_amount)
        left -= applied
        to_covered += on_covered
        to_uncovered += applied - on_covered
        after.append(
            replace(
                line,
                open_amount=line.open_amount - applied,
                covered_amount=line.covered_amount - on_covered,
            )
        )
    return after, to_covered, to_uncovered


def _unpaid_note(lines: Sequence[ClaimLine]) -> str:
    count = len(lines)
    return f"{count} unpaid invoice{'' if count == 1 else 's'}" if count else "no unpaid invoice"


def _excluded_note(lines: Sequence[ClaimLine], amount: Decimal, show: _Shower) -> str:
    """E.g. "2 invoices excluded (3,000.00): 1 disputed, 1 over the limit"."""
    reasons = Counter(line.reason for line in lines if line.reason is not None)
    count = sum(reasons.values())
    if not count:
        return "no invoice excluded"
    parts = ", ".join(
        f"{reasons[reason]} {REASON_WORDS[reason]}" for reason in CoverReason if reason in reasons
    )
    plural = "invoice" if count == 1 else "invoices"
    return f"{count} {plural} excluded ({show(amount)}): {parts}"


def _recoveries_note(
    recovered: Decimal, to_covered: Decimal, to_uncovered: Decimal, show: _Shower
) -> str:
    if not recovered:
        return "no recoveries before the claim"
    note = (
        f"{show(recovered)} received before the claim, oldest invoice first: "
        f"{show(to_covered)} on covered parts, {show(to_uncovered)} on parts not covered"
    )
    unapplied = recovered - to_covered - to_uncovered
    return f"{note}, {show(unapplied)} beyond the debt" if unapplied else note


def _first_loss_note(
    policy: Policy, deducted: Decimal, left: Decimal, base: str, show: _Shower
) -> str:
    if not policy.aggregate_first_loss:
        return "no aggregate first loss"
    if not left:
        return "aggregate first loss already consumed this policy year"
    return (
        f"{show(deducted)} of the aggregate first loss kept by the seller from the {base} "
        f"({show(left - deducted)} left this policy year)"
    )


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f} %"


class _Shower:
    """Amounts for the notes: at the currency's minor unit when exact there (with a
    thousands separator), otherwise every digit, so a note never rounds what it shows."""

    def __init__(self, currency: str) -> None:
        self.currency = currency

    def __call__(self, amount: Decimal) -> str:
        rounded = quantize(amount, self.currency)
        return f"{rounded if rounded == amount else amount.normalize():,f}"
