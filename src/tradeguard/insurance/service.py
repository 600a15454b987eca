"""The seller's credit insurance: its policies, the insurer's limits, the cover on every
invoice, overdue notifications, claims with recoveries, and premium declarations.

Cover is judged from the ledger on a date, never stored: the same rules
(``domain.insurance.cover``) answer the buyer page, order screening, the notification
list and a claim, so they cannot disagree. Amounts are converted to the policy's
currency with the FX rates on that date. Every change (a policy, a limit decision, a
notification, a claim's move, a recovery, a declaration) is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import partial
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.country import service as country_service
from tradeguard.credit import service as credit
from tradeguard.domain.credit.grading import CLASSES, class_codes
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.insurance import claim as claims_core
from tradeguard.domain.insurance import cover as cover_core
from tradeguard.domain.insurance import notifications as timers
from tradeguard.domain.insurance import premium as premium_core
from tradeguard.domain.insurance.claim import (
    ClaimComputation,
    ClaimEvent,
    ClaimInputs,
    ClaimLine,
    PoliticalCause,
)
from tradeguard.domain.insurance.policy import Policy, PolicyVariant
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.insurance.recoveries import share_recovery
from tradeguard.domain.insurance.workflow import CLAIM_WORKFLOW, PAYOUT_TARGET_DAYS, ClaimStatus
from tradeguard.domain.ledger.snapshot import Converter, MissingFxRateError, rates_on
from tradeguard.domain.money import convert_minor, from_minor, minor_exponent, quantize, to_minor
from tradeguard.domain.receivables.ageing import GradesNotComputedError
from tradeguard.insurance import repository
from tradeguard.insurance.models import (
    Claim,
    ClaimRecovery,
    InsurancePolicy,
    OverdueNotification,
    PremiumDeclaration,
)
from tradeguard.kit.transitions import transition
from tradeguard.ledger import repository as ledger
from tradeguard.ledger.models import InsurerLimit
from tradeguard.limits import service as limits

NO_POLICY = "no insurance policy is in force on {on}; load one: tradeguard policy load FILE.toml"
CHECKLIST = ("invoices", "proof_of_delivery", "correspondence", "notification", "insolvency_proof")
# What a claim's first loss and maximum liability are consumed by: claims filed, not
# drafts or rejected ones.
CONSUMING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.PAID)


# --- policies -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    id: int
    policy: Policy
    loaded_at: dt.datetime
    loaded_by: str

    @classmethod
    def of(cls, row: InsurancePolicy) -> PolicyRecord:
        return cls(row.id, Policy.from_dict(row.terms), row.loaded_at, row.loaded_by)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.policy.as_dict(),
            "loaded_at": self.loaded_at.isoformat(),
            "loaded_by": self.loaded_by,
        }


def load_policy(session: Session, org: Org, terms: Mapping[str, Any], actor: str) -> PolicyRecord:
    """Load a policy from its ``[policy]`` table: a new number is added, a known one has
    its terms replaced; a period that shares a day with another policy's is refused."""
    policy = Policy.from_dict(terms)
    other = repository.overlapping(session, org.id, policy.number, policy.start, policy.end)
    if other is not None:
        raise ConflictError(
            f"policy {policy.number} ({policy.start}–{policy.end}) overlaps policy"
            f" {other.number} ({other.starts_on}–{other.ends_on}): one policy is in force on a date"
        )
    row = repository.policy_by_number(session, org.id, policy.number)
    before = None if row is None else dict(row.terms)
    stored = policy.as_dict()
    if row is None:
        row = InsurancePolicy(org_id=org.id, number=policy.number)
        session.add(row)
    elif row.terms == stored:
        return PolicyRecord.of(row)  # the same file again: nothing to do
    row.insurer, row.starts_on, row.ends_on = policy.insurer, policy.start, policy.end
    row.terms = stored
    row.loaded_at, row.loaded_by = dt.datetime.now(dt.UTC), actor
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="load_policy",
        entity="insurance_policies",
        entity_key=policy.number,
        before=before,
        after=stored,
    )
    return PolicyRecord.of(row)


def policy_on(session: Session, org: Org, on: dt.date) -> PolicyRecord | None:
    row = repository.policy_on(session, org.id, on)
    return None if row is None else PolicyRecord.of(row)


def require_policy(session: Session, org: Org, on: dt.date) -> PolicyRecord:
    found = policy_on(session, org, on)
    if found is None:
        raise NotFoundError(NO_POLICY.format(on=on.isoformat()))
    return found


def list_policies(session: Session, org: Org) -> list[PolicyRecord]:
    return [PolicyRecord.of(r) for r in repository.policies(session, org.id)]


# --- the insurer's limits -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InsurerLimitRecord:
    buyer_id: str
    amount: Decimal
    currency: str
    effective_date: dt.date
    expiry_date: dt.date | None
    conditions: str | None

    @classmethod
    def of(cls, row: InsurerLimit) -> InsurerLimitRecord:
        return cls(
            row.buyer_id,
            from_minor(row.amount, row.currency),
            row.currency,
            row.effective_date,
            row.expiry_date,
            row.conditions,
        )

    def in_force(self, on: dt.date) -> bool:
        return self.effective_date <= on and (self.expiry_date is None or on <= self.expiry_date)

    def audit_value(self) -> audit.AuditValue:
        return {
            "amount": str(self.amount),
            "currency": self.currency,
            "effective_date": self.effective_date.isoformat(),
            "expiry_date": None if self.expiry_date is None else self.expiry_date.isoformat(),
            "conditions": self.conditions,
        }


def set_insurer_limit(
    session: Session,
    org: Org,
    buyer_id: str,
    amount: Decimal,
    currency: str,
    effective_date: dt.date,
    actor: str,
    *,
    expiry_date: dt.date | None = None,
    conditions: str | None = None,
) -> InsurerLimitRecord:
    """Record the insurer's decision on a buyer (0 is a refusal); a second decision with
    the same effective date replaces the first. Audited."""
    ledger.buyer(session, org, buyer_id)
    if amount < 0:
        raise InvalidInputError("an insurer limit is 0 (a refusal) or more", "amount")
    if expiry_date is not None and expiry_date < effective_date:
        raise InvalidInputError(
            f"the expiry date {expiry_date} is before the effective date {effective_date}",
            "expiry_date",
        )
    minor = to_minor(amount, currency)
    row = repository.insurer_limit(session, org.id, buyer_id, effective_date)
    before = None if row is None else InsurerLimitRecord.of(row).audit_value()
    if row is None:
        row = InsurerLimit(org_id=org.id, buyer_id=buyer_id, effective_date=effective_date)
        session.add(row)
    row.amount, row.currency = minor, currency
    row.expiry_date, row.conditions = expiry_date, conditions
    session.flush()
    record = InsurerLimitRecord.of(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="set_insurer_limit",
        entity="insurer_limits",
        entity_key=buyer_id,
        before=before,
        after=record.audit_value(),
    )
    return record


def insurer_limits(session: Session, org: Org, buyer_id: str) -> list[InsurerLimitRecord]:
    """The buyer's decisions, the latest first (the history)."""
    ledger.buyer(session, org, buyer_id)
    return [InsurerLimitRecord.of(r) for r in repository.insurer_limits(session, org.id, buyer_id)]


# --- cover ----------------------------------------------------------------------------


def _cross_rates(
    fx: pl.DataFrame, currencies: list[str], base: str, to: str, on: dt.date
) -> Converter:
    """A converter into the policy currency ``to`` from the org's rates (base units per
    unit): rate(c → to) = rate(c) / rate(to), exact to 12 decimal places."""
    rates = rates_on(fx, sorted(set(currencies) | {to}), base, on)
    if to == base:
        return Converter(rates, base)
    by_code = dict(zip(rates["currency"], rates["rate"], strict=True))
    divisor = Decimal(by_code[to])
    with localcontext() as context:
        context.prec = 40
        cross = {
            c: str((Decimal(r) / divisor).quantize(Decimal("1e-12")).normalize())
            for c, r in by_code.items()
            if c != to
        }
    return Converter(
        pl.DataFrame(
            {"currency": [*cross, to], "rate": [*cross.values(), "1"]},
            schema={"currency": pl.String, "rate": pl.String},
        ),
        to,
    )


@dataclass(frozen=True, slots=True)
class CoverData:
    """The ledger as one policy judges it on one date, in the policy's minor units."""

    policy: PolicyRecord
    as_of: dt.date
    cover: pl.DataFrame  # cover_core.invoice_cover's columns
    known: LimitData

    @property
    def currency(self) -> str:
        return self.policy.policy.currency

    @property
    def buyers(self) -> pl.DataFrame:
        return self.known.buyers

    @property
    def notifications(self) -> pl.DataFrame:
        return self.known.notifications


def _ecommerce_limits(
    session: Session, org: Org, policy: Policy, buyer_ids: pl.Series, as_of: dt.date
) -> pl.DataFrame:
    """The e-commerce variant's limits: each buyer's cap by its credit class (a buyer not
    scored yet counts as the middle class B)."""
    try:
        grades = credit.latest_grades(session, org, as_of)
    except GradesNotComputedError:
        grades = pl.DataFrame(schema={"buyer_id": pl.String, "grade": pl.Int64})
    settings = credit.load_settings(session, org)
    codes = class_codes(grades["grade"].to_numpy(), settings)
    classes = pl.DataFrame(
        {"buyer_id": grades["buyer_id"], "credit_class": [CLASSES[c] for c in codes]},
        schema={"buyer_id": pl.String, "credit_class": pl.String},
    )
    frame = (
        pl.DataFrame({"buyer_id": buyer_ids}, schema={"buyer_id": pl.String})
        .join(classes, on="buyer_id", how="left")
        .with_columns(pl.col("credit_class").fill_null("B"))
    )
    return cover_core.ecommerce_limits(frame, policy, policy.start)


@dataclass(frozen=True, slots=True)
class LimitData:
    """What decides the limit on a buyer's deliveries, in the policy's currency."""

    buyers: pl.DataFrame  # buyer_id, name, country, adverse_on
    limits: pl.DataFrame  # buyer_id, amount, effective_date, expiry_date
    notifications: pl.DataFrame  # buyer_id, notified_on
    converter: Converter  # the org's currencies into the policy's, at the date


def limit_data(
    session: Session,
    org: Org,
    record: PolicyRecord,
    as_of: dt.date,
    buyer_id: str | None,
    currencies: set[str],
) -> LimitData:
    """The buyers, the limit decisions (or the e-commerce caps) and the notifications,
    with a converter for ``currencies`` as well."""
    terms = record.policy
    connection = session.connection()
    buyers = repository.cover_buyers(connection, org.id, buyer_id)
    raw = repository.cover_limits(connection, org.id, buyer_id)
    converter = _cross_rates(
        repository.fx_rates(connection, org.id, as_of),
        sorted(currencies | set(raw["currency"]) | {org.base_currency}),
        org.base_currency,
        terms.currency,
        as_of,
    )
    if terms.variant is PolicyVariant.ECOMMERCE:
        limits_frame = _ecommerce_limits(session, org, terms, buyers["buyer_id"], as_of)
    else:
        limits_frame = raw.with_columns(
            amount=converter.convert(raw["amount"], converter.index(raw["currency"]))
        ).drop("currency")
    notified = repository.cover_notifications(connection, org.id, buyer_id).filter(
        pl.col("notified_on") <= as_of
    )
    return LimitData(buyers, limits_frame, notified, converter)


def cover_data(
    session: Session,
    org: Org,
    as_of: dt.date,
    buyer_id: str | None = None,
    policy: PolicyRecord | None = None,
) -> CoverData:
    """The cover of every invoice (or of one buyer's) under the policy in force."""
    record = policy or require_policy(session, org, as_of)
    terms = record.policy
    connection = session.connection()
    invoices = repository.cover_invoices(connection, org.id, buyer_id).filter(
        pl.col("issue_date") <= as_of
    )
    allocations = repository.cover_allocations(connection, org.id, buyer_id)
    known = limit_data(session, org, record, as_of, buyer_id, set(invoices["currency"]))
    converter = known.converter
    index = converter.index(invoices["currency"])
    invoices = invoices.with_columns(amount=converter.convert(invoices["amount"], index))
    currency_of = invoices.select("invoice_id", "currency")
    allocations = (
        allocations.join(currency_of, on="invoice_id", how="inner")
        .pipe(
            lambda frame: frame.with_columns(
                amount=converter.convert(frame["amount"], converter.index(frame["currency"]))
            )
        )
        .drop("currency")
    )
    settled = (
        allocations.filter(pl.col("date") <= as_of)
        .group_by("invoice_id")
        .agg(settled=pl.col("amount").sum())
    )
    open_amounts = (
        invoices.join(settled, on="invoice_id", how="left")
        .select("invoice_id", open=pl.col("amount") - pl.col("settled").fill_null(0))
        .filter(pl.col("open") > 0)
    )
    # The discretionary limit: named-buyer policies only, for what was delivered before
    # the buyer's first adverse event (insolvency, payment default, legal proceedings).
    discretionary = known.buyers.select(
        "buyer_id", "adverse_on", allowed=pl.lit(terms.variant is PolicyVariant.NAMED)
    )
    cover = cover_core.invoice_cover(
        invoices.drop("currency"),
        open_amounts,
        allocations,
        known.buyers.select("buyer_id", "country"),
        known.limits,
        known.notifications,
        repository.cover_disputes(connection, org.id, buyer_id),
        terms,
        as_of,
        discretionary=discretionary,
    )
    return CoverData(record, as_of, cover, known)


@dataclass(frozen=True, slots=True)
class InvoiceCover:
    invoice_id: str
    delivered_on: dt.date
    due_date: dt.date
    open: Decimal
    covered: Decimal
    reason: str | None


@dataclass(frozen=True, slots=True)
class BuyerCover:
    buyer_id: str
    as_of: dt.date
    policy_number: str
    currency: str
    insurer_limit: InsurerLimitRecord | None  # the decision in force on as_of
    limit: Decimal | None  # what covers new deliveries today (insurer's or discretionary)
    discretionary: bool
    notified_on: dt.date | None
    open: Decimal
    covered: Decimal
    invoices: list[InvoiceCover] = field(default_factory=list)

    @property
    def uncovered(self) -> Decimal:
        return self.open - self.covered

    @property
    def headroom(self) -> Decimal | None:
        """What more may be delivered insured today: the limit less what is open (a
        delivery is covered up to the limit less the exposure before it); None when no
        delivery is covered (no limit, or the buyer was notified overdue)."""
        if self.limit is None or self.notified_on is not None:
            return None
        return max(self.limit - self.open, Decimal(0) * self.open)


def limit_on(
    policy: Policy, known: LimitData, buyer_id: str, on: dt.date
) -> tuple[Decimal | None, bool]:
    """The limit covering a delivery to the buyer on ``on`` and whether it is the
    discretionary one; (None, False) where nothing covers it. The latest decision
    effective by then rules (0: a refusal; expired: none), and only without any decision
    does the discretionary limit apply, to a buyer with no adverse event by then."""
    decisions = known.limits.filter(
        pl.col("buyer_id") == buyer_id, pl.col("effective_date") <= on
    ).sort("effective_date")
    if decisions.height:
        latest = decisions.row(-1, named=True)
        expired = latest["expiry_date"] is not None and latest["expiry_date"] < on
        if expired or latest["amount"] == 0:
            return None, False
        return from_minor(latest["amount"], policy.currency), False
    buyer = known.buyers.filter(pl.col("buyer_id") == buyer_id)
    adverse = buyer.height and buyer["adverse_on"][0] is not None and buyer["adverse_on"][0] <= on
    if policy.variant is PolicyVariant.NAMED and policy.discretionary_limit > 0 and not adverse:
        return quantize(policy.discretionary_limit, policy.currency), True
    return None, False


def buyer_cover(
    session: Session, org: Org, buyer_id: str, as_of: dt.date, data: CoverData | None = None
) -> BuyerCover | None:
    """The buyer's cover on ``as_of`` (from ``data``, the buyer's, when the caller has
    it); None when no policy is in force."""
    ledger.buyer(session, org, buyer_id)
    record = data.policy if data is not None else policy_on(session, org, as_of)
    if record is None:
        return None
    data = data or cover_data(session, org, as_of, buyer_id, record)
    currency = record.policy.currency
    limit, discretionary = limit_on(record.policy, data.known, buyer_id, as_of)
    decision = next(
        (d for d in insurer_limits(session, org, buyer_id) if d.effective_date <= as_of), None
    )
    rows = data.cover.filter(pl.col("open") > 0).sort("delivered_on", "invoice_id")
    notified = data.notifications.filter(pl.col("buyer_id") == buyer_id)
    return BuyerCover(
        buyer_id=buyer_id,
        as_of=as_of,
        policy_number=record.policy.number,
        currency=currency,
        insurer_limit=decision if decision is not None and decision.in_force(as_of) else None,
        limit=limit,
        discretionary=discretionary,
        notified_on=notified["notified_on"][0] if notified.height else None,
        open=from_minor(int(rows["open"].sum()), currency),
        covered=from_minor(int(rows["covered"].sum()), currency),
        invoices=[
            InvoiceCover(
                r["invoice_id"],
                r["delivered_on"],
                r["due_date"],
                from_minor(r["open"], currency),
                from_minor(r["covered"], currency),
                r["reason"],
            )
            for r in rows.iter_rows(named=True)
        ],
    )


def insured_delivery(
    session: Session,
    org: Org,
    buyer_id: str,
    amount_base: Decimal,
    on: dt.date,
    terms_days: int | None,
    exposure_base: Decimal,
) -> bool | None:
    """Would a delivery of ``amount_base`` (the org's base currency) on ``terms_days``
    to the buyer on ``on`` be insured: inside the policy, its country covered, terms
    within the maximum credit period, no notification yet and the buyer's exposure
    (``exposure_base``, open receivables) plus the order within the limit, compared in
    the base currency? None without a policy in force. Order screening asks this: a few
    indexed reads, no ledger scan."""
    record = policy_on(session, org, on)
    if record is None:
        return None
    policy = record.policy
    buyer = ledger.buyer(session, org, buyer_id)
    terms = terms_days if terms_days is not None else buyer.terms_days
    if buyer.country in policy.excluded_countries or (
        terms is not None and terms > policy.maximum_credit_period_days
    ):
        return False
    base = org.base_currency
    if policy.variant is PolicyVariant.ECOMMERCE:  # the cap of the buyer's credit class
        known = limit_data(session, org, record, on, buyer_id, {base})
        limit, _ = limit_on(policy, known, buyer_id, on)
        if limit is None or known.notifications.height:
            return False
        limit_base: int | None = _to_base(
            session, org, to_minor(limit, policy.currency), policy.currency, on
        )
    elif repository.notified_by(session, org.id, buyer_id, on):
        return False
    else:
        limit_base = _named_limit_base(session, org, policy, buyer_id, on)
    return limit_base is not None and to_minor(amount_base + exposure_base, base) <= limit_base


def _to_base(session: Session, org: Org, minor: int, currency: str, on: dt.date) -> int:
    if currency == org.base_currency:
        return minor
    rate = repository.rate_on(session, org.id, currency, on)
    if rate is None:
        raise MissingFxRateError(currency, on)
    return convert_minor(minor, currency, org.base_currency, rate)


def _named_limit_base(
    session: Session, org: Org, policy: Policy, buyer_id: str, on: dt.date
) -> int | None:
    """``limit_on``'s rule for one buyer of a named-buyer policy, from indexed reads, in
    the base currency's minor units: the latest decision (none if 0 or expired), else
    the discretionary limit where no adverse event is on record."""
    decision = repository.latest_decision(session, org.id, buyer_id, on)
    if decision is not None:
        expired = decision.expiry_date is not None and decision.expiry_date < on
        if expired or decision.amount == 0:
            return None
        return _to_base(session, org, decision.amount, decision.currency, on)
    if policy.discretionary_limit <= 0 or repository.adverse_by(session, org.id, buyer_id, on):
        return None
    return _to_base(
        session, org, to_minor(policy.discretionary_limit, policy.currency), policy.currency, on
    )


# --- overdue notifications ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationDue:
    invoice_id: str
    buyer_id: str
    buyer_name: str
    due_date: dt.date
    days_overdue: int
    deadline: dt.date
    days_left: int
    status: str  # due, upcoming, missed
    open: Decimal
    currency: str


def notifications_due(
    session: Session,
    org: Org,
    as_of: dt.date,
    horizon_days: int = 14,
    data: CoverData | None = None,
) -> list[NotificationDue]:
    """The overdue invoices not yet notified to the insurer, deadline first, with the
    days left (negative once missed); empty without a policy in force."""
    record = data.policy if data is not None else policy_on(session, org, as_of)
    if record is None:
        return []
    data = data or cover_data(session, org, as_of, policy=record)
    # The insurer is told of insured debts: invoices delivered under the policy to a
    # buyer with a limit (those over it included), not the ones it never covered.
    insured = (pl.col("covered_at_delivery") > 0) | (pl.col("reason") == CoverReason.OVER_LIMIT)
    open_items = data.cover.filter(pl.col("open") > 0, insured).select(
        "invoice_id", "buyer_id", "due_date", "open"
    )
    found = timers.notification_timers(
        open_items, data.notifications, record.policy, as_of, horizon_days
    ).join(data.buyers.select("buyer_id", "name"), on="buyer_id", how="left", maintain_order="left")
    currency = record.policy.currency
    return [
        NotificationDue(
            r["invoice_id"],
            r["buyer_id"],
            r["name"] or r["buyer_id"],
            r["due_date"],
            r["days_overdue"],
            r["deadline"],
            r["days_left"],
            r["status"],
            from_minor(r["open"], currency),
            currency,
        )
        for r in found.iter_rows(named=True)
    ]


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    id: int
    buyer_id: str
    notified_on: dt.date
    overdue: Decimal
    currency: str
    invoices: int
    reference: str | None
    recorded_by: str

    @classmethod
    def of(cls, row: OverdueNotification) -> NotificationRecord:
        return cls(
            row.id,
            row.buyer_id,
            row.notified_on,
            from_minor(row.overdue, row.currency),
            row.currency,
            row.invoices,
            row.reference,
            row.recorded_by,
        )


def record_notification(
    session: Session,
    org: Org,
    buyer_id: str,
    notified_on: dt.date,
    actor: str,
    reference: str | None = None,
) -> NotificationRecord:
    """Record that the insurer was told the buyer is overdue on ``notified_on``: new
    deliveries are no longer covered, so a permanent stop-shipment is set. Audited."""
    ledger.buyer(session, org, buyer_id)
    record = require_policy(session, org, notified_on)
    data = cover_data(session, org, notified_on, buyer_id, record)
    overdue = data.cover.filter(pl.col("open") > 0, pl.col("due_date") < notified_on)
    if overdue.is_empty():
        raise InvalidInputError(
            f"buyer {buyer_id} has nothing overdue on {notified_on}: there is nothing to notify"
        )
    if any(n.notified_on == notified_on for n in notifications(session, org, buyer_id)):
        raise ConflictError(f"buyer {buyer_id} was already notified on {notified_on}")
    row = OverdueNotification(
        org_id=org.id,
        buyer_id=buyer_id,
        notified_on=notified_on,
        overdue=int(overdue["open"].sum()),
        currency=record.policy.currency,
        invoices=overdue.height,
        reference=reference,
        recorded_by=actor,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    result = NotificationRecord.of(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="notify_overdue",
        entity="overdue_notifications",
        entity_key=buyer_id,
        after={
            "notified_on": notified_on.isoformat(),
            "overdue": str(result.overdue),
            "currency": result.currency,
            "invoices": result.invoices,
            "reference": reference,
            "policy": record.policy.number,
        },
    )
    stop = limits.current_stop(session, org, buyer_id, notified_on)
    if stop is None or stop.kind != "permanent":
        limits.stop_shipment(
            session,
            org,
            buyer_id,
            f"overdue notified to {record.policy.insurer} on {notified_on.isoformat()}",
            actor,
            today=notified_on,
        )
    return result


def notifications(
    session: Session, org: Org, buyer_id: str | None = None
) -> list[NotificationRecord]:
    return [NotificationRecord.of(r) for r in repository.notifications(session, org.id, buyer_id)]


# --- claims ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimResult:
    buyer_id: str
    policy_number: str
    currency: str
    event: ClaimEvent
    as_of: dt.date
    computation: ClaimComputation
    country: str
    country_grade: int | None  # the country's risk grade 1-10 (country capability)
    political_risk: str | None  # its political-risk level

    def as_dict(self) -> dict[str, Any]:
        """The contract of ``claim compute --format json``: amounts as decimal strings
        with the currency's decimals (more where a step's exact amount has more: only
        the indemnity is rounded)."""
        c = self.computation

        def shown(amount: Decimal) -> str:
            return _shown(amount, self.currency)

        return {
            "buyer_id": self.buyer_id,
            "policy": self.policy_number,
            "currency": self.currency,
            "event": self.event.value,
            "as_of": self.as_of.isoformat(),
            "steps": [{"name": s.name, "amount": shown(s.amount), "note": s.note} for s in c.steps],
            "outstanding": shown(c.outstanding),
            "eligible": shown(c.eligible),
            "ascertained_loss": shown(c.ascertained_loss),
            "first_loss_deducted": shown(c.first_loss_deducted),
            "first_loss_left": shown(c.first_loss_left),
            "percentage": str(c.percentage),
            "indemnity": shown(c.indemnity),
            "liability_left": shown(c.liability_left),
            "excluded": [{"invoice_id": i, "reason": r.value} for i, r in c.excluded],
            "earliest_claim_date": c.earliest_claim_date.isoformat(),
            "country": self.country,
            "country_grade": self.country_grade,
            "political_risk": self.political_risk,
        }


def _shown(amount: Decimal, currency: str) -> str:
    """``amount`` with the currency's decimals, or exactly where it has more."""
    cents = amount.quantize(Decimal(1).scaleb(-minor_exponent(currency)))
    return str(cents if cents == amount else amount.normalize())


def _consumed(
    session: Session, record: PolicyRecord, loss_date: dt.date, except_claim: int | None
) -> tuple[Decimal, Decimal]:
    """The first loss already deducted and the indemnity already committed in the
    policy year of ``loss_date`` (paid claims count what was paid)."""
    start, end = claims_core.policy_year(record.policy, loss_date)
    rows = repository.year_claims(session, record.id, start, end, [s.value for s in CONSUMING])
    currency = record.policy.currency
    first_loss = sum(
        (from_minor(r.first_loss_deducted, currency) for r in rows if r.id != except_claim),
        Decimal(0),
    )
    paid = sum(
        (
            from_minor(r.paid_amount if r.paid_amount is not None else r.indemnity, currency)
            for r in rows
            if r.id != except_claim
        ),
        Decimal(0),
    )
    return first_loss, paid


def _recoveries_before(session: Session, claim_id: int | None, currency: str) -> Decimal:
    if claim_id is None:
        return Decimal(0)
    return sum(
        (
            from_minor(r.amount - r.costs, currency)
            for r in repository.recoveries(session, claim_id)
            if not r.after_payment
        ),
        Decimal(0),
    )


def _compute(
    session: Session,
    org: Org,
    buyer_id: str,
    as_of: dt.date,
    event: ClaimEvent,
    claim_id: int | None = None,
) -> ClaimResult:
    ledger.buyer(session, org, buyer_id)
    record = require_policy(session, org, as_of)
    data = cover_data(session, org, as_of, buyer_id, record)
    currency = record.policy.currency
    unpaid = data.cover.filter(pl.col("open") > 0)
    lines = [
        ClaimLine(
            r["invoice_id"],
            r["due_date"],
            from_minor(r["open"], currency),
            from_minor(r["covered"], currency),
            # over the limit at delivery, but paid down to its insured part: not excluded
            None if r["reason"] is None or r["covered"] == r["open"] else CoverReason(r["reason"]),
        )
        for r in unpaid.sort("due_date", "invoice_id").iter_rows(named=True)
    ]
    # The cap is the limit the unpaid insured deliveries were made under: a limit the
    # insurer reduces or cancels later (as it does once told the buyer is overdue) takes
    # the cover of the deliveries after it only.
    delivered_under = unpaid.filter(pl.col("covered") > 0).select(pl.col("limit").max()).item()
    if delivered_under is None:
        limit, _ = limit_on(record.policy, data.known, buyer_id, as_of)
    else:
        limit = from_minor(delivered_under, currency)
    first_loss, paid = _consumed(session, record, as_of, claim_id)
    computation = claims_core.compute_claim(
        record.policy,
        ClaimInputs(
            lines=lines,
            event=event,
            as_of=as_of,
            credit_limit=limit if limit is not None else Decimal(0),
            recoveries_before=_recoveries_before(session, claim_id, currency),
            first_loss_consumed=first_loss,
            indemnity_paid=paid,
        ),
    )
    country = str(data.buyers["country"][0]) if data.buyers.height else ""
    try:
        risk = country_service.country_risk(session, org, country)
        grade, political = risk.grade, risk.political_risk
    except NotFoundError:
        grade, political = None, None
    return ClaimResult(
        buyer_id,
        record.policy.number,
        currency,
        event,
        as_of,
        computation,
        country,
        grade,
        political,
    )


def compute_claim(
    session: Session, org: Org, buyer_id: str, as_of: dt.date, event: ClaimEvent
) -> ClaimResult:
    """The indemnity a claim on the buyer would get on ``as_of``, every step shown,
    whether or not the waiting period is over (``earliest_claim_date`` says when)."""
    return _compute(session, org, buyer_id, as_of, event)


@dataclass(frozen=True, slots=True)
class RecoveryRecord:
    id: int
    received_on: dt.date
    amount: Decimal
    costs: Decimal
    after_payment: bool
    insurer_share: Decimal
    seller_share: Decimal
    insurer_costs: Decimal
    seller_costs: Decimal

    @classmethod
    def of(cls, row: ClaimRecovery, currency: str) -> RecoveryRecord:
        money = partial(from_minor, currency=currency)
        return cls(
            row.id,
            row.received_on,
            money(row.amount),
            money(row.costs),
            row.after_payment,
            money(row.insurer_share),
            money(row.seller_share),
            money(row.insurer_costs),
            money(row.seller_costs),
        )


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: int
    buyer_id: str
    policy_number: str
    event: str
    cause: str | None
    loss_date: dt.date
    status: str
    currency: str
    debt: Decimal
    ascertained_loss: Decimal
    indemnity: Decimal
    computation: Mapping[str, Any]
    checklist: Mapping[str, bool]
    opened_by: str
    submitted_on: dt.date | None
    decided_on: dt.date | None
    paid_amount: Decimal | None
    rejection_reason: str | None
    recoveries: list[RecoveryRecord]
    as_of: dt.date  # the day the payout clock is read on

    @property
    def payout_days(self) -> int | None:
        """Days from submission to payment (or to ``as_of`` while unpaid)."""
        if self.submitted_on is None:
            return None
        end = self.decided_on if self.status == ClaimStatus.PAID and self.decided_on else self.as_of
        return (end - self.submitted_on).days

    @property
    def payout_breached(self) -> bool:
        days = self.payout_days
        return (
            days is not None and days > PAYOUT_TARGET_DAYS and self.status != ClaimStatus.REJECTED
        )

    @property
    def insurer_recovered(self) -> Decimal:
        return sum((r.insurer_share for r in self.recoveries), Decimal(0))

    @property
    def seller_recovered(self) -> Decimal:
        return sum((r.seller_share for r in self.recoveries), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "buyer_id": self.buyer_id,
            "policy": self.policy_number,
            "event": self.event,
            "cause": self.cause,
            "loss_date": self.loss_date.isoformat(),
            "status": self.status,
            "currency": self.currency,
            "debt": str(self.debt),
            "ascertained_loss": str(self.ascertained_loss),
            "indemnity": str(self.indemnity),
            "computation": dict(self.computation),
            "checklist": dict(self.checklist),
            "missing_documents": [k for k, v in self.checklist.items() if not v],
            "opened_by": self.opened_by,
            "submitted_on": _iso(self.submitted_on),
            "decided_on": _iso(self.decided_on),
            "paid_amount": None if self.paid_amount is None else str(self.paid_amount),
            "rejection_reason": self.rejection_reason,
            "payout_days": self.payout_days,
            "payout_target_days": PAYOUT_TARGET_DAYS,
            "payout_breached": self.payout_breached,
            "recoveries": [
                {
                    "id": r.id,
                    "received_on": r.received_on.isoformat(),
                    "amount": str(r.amount),
                    "costs": str(r.costs),
                    "after_payment": r.after_payment,
                    "insurer_share": str(r.insurer_share),
                    "seller_share": str(r.seller_share),
                    "insurer_costs": str(r.insurer_costs),
                    "seller_costs": str(r.seller_costs),
                }
                for r in self.recoveries
            ],
            "insurer_recovered": str(self.insurer_recovered),
            "seller_recovered": str(self.seller_recovered),
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _record(session: Session, row: Claim, as_of: dt.date) -> ClaimRecord:
    policy = session.get(InsurancePolicy, row.policy_id)
    assert policy is not None  # a foreign key
    money = partial(from_minor, currency=row.currency)
    return ClaimRecord(
        id=row.id,
        buyer_id=row.buyer_id,
        policy_number=policy.number,
        event=row.event,
        cause=row.cause,
        loss_date=row.loss_date,
        status=row.status,
        currency=row.currency,
        debt=money(row.debt),
        ascertained_loss=money(row.ascertained_loss),
        indemnity=money(row.indemnity),
        computation=row.computation,
        checklist={k: bool(v) for k, v in row.checklist.items()},
        opened_by=row.opened_by,
        submitted_on=row.submitted_on,
        decided_on=row.decided_on,
        paid_amount=None if row.paid_amount is None else money(row.paid_amount),
        rejection_reason=row.rejection_reason,
        recoveries=[
            RecoveryRecord.of(r, row.currency) for r in repository.recoveries(session, row.id)
        ],
        as_of=as_of,
    )


def _store(row: Claim, result: ClaimResult) -> None:
    c = result.computation
    row.debt = to_minor(c.outstanding, result.currency)
    row.ascertained_loss = to_minor(c.ascertained_loss, result.currency)
    row.first_loss_deducted = _minor_exact(c.first_loss_deducted, result.currency)
    row.indemnity = to_minor(c.indemnity, result.currency)
    row.computation = result.as_dict()


def _minor_exact(amount: Decimal, currency: str) -> int:
    """Minor units of an amount the arithmetic kept exact (a first loss after the
    percentage may carry a fraction of a cent): rounded half to even, as the last step."""
    return to_minor(amount.quantize(Decimal(1).scaleb(-minor_exponent(currency))), currency)


def _claim_row(session: Session, org: Org, claim_id: int) -> Claim:
    row = repository.claim(session, org.id, claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id}")
    return row


def open_claim(
    session: Session,
    org: Org,
    buyer_id: str,
    loss_date: dt.date,
    event: ClaimEvent,
    actor: str,
    cause: PoliticalCause | None = None,
) -> ClaimRecord:
    """Open a draft claim on the buyer for a loss on ``loss_date``, computed now and
    recomputed on every change until it is submitted; a political event names its
    ``cause``. Audited."""
    if (event is ClaimEvent.POLITICAL) != (cause is not None):
        raise InvalidInputError(
            "a political claim names its cause (transfer, moratorium, war,"
            " licence_cancellation); other events have none",
            "cause",
        )
    if repository.claims(session, org.id, buyer_id=buyer_id, status=ClaimStatus.DRAFT):
        raise ConflictError(f"buyer {buyer_id} already has a draft claim: submit or remove it")
    result = _compute(session, org, buyer_id, loss_date, event)
    record = require_policy(session, org, loss_date)
    row = Claim(
        org_id=org.id,
        policy_id=record.id,
        buyer_id=buyer_id,
        event=event.value,
        cause=None if cause is None else cause.value,
        loss_date=loss_date,
        status=ClaimStatus.DRAFT.value,
        currency=result.currency,
        checklist=dict.fromkeys(CHECKLIST, False),
        opened_by=actor,
        opened_at=dt.datetime.now(dt.UTC),
    )
    _store(row, result)
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="open_claim",
        entity="claims",
        entity_key=str(row.id),
        after={
            "buyer_id": buyer_id,
            "event": event.value,
            "cause": row.cause,
            "loss_date": loss_date.isoformat(),
            "indemnity": str(result.computation.indemnity),
            "currency": result.currency,
        },
    )
    return _record(session, row, loss_date)


def get_claim(session: Session, org: Org, claim_id: int, as_of: dt.date) -> ClaimRecord:
    return _record(session, _claim_row(session, org, claim_id), as_of)


def list_claims(
    session: Session,
    org: Org,
    as_of: dt.date,
    *,
    buyer_id: str | None = None,
    status: str | None = None,
) -> list[ClaimRecord]:
    return [
        _record(session, r, as_of)
        for r in repository.claims(session, org.id, buyer_id=buyer_id, status=status)
    ]


def set_document(
    session: Session,
    org: Org,
    claim_id: int,
    document: str,
    provided: bool,
    actor: str,
    as_of: dt.date,
) -> ClaimRecord:
    """Tick (or untick) a document of the claim's checklist while it is a draft."""
    row = _claim_row(session, org, claim_id)
    if document not in CHECKLIST:
        raise InvalidInputError(
            f"unknown document {document!r}; one of: {', '.join(CHECKLIST)}", "document"
        )
    if row.status != ClaimStatus.DRAFT:
        raise ConflictError(f"claim {claim_id} is {row.status}: its documents are fixed")
    before = dict(row.checklist)
    row.checklist = {**before, document: provided}
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="claim_document",
        entity="claims",
        entity_key=str(claim_id),
        before=before,
        after=dict(row.checklist),
    )
    return _record(session, row, as_of)


def move_claim(
    session: Session,
    org: Org,
    claim_id: int,
    target: ClaimStatus,
    actor: str,
    on: dt.date,
    *,
    paid_amount: Decimal | None = None,
    reason: str | None = None,
) -> ClaimRecord:
    """Move a claim along ``draft → submitted → under_review → paid | rejected`` (an
    illegal move is refused, 409). Submitting recomputes and freezes the indemnity and
    needs every document; paying records the amount paid (default: the indemnity);
    rejecting needs a reason. Audited."""
    row = _claim_row(session, org, claim_id)
    current = ClaimStatus(row.status)
    CLAIM_WORKFLOW.check(
        current, target, f"claim {claim_id} is {current}: it cannot become {target}"
    )
    values: dict[str, object] = {}
    if target is ClaimStatus.SUBMITTED:
        missing = [k for k, v in row.checklist.items() if not v]
        if missing:
            raise InvalidInputError(
                f"claim {claim_id} lacks documents: {', '.join(missing)} (claim document)"
            )
        result = _compute(session, org, row.buyer_id, row.loss_date, ClaimEvent(row.event), row.id)
        earliest = result.computation.earliest_claim_date
        if on < earliest:
            raise InvalidInputError(
                f"a {row.event} claim on buyer {row.buyer_id} may be filed from {earliest}"
                " (the waiting period), not on " + on.isoformat()
            )
        _store(row, result)
        values = {
            "submitted_on": on,
            "debt": row.debt,
            "ascertained_loss": row.ascertained_loss,
            "first_loss_deducted": row.first_loss_deducted,
            "indemnity": row.indemnity,
            "computation": row.computation,
        }
    elif target is ClaimStatus.PAID:
        amount = from_minor(row.indemnity, row.currency) if paid_amount is None else paid_amount
        if amount < 0:
            raise InvalidInputError("a claim is paid 0 or more", "amount")
        values = {"decided_on": on, "paid_amount": to_minor(amount, row.currency)}
    elif target is ClaimStatus.REJECTED:
        if not (reason or "").strip():
            raise InvalidInputError("rejecting a claim needs the insurer's reason", "reason")
        values = {"decided_on": on, "rejection_reason": reason}
    transition(
        session,
        Claim,
        Claim.id == claim_id,
        Claim.status,
        CLAIM_WORKFLOW,
        current,
        target,
        values,
        f"claim {claim_id} changed meanwhile; reload it",
    )
    session.refresh(row)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=f"claim_{target.value}",
        entity="claims",
        entity_key=str(claim_id),
        before={"status": current.value},
        after={
            "status": target.value,
            **{k: _audit_scalar(v) for k, v in values.items() if k != "computation"},
        },
    )
    return _record(session, row, on)


def _audit_scalar(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def record_recovery(
    session: Session,
    org: Org,
    claim_id: int,
    amount: Decimal,
    received_on: dt.date,
    actor: str,
    costs: Decimal = Decimal(0),
) -> ClaimRecord:
    """Money recovered on the claim's debt. Before the claim is paid it reduces the claim
    (recomputed, also once submitted: the insurer pays what is left); after, it is
    shared between seller and insurer as the policy says, costs the same way. Audited."""
    row = _claim_row(session, org, claim_id)
    if amount <= 0 or costs < 0 or costs > amount:
        raise InvalidInputError(
            "a recovery is more than 0, and its costs between 0 and it", "amount"
        )
    if row.status == ClaimStatus.REJECTED:
        raise ConflictError(f"claim {claim_id} was rejected: the recovery is the seller's alone")
    policy = Policy.from_dict(_policy_row(session, row).terms)
    currency = row.currency
    after = row.status == ClaimStatus.PAID
    zero = Decimal(0)
    share = None
    if after:
        record = _record(session, row, received_on)
        paid = record.paid_amount or zero
        # The debt shared is what the buyer still owed when the claim was paid: the
        # recoveries before it had already settled part of the debt on the claim.
        recovered_before = sum((r.amount for r in record.recoveries if not r.after_payment), zero)
        share = share_recovery(
            policy,
            amount,
            costs,
            indemnity=paid,
            debt=max(record.debt - recovered_before, paid),
            insurer_recovered=record.insurer_recovered,
        )
    recovery = ClaimRecovery(
        org_id=org.id,
        claim_id=claim_id,
        received_on=received_on,
        amount=to_minor(amount, currency),
        costs=to_minor(costs, currency),
        after_payment=after,
        insurer_share=to_minor(share.insurer if share else zero, currency),
        seller_share=to_minor(share.seller if share else zero, currency),
        insurer_costs=to_minor(share.insurer_costs if share else zero, currency),
        seller_costs=to_minor(share.seller_costs if share else zero, currency),
        recorded_by=actor,
    )
    session.add(recovery)
    session.flush()
    if not after:  # not paid yet: the claim is what is left after it
        _store(
            row, _compute(session, org, row.buyer_id, row.loss_date, ClaimEvent(row.event), row.id)
        )
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="claim_recovery",
        entity="claims",
        entity_key=str(claim_id),
        after={
            "received_on": received_on.isoformat(),
            "amount": str(amount),
            "costs": str(costs),
            "after_payment": after,
            "insurer_share": str(share.insurer) if share else None,
            "seller_share": str(share.seller) if share else None,
        },
    )
    return _record(session, row, received_on)


def _policy_row(session: Session, row: Claim) -> InsurancePolicy:
    policy = session.get(InsurancePolicy, row.policy_id)
    assert policy is not None  # a foreign key
    return policy


# --- premium --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclarationRecord:
    id: int
    policy_number: str
    month: dt.date
    currency: str
    computed_turnover: Decimal
    turnover: Decimal
    premium: Decimal
    status: str
    adjustment_reason: str | None

    @classmethod
    def of(cls, row: PremiumDeclaration, policy: Policy) -> DeclarationRecord:
        money = partial(from_minor, currency=policy.currency)
        return cls(
            row.id,
            policy.number,
            row.month,
            policy.currency,
            money(row.computed_turnover),
            money(row.turnover),
            money(row.premium),
            row.status,
            row.adjustment_reason,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy": self.policy_number,
            "month": self.month.strftime("%Y-%m"),
            "currency": self.currency,
            "computed_turnover": str(self.computed_turnover),
            "turnover": str(self.turnover),
            "premium": str(self.premium),
            "status": self.status,
            "adjustment_reason": self.adjustment_reason,
        }


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def declare_premium(
    session: Session,
    org: Org,
    month: dt.date,
    actor: str,
    *,
    turnover: Decimal | None = None,
    reason: str | None = None,
    submit: bool = False,
    data: CoverData | None = None,
) -> DeclarationRecord:
    """The month's declaration: insured turnover computed from the ledger (invoices issued
    that month, the part covered at delivery), adjusted by ``turnover`` with a reason, then
    submitted (fixed). Declaring again recomputes a draft; a submitted one is refused.
    ``data``: the cover judged on a later day (what was covered at delivery does not
    change after it), so that the cycle judges the ledger once for every month."""
    month = month.replace(day=1)
    end = _month_end(month)
    record = policy_on(session, org, end) or require_policy(session, org, month)
    policy = record.policy
    row = repository.declaration(session, record.id, month)
    if row is not None and row.status == "submitted":
        raise ConflictError(f"the declaration for {month:%Y-%m} was submitted: it is fixed")
    if turnover is not None and not (reason or "").strip():
        raise InvalidInputError("an adjusted turnover needs a reason", "reason")
    data = data or cover_data(session, org, end, policy=record)
    computed = from_minor(premium_core.insured_turnover(data.cover, month), policy.currency)
    declared = computed if turnover is None else turnover
    premium = premium_core.premium_due(policy, declared)
    before = None if row is None else DeclarationRecord.of(row, policy).as_dict()
    if row is None:
        row = PremiumDeclaration(org_id=org.id, policy_id=record.id, month=month)
        session.add(row)
    row.computed_turnover = to_minor(computed, policy.currency)
    row.turnover = to_minor(declared, policy.currency)
    row.premium = to_minor(premium, policy.currency)
    row.adjustment_reason = reason if turnover is not None else None
    row.status = "submitted" if submit else "draft"
    row.updated_by = actor
    row.submitted_at = dt.datetime.now(dt.UTC) if submit else None
    session.flush()
    result = DeclarationRecord.of(row, policy)
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action="declare_premium",
        entity="premium_declarations",
        entity_key=f"{policy.number}:{month:%Y-%m}",
        before=before,
        after=result.as_dict(),
    )
    return result


def declarations(session: Session, org: Org, on: dt.date) -> list[DeclarationRecord]:
    record = require_policy(session, org, on)
    return [
        DeclarationRecord.of(r, record.policy) for r in repository.declarations(session, record.id)
    ]


@dataclass(frozen=True, slots=True)
class TrueUp:
    policy_number: str
    currency: str
    period_end: dt.date
    premiums: Decimal  # declared so far (drafts included)
    minimum_premium: Decimal
    true_up: Decimal  # what the minimum premium adds at the end of the period
    months_declared: int
    final: bool  # the period is over

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy_number,
            "currency": self.currency,
            "period_end": self.period_end.isoformat(),
            "premiums": str(self.premiums),
            "minimum_premium": str(self.minimum_premium),
            "true_up": str(self.true_up),
            "months_declared": self.months_declared,
            "final": self.final,
        }


def true_up(session: Session, org: Org, on: dt.date) -> TrueUp:
    """The minimum-premium true-up of the policy in force on ``on``: final once its
    period is over, provisional before."""
    record = require_policy(session, org, on)
    policy = record.policy
    rows = [DeclarationRecord.of(r, policy) for r in repository.declarations(session, record.id)]
    premiums = [r.premium for r in rows]
    return TrueUp(
        policy.number,
        policy.currency,
        policy.end,
        sum(premiums, Decimal(0)),
        policy.minimum_premium,
        premium_core.minimum_premium_true_up(policy, premiums),
        len(rows),
        on >= policy.end,
    )


# --- the daily cycle ------------------------------------------------------------------


def cycle_summary(session: Session, org: Org, as_of: dt.date) -> dict[str, Any]:
    """What the insurance step reports each day: the insured exposure (and what an
    e-commerce policy's aggregate limit leaves of it), the notifications due and missed,
    the claims whose payout clock is breached, the premium drafts of the months ended since
    the policy started that had none (each month drafted once)."""
    record = policy_on(session, org, as_of)
    if record is None:
        return {"policy": None}
    data = cover_data(session, org, as_of, policy=record)
    due = notifications_due(session, org, as_of, data=data)
    drafted = []
    month = record.policy.start.replace(day=1)
    while _month_end(month) < as_of:  # every whole month so far, once
        if repository.declaration(session, record.id, month) is None:
            drafted.append(
                declare_premium(session, org, month, "cycle", data=data).as_dict()["month"]
            )
        month = _month_end(month) + dt.timedelta(days=1)
    breached = [
        c.id
        for c in list_claims(session, org, as_of)
        if c.payout_breached and c.status != ClaimStatus.PAID
    ]
    insured, left = cover_core.aggregate_use(data.cover, record.policy)
    currency = record.policy.currency
    return {
        "policy": record.policy.number,
        "insured_exposure": str(from_minor(insured, currency)),
        "aggregate_left": None if left is None else str(from_minor(left, currency)),
        "notifications_due": sum(1 for n in due if n.status == "due"),
        "notifications_missed": sum(1 for n in due if n.status == "missed"),
        "buyers_to_notify": len({n.buyer_id for n in due if n.status in {"due", "missed"}}),
        "claims_payout_breached": breached,
        "premium_drafted": drafted,
    }
