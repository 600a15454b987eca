"""The insurance cover on every invoice at once: how much of it the policy insures, and
the first reason (``CoverReason``) why some or all of it is not insured.

All amounts are Int64 minor units of the policy currency (the caller converts). The
rules, checked in ``CoverReason``'s order (docs/insurance.md, ../DESIGN.md):

- delivered (the delivery date, else the issue date) outside the policy period;
- the buyer's country is excluded;
- terms (issue to due date) longer than the maximum credit period;
- no limit in force at delivery: the insurer's latest decision effective on or before
  the delivery, unless it expired before it (``expiry_date`` is its last day), or, while
  the insurer has decided nothing on the buyer, the discretionary limit where its
  conditions hold and the delivery came before the buyer's first adverse news (what was
  delivered before an insolvency is what its claim is for). A decision of 0 is a
  refusal; once the insurer has decided, the discretionary limit never applies again,
  not even after a decision expires;
- delivered after the buyer's first overdue notification (stop-shipment);
- the invoice's notification deadline (due date + N days) passed while it was still
  open and its buyer unreported: the cover on it is lost, and on every delivery to that
  buyer after the earliest such deadline. The deadline day itself still allows the
  notification. Only invoices that were insured at delivery can miss a deadline;
- the part above the limit: the buyer's exposure just before a delivery is what its
  earlier deliveries (earlier day, or same day and smaller invoice_id) still had open
  on that day; the delivery is insured up to what the limit leaves (C3 in ../PEERS.md);
- a dispute open on ``as_of``, or resolved as justified (a credit note is due).

An invoice's reason is the first that applies, but a dispute always takes its cover:
an invoice partly over its limit and disputed shows ``over_limit`` and covers 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from tradeguard.domain.disputes import DisputeOutcome
from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.money import to_minor

INVOICES_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "delivery_date": pl.Date,  # null: delivered on the issue date
    "amount": pl.Int64,
}
OPEN_SCHEMA = {"invoice_id": pl.String, "open": pl.Int64}
ALLOCATIONS_SCHEMA = {"invoice_id": pl.String, "date": pl.Date, "amount": pl.Int64}
BUYERS_SCHEMA = {"buyer_id": pl.String, "country": pl.String}
LIMITS_SCHEMA = {
    "buyer_id": pl.String,
    "amount": pl.Int64,  # 0: a refusal
    "effective_date": pl.Date,
    "expiry_date": pl.Date,  # the decision's last day; null: until replaced
}
NOTIFICATIONS_SCHEMA = {"buyer_id": pl.String, "notified_on": pl.Date}
DISPUTES_SCHEMA = {
    "invoice_id": pl.String,
    "opened_on": pl.Date,
    "resolved_on": pl.Date,
    "outcome": pl.String,  # DisputeOutcome, null while open
}
DISCRETIONARY_SCHEMA = {
    "buyer_id": pl.String,
    "allowed": pl.Boolean,
    "adverse_on": pl.Date,  # the buyer's first adverse news; null: none
}
BUYERS_CLASSES_SCHEMA = {"buyer_id": pl.String, "credit_class": pl.String}
COVER_SCHEMA = {
    "invoice_id": pl.String,
    "buyer_id": pl.String,
    "issue_date": pl.Date,
    "delivered_on": pl.Date,
    "due_date": pl.Date,
    "amount": pl.Int64,
    "open": pl.Int64,
    "limit": pl.Int64,
    "exposure_before": pl.Int64,
    "covered_at_delivery": pl.Int64,
    "covered": pl.Int64,
    "reason": pl.String,
    "deadline": pl.Date,
}
BUYER_COVER_SCHEMA = {
    "buyer_id": pl.String,
    "open": pl.Int64,
    "covered": pl.Int64,
    "uncovered": pl.Int64,
    "invoices": pl.UInt32,
    "excluded": pl.UInt32,
}


def _typed(frame: pl.DataFrame, schema: Mapping[str, type[pl.DataType]]) -> pl.LazyFrame:
    """Only the columns the rules read, in their types (a missing column fails here)."""
    return frame.lazy().select(pl.col(name).cast(kind) for name, kind in schema.items())


def invoice_cover(
    invoices: pl.DataFrame,
    open_amounts: pl.DataFrame,
    allocations: pl.DataFrame,
    buyers: pl.DataFrame,
    limits: pl.DataFrame,
    notifications: pl.DataFrame,
    disputes: pl.DataFrame,
    policy: Policy,
    as_of: dt.date,
    discretionary: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The cover on each invoice issued on or before ``as_of`` (``COVER_SCHEMA``, in the
    order of ``invoices``).

    ``open_amounts``: what is open on ``as_of`` (an invoice absent is paid);
    ``allocations``: the payments and credit notes that settled each invoice, dated;
    ``limits``: the insurer's decisions with their history; ``notifications``: the
    overdue notifications sent; ``discretionary``: the buyers for which the policy's
    conditions for the discretionary limit hold, for deliveries before ``adverse_on``
    (None: every buyer; a buyer absent from the frame: not). ``covered_at_delivery`` is
    what was insured when delivered, the base of the premium; ``covered`` the insured
    part of what is open on ``as_of``.
    """
    issued = (
        _typed(invoices, INVOICES_SCHEMA)
        .filter(pl.col("issue_date") <= as_of)
        .with_row_index("row")
        .with_columns(delivered_on=pl.coalesce("delivery_date", "issue_date"))
        .drop("delivery_date")
        .sort("buyer_id", "delivered_on", "invoice_id")
        .with_row_index("seq")  # delivery order: buyer, day, invoice_id
    )
    paid = _typed(allocations, ALLOCATIONS_SCHEMA).filter(pl.col("date") <= as_of)
    first_notified = (
        _typed(notifications, NOTIFICATIONS_SCHEMA)
        .filter(pl.col("notified_on") <= as_of)
        .group_by("buyer_id")
        .agg(first_notified=pl.col("notified_on").min())
    )
    deadline = pl.col("due_date") + pl.duration(days=policy.notification_deadline_days)
    frame = (
        issued.join(_exposure_before(issued, paid), on="seq", how="left")
        .join(_limit_at_delivery(issued, limits, policy, discretionary), on="seq", how="left")
        .join(_typed(open_amounts, OPEN_SCHEMA), on="invoice_id", how="left")
        .join(
            _typed(buyers, BUYERS_SCHEMA).unique("buyer_id", keep="first"),
            on="buyer_id",
            how="left",
        )
        .join(first_notified, on="buyer_id", how="left")
        .join(_disputed(disputes, as_of), on="invoice_id", how="left")
        .join(_settled_by_deadline(issued, paid, deadline), on="invoice_id", how="left")
        .with_columns(open=pl.col("open").fill_null(0), deadline=deadline)
    )
    return _apply_rules(frame, policy, as_of).sort("row").select(*COVER_SCHEMA).collect()


def _exposure_before(issued: pl.LazyFrame, paid: pl.LazyFrame) -> pl.LazyFrame:
    """seq, exposure_before: one running sum per buyer over deliveries (+amount) and
    allocations (−amount), in the order that makes each delivery see exactly its earlier
    deliveries less what was allocated to them on or before its day.

    Events go by day, then by their invoice's delivery order, the delivery before its
    allocations. An allocation counts from the later of its date and its invoice's
    delivery (money received in advance counts once the invoice exists): so a delivery
    sees the allocations of an earlier day, and those of the same day on the invoices
    delivered before it, never its own.
    """
    deliveries = issued.select(
        "buyer_id", day="delivered_on", invoice="seq", allocation=pl.lit(False), change="amount"
    )
    settlements = paid.join(
        issued.select("invoice_id", "buyer_id", "delivered_on", "seq"), on="invoice_id"
    ).select(
        "buyer_id",
        day=pl.max_horizontal("date", "delivered_on"),
        invoice="seq",
        allocation=pl.lit(True),
        change=-pl.col("amount"),
    )
    return (
        pl.concat([deliveries, settlements])
        .sort("buyer_id", "day", "invoice", "allocation")
        .with_columns(running=pl.col("change").cum_sum().over("buyer_id"))
        .filter(~pl.col("allocation"))
        .select(seq="invoice", exposure_before=pl.col("running") - pl.col("change"))
    )


def _limit_at_delivery(
    issued: pl.LazyFrame,
    limits: pl.DataFrame,
    policy: Policy,
    discretionary: pl.DataFrame | None,
) -> pl.LazyFrame:
    """seq, limit: the insurer's decision in force at delivery (0 for a refusal, null once
    expired), else, while it decided nothing, the discretionary limit where allowed and
    delivered before the buyer's adverse news."""
    decisions = (
        _typed(limits, LIMITS_SCHEMA)
        .rename({"amount": "decided"})
        .sort("effective_date", maintain_order=True)
        # of two decisions effective the same day, the later one in the frame holds
        .unique(["buyer_id", "effective_date"], keep="last", maintain_order=True)
    )
    deliveries = issued.select("seq", "buyer_id", "delivered_on").sort("delivered_on")
    in_force = deliveries.join_asof(
        decisions,
        left_on="delivered_on",
        right_on="effective_date",
        by="buyer_id",
        strategy="backward",
        check_sortedness=False,  # both sides are sorted by day, so within each buyer too
    )
    if discretionary is None:
        allowed: pl.Expr = pl.lit(True)
    else:
        in_force = in_force.join(
            _typed(discretionary, DISCRETIONARY_SCHEMA).unique("buyer_id", keep="last"),
            on="buyer_id",
            how="left",
        )
        before_adverse = pl.col("adverse_on").is_null() | (
            pl.col("delivered_on") < pl.col("adverse_on")
        )
        allowed = pl.col("allowed").fill_null(False) & before_adverse
    discretionary_limit = to_minor(policy.discretionary_limit, policy.currency)
    expired = pl.col("expiry_date").is_not_null() & (pl.col("expiry_date") < pl.col("delivered_on"))
    limit = (
        pl.when(pl.col("effective_date").is_not_null())
        .then(pl.when(expired).then(None).otherwise(pl.col("decided")))
        .when(allowed)
        .then(pl.lit(discretionary_limit, dtype=pl.Int64))
    )
    return in_force.select("seq", limit=limit)


def _settled_by_deadline(
    issued: pl.LazyFrame, paid: pl.LazyFrame, deadline: pl.Expr
) -> pl.LazyFrame:
    """invoice_id, settled_by_deadline: what was allocated to it up to its deadline day."""
    return (
        issued.select("invoice_id", deadline=deadline)
        .join(paid, on="invoice_id")
        .filter(pl.col("date") <= pl.col("deadline"))
        .group_by("invoice_id")
        .agg(settled_by_deadline=pl.col("amount").sum())
    )


def _disputed(disputes: pl.DataFrame, as_of: dt.date) -> pl.LazyFrame:
    """invoice_id, disputed: a dispute open on ``as_of``, or resolved by then as justified."""
    opened = pl.col("opened_on") <= as_of
    resolved = pl.col("resolved_on").is_not_null() & (pl.col("resolved_on") <= as_of)
    justified = resolved & (pl.col("outcome") == DisputeOutcome.JUSTIFIED.value)
    return (
        _typed(disputes, DISPUTES_SCHEMA)
        .filter(opened & (~resolved | justified))
        .select("invoice_id", disputed=pl.lit(True))
        .unique("invoice_id")
    )


def _apply_rules(frame: pl.LazyFrame, policy: Policy, as_of: dt.date) -> pl.LazyFrame:
    """The reason and the cover of each invoice from the columns joined beside it."""
    delivered, notified = pl.col("delivered_on"), pl.col("first_notified")
    outside = ~delivered.is_between(policy.start, policy.end)
    excluded = pl.col("country").is_in(sorted(policy.excluded_countries)).fill_null(False)
    terms = (pl.col("due_date") - pl.col("issue_date")).dt.total_days()
    long_terms = terms > policy.maximum_credit_period_days
    no_limit = pl.col("limit").fill_null(0) <= 0
    after_stop = (delivered > notified).fill_null(False)
    uninsured_at_delivery = outside | excluded | long_terms | no_limit | after_stop
    open_at_deadline = pl.col("amount") - pl.col("settled_by_deadline").fill_null(0) > 0
    unreported = notified.is_null() | (notified > pl.col("deadline"))
    own_missed = (
        ~uninsured_at_delivery & (pl.col("deadline") < as_of) & open_at_deadline & unreported
    )
    first_missed = pl.col("deadline").filter(own_missed).min().over("buyer_id")
    after_missed = (delivered > first_missed).fill_null(False)
    lost_at_delivery = uninsured_at_delivery | after_missed
    disputed = pl.col("disputed").fill_null(False)
    within_limit = (pl.col("limit") - pl.col("exposure_before")).clip(0, pl.col("amount"))
    covered_at_delivery = pl.when(lost_at_delivery).then(0).otherwise(within_limit)
    reason = (
        pl.when(outside)
        .then(pl.lit(CoverReason.OUTSIDE_POLICY_PERIOD.value))
        .when(excluded)
        .then(pl.lit(CoverReason.COUNTRY_EXCLUDED.value))
        .when(long_terms)
        .then(pl.lit(CoverReason.TERMS_BEYOND_MAXIMUM.value))
        .when(no_limit)
        .then(pl.lit(CoverReason.NO_LIMIT.value))
        .when(after_stop)
        .then(pl.lit(CoverReason.AFTER_STOP_SHIPMENT.value))
        .when(own_missed | after_missed)
        .then(pl.lit(CoverReason.NOTIFICATION_MISSED.value))
        .when(pl.col("covered_at_delivery") < pl.col("amount"))
        .then(pl.lit(CoverReason.OVER_LIMIT.value))
        .when(disputed)
        .then(pl.lit(CoverReason.DISPUTED.value))
    )
    covered = (
        pl.when(own_missed | after_missed | disputed)
        .then(0)
        .otherwise(pl.min_horizontal("open", "covered_at_delivery"))
    )
    return frame.with_columns(covered_at_delivery=covered_at_delivery.cast(pl.Int64)).with_columns(
        reason=reason.cast(pl.String), covered=covered.cast(pl.Int64)
    )


def buyer_cover(cover: pl.DataFrame) -> pl.DataFrame:
    """Per buyer (``BUYER_COVER_SCHEMA``, by buyer_id): what is open, insured and not, and
    how many of its invoices there are and how many have a reason."""
    return (
        cover.lazy()
        .group_by("buyer_id")
        .agg(
            open=pl.col("open").sum(),
            covered=pl.col("covered").sum(),
            uncovered=(pl.col("open") - pl.col("covered")).sum(),
            invoices=pl.len(),
            excluded=pl.col("reason").is_not_null().sum(),
        )
        .sort("buyer_id")
        .select(pl.col(name).cast(kind) for name, kind in BUYER_COVER_SCHEMA.items())
        .collect()
    )


def ecommerce_limits(
    buyers_classes: pl.DataFrame, policy: Policy, effective: dt.date
) -> pl.DataFrame:
    """An e-commerce policy's limits (``LIMITS_SCHEMA``): each buyer of
    ``buyers_classes`` (``BUYERS_CLASSES_SCHEMA``) is capped by its credit class from
    ``effective`` on; a buyer without a class gets no limit."""
    if policy.ecommerce_caps is None:
        raise InvalidInputError(f"policy {policy.number} has no e-commerce caps")
    caps = {c: to_minor(cap, policy.currency) for c, cap in policy.ecommerce_caps.items()}
    classed = _typed(buyers_classes, BUYERS_CLASSES_SCHEMA).filter(
        pl.col("credit_class").is_not_null()
    )
    unknown = sorted(
        set(classed.select("credit_class").unique().collect()["credit_class"]) - set(caps)
    )
    if unknown:
        raise InvalidInputError(
            f"credit classes without an e-commerce cap: {', '.join(unknown)}"
            f" (the policy caps {', '.join(sorted(caps))})"
        )
    return classed.select(
        "buyer_id",
        amount=pl.col("credit_class").replace_strict(caps, return_dtype=pl.Int64),
        effective_date=pl.lit(effective, dtype=pl.Date),
        expiry_date=pl.lit(None, dtype=pl.Date),
    ).collect()


def aggregate_use(cover: pl.DataFrame, policy: Policy) -> tuple[int, int | None]:
    """The insured exposure on all buyers (minor units) and what the policy's aggregate
    limit still leaves (0 when used up; None when the policy has no aggregate)."""
    covered = int(cover["covered"].sum())
    if policy.ecommerce_aggregate_limit is None:
        return covered, None
    aggregate = to_minor(policy.ecommerce_aggregate_limit, policy.currency)
    return covered, max(0, aggregate - covered)
