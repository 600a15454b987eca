"""The seller's credit insurance: its policies, the insurer's limits, the cover on every
invoice and order screening's ``insured`` answer, overdue notifications.

Cover is judged from the ledger on a date, never stored: the same rules
(``domain.insurance.cover``) answer the buyer page, order screening, the notification
list and a claim (``insurance.claims``), so they cannot disagree. Amounts are converted
to the policy's currency with the FX rates on that date. Every change (a policy, a limit
decision, a notification) is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from tradeguard.audit import service as audit
from tradeguard.credit import service as credit
from tradeguard.domain.credit.grading import CLASSES, class_codes
from tradeguard.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tradeguard.domain.identity.access import Org
from tradeguard.domain.insurance import cover as cover_core
from tradeguard.domain.insurance import notifications as timers
from tradeguard.domain.insurance.policy import Policy, PolicyVariant
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.ledger.snapshot import Converter, MissingFxRateError, rates_on
from tradeguard.domain.money import convert_minor, from_minor, quantize, to_minor
from tradeguard.domain.receivables.ageing import GradesNotComputedError
from tradeguard.insurance import repository
from tradeguard.insurance.models import (
    InsurancePolicy,
    OverdueNotification,
)
from tradeguard.ledger import repository as ledger
from tradeguard.ledger.models import InsurerLimit
from tradeguard.limits import service as limits

NO_POLICY = "no insurance policy is in force on {on}; load one: tradeguard policy load FILE.toml"


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


def _converted_allocations(
    allocations: pl.DataFrame, invoices: pl.DataFrame, converter: Converter
) -> pl.DataFrame:
    """The allocations in the policy's currency, each the step of its invoice's settled
    total converted: converting every part alone leaves a rounding residue (an invoice
    paid in full in SEK would stay 0.01 EUR open and miss its notification deadline);
    the steps add up to the converted total, and a settled invoice to its amount."""
    return (
        allocations.join(invoices.select("invoice_id", "currency"), on="invoice_id")
        .sort("invoice_id", "date")
        .with_columns(total=pl.col("amount").cum_sum().over("invoice_id"))
        .pipe(
            lambda frame: frame.with_columns(
                total=converter.convert(frame["total"], converter.index(frame["currency"]))
            )
        )
        .select(
            "invoice_id",
            "date",
            amount=pl.col("total") - pl.col("total").shift(1, fill_value=0).over("invoice_id"),
        )
    )


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
    allocations = _converted_allocations(allocations, invoices, converter)
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
    within the maximum credit period, no notification yet and no deadline missed, and the
    buyer's exposure (``exposure_base``, open receivables) plus the order within the
    limit, compared in the base currency? None without a policy in force. Order
    screening asks this: a few indexed reads, the buyer's cover only where a deadline
    may have been missed, no ledger scan."""
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
    if limit_base is None or to_minor(amount_base + exposure_base, base) > limit_base:
        return False
    return not _missed_a_deadline(session, org, record, buyer_id, on)


def _missed_a_deadline(
    session: Session, org: Org, record: PolicyRecord, buyer_id: str, on: dt.date
) -> bool:
    """Whether a notification deadline of the buyer passed unreported by ``on`` (then no
    later delivery is covered). A buyer none of whose invoices was open on its deadline
    is answered from two indexed reads; the others from their cover, where a missed
    deadline shows as ``notification_missed`` (a reason no earlier rule hides: only an
    invoice insured at delivery can miss its deadline)."""
    policy = record.policy
    days = policy.notification_deadline_days
    due_before = on - dt.timedelta(days=days)
    if not repository.open_at_deadline(session, org.id, buyer_id, days, due_before, policy.start):
        return False
    cover = cover_data(session, org, on, buyer_id, record).cover
    return bool((cover["reason"] == CoverReason.NOTIFICATION_MISSED).any())


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
