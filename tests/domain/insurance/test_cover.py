"""The cover on each invoice on small hand-built ledgers: every rule alone, their order,
the limit in force and the exposure below it; a random ledger against a plain loop."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.domain.insurance.cover_policy import POLICY, day
from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.cover import (
    ALLOCATIONS_SCHEMA,
    BUYERS_CLASSES_SCHEMA,
    BUYERS_SCHEMA,
    COVER_SCHEMA,
    DISCRETIONARY_SCHEMA,
    DISPUTES_SCHEMA,
    INVOICES_SCHEMA,
    LIMITS_SCHEMA,
    NOTIFICATIONS_SCHEMA,
    OPEN_SCHEMA,
    aggregate_use,
    buyer_cover,
    ecommerce_limits,
    invoice_cover,
)
from tradeguard.domain.insurance.policy import Policy, PolicyVariant
from tradeguard.domain.insurance.reasons import CoverReason

LIMIT_B1 = ("B1", 10_000, day(1, 1), None)
BUYERS = [("B1", "DE"), ("B2", "RU"), ("B3", "FR")]


def inv(
    invoice_id: str,
    issue: dt.date,
    due: dt.date,
    amount: int,
    buyer: str = "B1",
    delivered: dt.date | None = None,
) -> tuple[str, str, dt.date, dt.date, dt.date | None, int]:
    return (invoice_id, buyer, issue, due, delivered, amount)


def _frame(rows: Sequence[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _cover(
    invoices: Sequence[tuple[str, str, dt.date, dt.date, dt.date | None, int]],
    as_of: dt.date,
    *,
    allocations: Sequence[tuple[str, dt.date, int]] = (),
    limits: Sequence[tuple[str, int, dt.date, dt.date | None]] = (LIMIT_B1,),
    notifications: Sequence[tuple[str, dt.date]] = (),
    disputes: Sequence[tuple[str, dt.date, dt.date | None, str | None]] = (),
    discretionary: Sequence[tuple[str, bool, dt.date | None]] | None = None,
    policy: Policy = POLICY,
) -> dict[str, dict[str, Any]]:
    """Each invoice's cover row by invoice_id; what is open on as_of is the amount less
    the allocations dated on or before it."""
    open_amounts = [
        (i[0], i[5] - sum(a[2] for a in allocations if a[0] == i[0] and a[1] <= as_of))
        for i in invoices
    ]
    cover = invoice_cover(
        _frame(invoices, INVOICES_SCHEMA),
        _frame([o for o in open_amounts if o[1]], OPEN_SCHEMA),
        _frame(allocations, ALLOCATIONS_SCHEMA),
        _frame(BUYERS, BUYERS_SCHEMA),
        _frame(limits, LIMITS_SCHEMA),
        _frame(notifications, NOTIFICATIONS_SCHEMA),
        _frame(disputes, DISPUTES_SCHEMA),
        policy,
        as_of,
        None if discretionary is None else _frame(discretionary, DISCRETIONARY_SCHEMA),
    )
    assert cover.schema == pl.Schema(COVER_SCHEMA)
    return {row["invoice_id"]: row for row in cover.to_dicts()}


def _reasons(rows: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    return {k: r["reason"] for k, r in rows.items()}


def test_an_invoice_within_every_rule_is_covered_for_what_is_open() -> None:
    rows = _cover(
        [inv("I1", day(3, 1), day(3, 31), 4000)],
        day(4, 15),
        allocations=[("I1", day(4, 1), 1500)],
    )
    # open 4000 − 1500 = 2500; insured at delivery: all 4000 (limit 10000, nothing before)
    assert rows["I1"] | {} == {
        "invoice_id": "I1",
        "buyer_id": "B1",
        "issue_date": day(3, 1),
        "delivered_on": day(3, 1),
        "due_date": day(3, 31),
        "amount": 4000,
        "open": 2500,
        "limit": 10_000,
        "exposure_before": 0,
        "covered_at_delivery": 4000,
        "covered": 2500,
        "reason": None,
        "deadline": day(5, 30),  # 31 March + 60 days: 30 (April) + 30
    }


def test_invoices_issued_after_as_of_are_left_out() -> None:
    rows = _cover(
        [inv("I1", day(3, 1), day(3, 31), 100), inv("I2", day(3, 2), day(4, 1), 100)], day(3, 1)
    )
    assert list(rows) == ["I1"]


def test_delivered_outside_the_policy_period() -> None:
    rows = _cover(
        [
            inv("before", day(12, 31, 2023), day(1, 30), 1000),
            inv("first_day", day(1, 1), day(1, 31), 1000),
            inv("last_day", day(12, 31), day(1, 30, 2025), 1000),
            # issued inside, delivered after the end: the delivery date counts
            inv("after", day(12, 30), day(1, 29, 2025), 1000, delivered=day(1, 2, 2025)),
        ],
        day(1, 3, 2025),
        allocations=[("before", day(1, 30), 1000), ("first_day", day(1, 31), 1000)],
    )
    assert _reasons(rows) == {
        "before": CoverReason.OUTSIDE_POLICY_PERIOD,
        "first_day": None,
        "last_day": None,
        "after": CoverReason.OUTSIDE_POLICY_PERIOD,
    }
    assert rows["after"]["delivered_on"] == day(1, 2, 2025)
    assert (rows["after"]["covered_at_delivery"], rows["after"]["covered"]) == (0, 0)
    # 1000 of last_day was open before "after" was delivered: still 9000 left, all 1000 fit
    assert (rows["last_day"]["covered"], rows["after"]["exposure_before"]) == (1000, 1000)


def test_a_buyer_in_an_excluded_country() -> None:
    rows = _cover(
        [inv("I1", day(3, 1), day(3, 31), 1000, buyer="B2")],
        day(3, 15),
        limits=[("B2", 10_000, day(1, 1), None)],
    )
    assert rows["I1"]["reason"] == CoverReason.COUNTRY_EXCLUDED
    assert (rows["I1"]["limit"], rows["I1"]["covered"]) == (10_000, 0)


def test_terms_beyond_the_maximum_credit_period() -> None:
    # 1 March + 90 days = 30 May (30 to 31 March, 30 in April, 30 in May)
    rows = _cover(
        [inv("90", day(3, 1), day(5, 30), 1000), inv("91", day(3, 1), day(5, 31), 1000)],
        day(3, 15),
    )
    assert _reasons(rows) == {"90": None, "91": CoverReason.TERMS_BEYOND_MAXIMUM}
    assert (rows["90"]["covered"], rows["91"]["covered"]) == (1000, 0)


def test_no_decision_and_no_discretionary_limit_is_no_limit() -> None:
    rows = _cover(
        [inv("I1", day(3, 1), day(3, 31), 1000, buyer="B3")],
        day(3, 15),
        discretionary=[("B3", False, None)],
    )
    assert rows["I1"]["reason"] == CoverReason.NO_LIMIT
    assert (rows["I1"]["limit"], rows["I1"]["covered"]) == (None, 0)


def test_the_discretionary_limit_holds_while_the_insurer_decided_nothing() -> None:
    invoices = [inv("I1", day(3, 1), day(3, 31), 3000, buyer="B3")]
    # 50.00 EUR = 5000 minor units; 3000 fits under it
    for discretionary in (None, [("B3", True, None)]):
        rows = _cover(invoices, day(3, 15), discretionary=discretionary)
        assert (rows["I1"]["limit"], rows["I1"]["covered"], rows["I1"]["reason"]) == (
            5000,
            3000,
            None,
        )
    # a buyer the frame does not name: the conditions are not known to hold
    rows = _cover(invoices, day(3, 15), discretionary=[("B1", True, None)])
    assert rows["I1"]["reason"] == CoverReason.NO_LIMIT


def test_the_discretionary_limit_covers_what_was_delivered_before_adverse_news() -> None:
    invoices = [
        inv("before", day(3, 1), day(3, 31), 3000, buyer="B3"),
        inv("that_day", day(3, 10), day(4, 9), 1000, buyer="B3"),
        inv("after", day(3, 11), day(4, 10), 1000, buyer="B3"),
    ]
    # insolvent on 10 March: known that day, so a delivery on it is no longer within
    # the discretionary limit, while the one of 1 March keeps its cover for the claim
    rows = _cover(invoices, day(3, 15), discretionary=[("B3", True, day(3, 10))])
    assert {k: (r["limit"], r["covered"], r["reason"]) for k, r in rows.items()} == {
        "before": (5000, 3000, None),
        "that_day": (None, 0, CoverReason.NO_LIMIT),
        "after": (None, 0, CoverReason.NO_LIMIT),
    }


def test_the_discretionary_limit_does_not_come_back_after_a_refusal_or_an_expiry() -> None:
    invoices = [
        inv("before", day(1, 20), day(2, 19), 3000, buyer="B3"),
        inv("refused", day(3, 1), day(3, 31), 3000, buyer="B3"),
        inv("in_force", day(3, 31), day(4, 30), 3000, buyer="B1"),
        inv("expired", day(4, 1), day(5, 1), 3000, buyer="B1"),
    ]
    limits = [
        ("B3", 0, day(2, 1), None),  # a refusal from 1 February
        ("B1", 10_000, day(1, 1), day(3, 31)),  # valid to 31 March inclusive
    ]
    rows = _cover(invoices, day(4, 2), limits=limits)
    assert {k: (r["limit"], r["reason"]) for k, r in rows.items()} == {
        "before": (5000, None),  # no decision yet on 20 January: the discretionary limit
        "refused": (0, CoverReason.NO_LIMIT),
        "in_force": (10_000, None),
        "expired": (None, CoverReason.NO_LIMIT),
    }


def test_the_decision_in_force_at_delivery_is_the_latest_effective_before_it() -> None:
    rows = _cover(
        [
            inv("I1", day(3, 15), day(4, 14), 5000),
            inv("I2", day(4, 15), day(5, 15), 5000),
            inv("I3", day(4, 15), day(5, 15), 700, buyer="B3"),
        ],
        day(4, 20),
        limits=[
            ("B1", 2000, day(4, 1), None),  # the frame's order does not matter
            ("B1", 10_000, day(1, 1), None),
            ("B3", 500, day(4, 15), None),  # two decisions the same day: the later one holds
            ("B3", 800, day(4, 15), None),
        ],
    )
    assert {k: r["limit"] for k, r in rows.items()} == {"I1": 10_000, "I2": 2000, "I3": 800}
    # I2: 5000 of I1 open before it, over the 2000 limit: clamp(2000 − 5000, 0, 5000) = 0
    assert (rows["I2"]["covered_at_delivery"], rows["I2"]["reason"]) == (0, "over_limit")
    assert rows["I3"]["covered"] == 700


def test_delivered_after_the_buyers_notification_is_after_stop_shipment() -> None:
    rows = _cover(
        [
            inv("same_day", day(4, 10), day(5, 10), 1000),
            inv("day_after", day(4, 11), day(5, 11), 1000),
            inv("other_buyer", day(4, 11), day(5, 11), 1000, buyer="B3"),
        ],
        day(4, 20),
        notifications=[("B1", day(4, 15)), ("B1", day(4, 10)), ("B3", day(4, 21))],
    )
    # B1's first notification is 10 April; B3's is after as_of and does not count yet
    assert _reasons(rows) == {
        "same_day": None,
        "day_after": CoverReason.AFTER_STOP_SHIPMENT,
        "other_buyer": None,
    }
    assert (rows["day_after"]["covered_at_delivery"], rows["day_after"]["covered"]) == (0, 0)


def _missed(as_of: dt.date, **extra: Any) -> dict[str, dict[str, Any]]:
    # I1 due 1 February: deadline 1 April (1 Feb + 60 = 28 left in February 2024, 31 in
    # March, 1 April); I2 delivered before that deadline, I3 after it.
    invoices = [
        inv("I1", day(1, 2), day(2, 1), 2000),
        inv("I2", day(3, 1), day(3, 31), 1000),
        inv("I3", day(4, 5), day(5, 5), 1000),
    ]
    return _cover([i for i in invoices if i[2] <= as_of], as_of, **extra)


def test_a_missed_deadline_loses_the_invoice_and_later_deliveries_to_the_buyer() -> None:
    assert _reasons(_missed(day(4, 1))) == {"I1": None, "I2": None}  # the deadline day
    rows = _missed(day(4, 10))
    assert _reasons(rows) == {
        "I1": CoverReason.NOTIFICATION_MISSED,
        "I2": None,  # delivered before the missed deadline; its own runs to 30 May
        "I3": CoverReason.NOTIFICATION_MISSED,
    }
    # I1 was insured when delivered (the premium stays due on it); I3 never was
    assert [(r["covered_at_delivery"], r["covered"]) for r in rows.values()] == [
        (2000, 0),
        (1000, 1000),
        (0, 0),
    ]


def test_a_deadline_is_not_missed_when_the_invoice_was_paid_or_its_buyer_notified_by_then() -> None:
    paid_on_deadline_day = _missed(day(4, 10), allocations=[("I1", day(4, 1), 2000)])
    assert _reasons(paid_on_deadline_day) == {"I1": None, "I2": None, "I3": None}
    partly_paid = _missed(day(4, 10), allocations=[("I1", day(3, 1), 1999)])
    # 1 of I1 still open at its deadline: missed; open on as_of 2000 − 1999 = 1
    assert _reasons(partly_paid)["I1"] == CoverReason.NOTIFICATION_MISSED
    paid_later = _missed(day(4, 10), allocations=[("I1", day(4, 2), 2000)])
    assert _reasons(paid_later)["I3"] == CoverReason.NOTIFICATION_MISSED
    notified_on_deadline_day = _missed(day(4, 10), notifications=[("B1", day(4, 1))])
    assert _reasons(notified_on_deadline_day) == {
        "I1": None,
        "I2": None,
        "I3": CoverReason.AFTER_STOP_SHIPMENT,
    }


def test_an_invoice_not_insured_at_delivery_misses_no_deadline() -> None:
    # I1's terms are too long (2 January to 1 May: 29 + 29 + 31 + 30 + 1 = 120 days): its
    # deadline 30 June passes unreported, but it was never insured, so I2 keeps its cover
    rows = _cover(
        [inv("I1", day(1, 2), day(5, 1), 2000), inv("I2", day(7, 2), day(8, 1), 1000)],
        day(7, 10),
    )
    assert _reasons(rows) == {"I1": CoverReason.TERMS_BEYOND_MAXIMUM, "I2": None}


def test_the_part_above_the_limit_with_a_payment_between_two_deliveries() -> None:
    rows = _cover(
        [
            inv("I1", day(1, 10), day(2, 9), 8000),
            inv("I2", day(1, 20), day(2, 19), 6000),
            inv("I3", day(1, 25), day(2, 24), 2000),
        ],
        day(1, 31),
        allocations=[("I1", day(1, 20), 3000)],
    )
    # I1: nothing before it, 8000 ≤ 10000: all insured
    # I2: before it, 8000 − 3000 paid on its delivery day = 5000; 10000 − 5000 = 5000 of 6000
    # I3: before it, 5000 + 6000 = 11000 ≥ 10000: nothing insured
    assert [
        (r["exposure_before"], r["covered_at_delivery"], r["reason"]) for r in rows.values()
    ] == [
        (0, 8000, None),
        (5000, 5000, CoverReason.OVER_LIMIT),
        (11_000, 0, CoverReason.OVER_LIMIT),
    ]
    # open on as_of: I1 5000 → min(5000, 8000); I2 6000 → min(6000, 5000); I3 2000 → 0
    assert [r["covered"] for r in rows.values()] == [5000, 5000, 0]


def test_same_day_deliveries_follow_invoice_id_and_see_same_day_payments() -> None:
    rows = _cover(
        [
            inv("B", day(1, 10), day(2, 9), 8000),
            inv("C", day(1, 10), day(2, 9), 7000),
            inv("A", day(1, 10), day(2, 9), 6000),
            inv("D", day(1, 11), day(2, 10), 2000),
        ],
        day(1, 31),
        # B is paid in full on its delivery day; C's payment a day before its delivery
        # counts from the delivery (money received in advance)
        allocations=[("B", day(1, 10), 8000), ("C", day(1, 9), 1000)],
    )
    # A: first of the day, 0 before it. B: A's 6000. C: A 6000 + B 8000 − 8000 = 6000.
    # D: A 6000 + C 7000 − 1000 = 12000
    assert {k: r["exposure_before"] for k, r in rows.items()} == {
        "B": 6000,
        "C": 6000,
        "A": 0,
        "D": 12_000,
    }
    # covered at delivery: A 6000; B min(8000, 10000 − 6000) = 4000; C 4000; D 0
    assert [rows[k]["covered_at_delivery"] for k in "ABCD"] == [6000, 4000, 4000, 0]
    assert list(rows) == ["B", "C", "A", "D"]  # the input's order


def test_a_dispute_open_or_justified_takes_the_cover() -> None:
    invoices = [inv(k, day(3, 1), day(3, 31), 1000) for k in ("open", "valid", "just", "late")]
    rows = _cover(
        [*invoices, inv("resolving", day(3, 1), day(3, 31), 1000)],
        day(4, 10),
        disputes=[
            ("open", day(3, 10), None, None),
            ("valid", day(3, 10), day(4, 1), "valid"),
            ("just", day(3, 10), day(4, 1), "justified"),
            ("late", day(4, 11), None, None),  # opened after as_of
            ("resolving", day(3, 10), day(4, 11), "justified"),  # still open on as_of
        ],
    )
    assert _reasons(rows) == {
        "open": CoverReason.DISPUTED,
        "valid": None,
        "just": CoverReason.DISPUTED,
        "late": None,
        "resolving": CoverReason.DISPUTED,
    }
    assert {k: r["covered"] for k, r in rows.items()} == {
        "open": 0,
        "valid": 1000,
        "just": 0,
        "late": 1000,
        "resolving": 0,
    }
    # still insured at delivery: the premium on it stays due
    assert rows["open"]["covered_at_delivery"] == 1000


def test_the_first_reason_in_order_is_given() -> None:
    rows = _cover(
        [
            # excluded country and too long terms (1 March to 1 July: 122 days)
            inv("country", day(3, 1), day(7, 1), 1000, buyer="B2"),
            # no limit (B3 refused) and delivered after B3's notification
            inv("no_limit", day(3, 20), day(4, 19), 1000, buyer="B3"),
            # outside the period and after stop-shipment
            inv("outside", day(1, 5, 2025), day(2, 4, 2025), 1000, buyer="B3"),
        ],
        day(1, 10, 2025),
        limits=[LIMIT_B1, ("B3", 0, day(3, 1), None)],
        notifications=[("B3", day(3, 10))],
    )
    assert _reasons(rows) == {
        "country": CoverReason.COUNTRY_EXCLUDED,
        "no_limit": CoverReason.NO_LIMIT,
        "outside": CoverReason.OUTSIDE_POLICY_PERIOD,
    }


def test_an_invoice_over_its_limit_and_disputed_shows_over_limit_and_covers_nothing() -> None:
    rows = _cover(
        [inv("I1", day(3, 1), day(3, 31), 12_000)],
        day(3, 15),
        disputes=[("I1", day(3, 10), None, None)],
    )
    assert (rows["I1"]["covered_at_delivery"], rows["I1"]["covered"]) == (10_000, 0)
    assert rows["I1"]["reason"] == CoverReason.OVER_LIMIT


def test_buyer_cover_adds_up_each_buyers_invoices() -> None:
    rows = _cover(
        [
            inv("I1", day(3, 1), day(3, 31), 8000),
            inv("I2", day(3, 2), day(4, 1), 4000),
            inv("I3", day(3, 2), day(4, 1), 1000, buyer="B2"),
        ],
        day(3, 15),
        limits=[LIMIT_B1, ("B2", 5000, day(1, 1), None)],
    )
    cover = pl.DataFrame(list(rows.values()), schema=COVER_SCHEMA)
    # B1: open 8000 + 4000, covered 8000 + (10000 − 8000); I2 is over its limit
    assert buyer_cover(cover).to_dicts() == [
        {"buyer_id": "B1", "open": 12_000, "covered": 10_000, "uncovered": 2000, "invoices": 2,
         "excluded": 1},
        {"buyer_id": "B2", "open": 1000, "covered": 0, "uncovered": 1000, "invoices": 1,
         "excluded": 1},
    ]  # fmt: skip


ECOMMERCE = dataclasses.replace(
    POLICY,
    variant=PolicyVariant.ECOMMERCE,
    ecommerce_caps={"A": Decimal("5000"), "B": Decimal("2000"), "C": Decimal("500.50")},
    ecommerce_aggregate_limit=Decimal("100.00"),
)


def test_ecommerce_limits_cap_each_buyer_by_its_credit_class() -> None:
    classes = _frame([("B1", "A"), ("B2", "C"), ("B3", None)], BUYERS_CLASSES_SCHEMA)
    limits = ecommerce_limits(classes, ECOMMERCE, day(1, 1))
    # 5000 EUR = 500000 cents; 500.50 EUR = 50050 cents; B3 has no class: no limit
    assert limits.to_dicts() == [
        {"buyer_id": "B1", "amount": 500_000, "effective_date": day(1, 1), "expiry_date": None},
        {"buyer_id": "B2", "amount": 50_050, "effective_date": day(1, 1), "expiry_date": None},
    ]
    assert limits.schema == pl.Schema(LIMITS_SCHEMA)


def test_ecommerce_limits_refuse_an_unknown_class_and_a_named_policy() -> None:
    with pytest.raises(InvalidInputError, match="without an e-commerce cap: D"):
        ecommerce_limits(_frame([("B1", "D")], BUYERS_CLASSES_SCHEMA), ECOMMERCE, day(1, 1))
    with pytest.raises(InvalidInputError, match="no e-commerce caps"):
        ecommerce_limits(_frame([("B1", "A")], BUYERS_CLASSES_SCHEMA), POLICY, day(1, 1))


def test_aggregate_use_is_the_covered_total_and_what_the_aggregate_leaves() -> None:
    cover = pl.DataFrame({"covered": [3000, 4500]}, schema={"covered": pl.Int64})
    # aggregate 100.00 EUR = 10000 cents: 10000 − 7500 = 2500 left
    assert aggregate_use(cover, ECOMMERCE) == (7500, 2500)
    assert aggregate_use(cover, POLICY) == (7500, None)
    assert aggregate_use(pl.DataFrame({"covered": [12_000]}), ECOMMERCE) == (12_000, 0)


def _ledger(n: int, buyers: int, seed: int) -> dict[str, pl.DataFrame]:
    """A random ledger of ``n`` invoices in 2024: half partly paid, one decision per buyer
    (some refusals, some expiring), a few buyers notified, a few disputes."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01")
    issue = start + rng.integers(0, 300, n).astype("timedelta64[D]")
    delivery = issue + rng.integers(0, 5, n).astype("timedelta64[D]")
    due = issue + rng.integers(10, 100, n).astype("timedelta64[D]")
    amount = rng.integers(100, 50_000, n)
    ids = np.char.add("I", np.arange(n).astype(str))
    buyer_ids = np.char.add("B", np.arange(buyers).astype(str))
    invoice_buyer = buyer_ids[rng.integers(0, buyers, n)]
    paid = rng.random(n) < 0.5
    paid_amount = (amount[paid] * rng.random(paid.sum())).astype(np.int64)
    paid_on = delivery[paid] + rng.integers(-3, 90, paid.sum()).astype("timedelta64[D]")
    effective = start + rng.integers(-30, 200, buyers).astype("timedelta64[D]")
    expires = rng.random(buyers) < 0.2
    notified = rng.random(buyers) < 0.1
    disputed = rng.random(n) < 0.02
    return {
        "invoices": pl.DataFrame(
            {
                "invoice_id": ids,
                "buyer_id": invoice_buyer,
                "issue_date": issue,
                "due_date": due,
                "delivery_date": np.where(rng.random(n) < 0.5, delivery, np.datetime64("NaT")),
                "amount": amount,
            },
            schema=INVOICES_SCHEMA,
        ),
        "allocations": pl.DataFrame(
            {"invoice_id": ids[paid], "date": paid_on, "amount": paid_amount},
            schema=ALLOCATIONS_SCHEMA,
        ),
        "buyers": pl.DataFrame(
            {"buyer_id": buyer_ids, "country": rng.choice(["DE", "FR", "RU"], buyers)},
            schema=BUYERS_SCHEMA,
        ),
        "limits": pl.DataFrame(
            {
                "buyer_id": buyer_ids,
                "amount": np.where(rng.random(buyers) < 0.1, 0, rng.integers(0, 200_000, buyers)),
                "effective_date": effective,
                "expiry_date": np.where(expires, effective + 120, np.datetime64("NaT")),
            },
            schema=LIMITS_SCHEMA,
        ),
        "notifications": pl.DataFrame(
            {
                "buyer_id": buyer_ids[notified],
                "notified_on": start + rng.integers(30, 300, notified.sum()),
            },
            schema=NOTIFICATIONS_SCHEMA,
        ),
        "disputes": pl.DataFrame(
            {
                "invoice_id": ids[disputed],
                "opened_on": issue[disputed] + 20,
                "resolved_on": [None] * int(disputed.sum()),
                "outcome": [None] * int(disputed.sum()),
            },
            schema=DISPUTES_SCHEMA,
        ),
    }


def _cover_of(ledger: dict[str, pl.DataFrame], as_of: dt.date) -> pl.DataFrame:
    invoices, allocations = ledger["invoices"], ledger["allocations"]
    open_amounts = (
        invoices.join(
            allocations.filter(pl.col("date") <= as_of)
            .group_by("invoice_id")
            .agg(paid=pl.col("amount").sum()),
            on="invoice_id",
            how="left",
        )
        .select("invoice_id", open=pl.col("amount") - pl.col("paid").fill_null(0))
        .filter(pl.col("open") > 0)
    )
    return invoice_cover(
        invoices,
        open_amounts,
        allocations,
        ledger["buyers"],
        ledger["limits"],
        ledger["notifications"],
        ledger["disputes"],
        POLICY,
        as_of,
    )


def test_exposure_before_agrees_with_a_plain_loop_on_a_random_ledger() -> None:
    ledger = _ledger(400, 12, seed=7)
    as_of = day(8, 1)
    cover = _cover_of(ledger, as_of)
    deliveries = cover.select("invoice_id", "buyer_id", "delivered_on", "amount").rows()
    allocations = ledger["allocations"].filter(pl.col("date") <= as_of).rows()
    for invoice_id, buyer, on, _ in deliveries[:80]:
        earlier = {
            i: amount for i, b, d, amount in deliveries if b == buyer and (d, i) < (on, invoice_id)
        }
        expected = sum(earlier.values()) - sum(
            a for i, d, a in allocations if i in earlier and d <= on
        )
        row = cover.row(by_predicate=pl.col("invoice_id") == invoice_id, named=True)
        assert row["exposure_before"] == expected, invoice_id


def test_two_hundred_thousand_invoices_in_one_pass_add_up() -> None:
    ledger = _ledger(200_000, 5_000, seed=1)
    as_of = day(9, 30)
    cover = _cover_of(ledger, as_of)
    issued = ledger["invoices"].filter(pl.col("issue_date") <= as_of)
    assert cover.height == issued.height
    assert cover.filter(
        (pl.col("covered") > pl.col("open"))
        | (pl.col("covered") > pl.col("covered_at_delivery"))
        | (pl.col("covered_at_delivery") > pl.col("amount"))
        | (pl.col("covered_at_delivery") < 0)
    ).is_empty()
    per_buyer = buyer_cover(cover)
    assert per_buyer["covered"].sum() == cover["covered"].sum()
    assert (per_buyer["open"] - per_buyer["covered"] == per_buyer["uncovered"]).all()
    assert per_buyer["invoices"].sum() == cover.height
    reasons = set(cover["reason"].drop_nulls())
    assert reasons <= {r.value for r in CoverReason}
    assert CoverReason.OUTSIDE_POLICY_PERIOD not in reasons  # every delivery is in 2024
