"""The screening decision, every path: hold, cash before delivery, prepayment, approve;
the reasons (deciding one first), the prepayment share and the high-risk flag."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from tradeguard.domain.screening.decision import (
    TEMPLATES,
    BuyerStanding,
    DefaultTrigger,
    OpenAlert,
    ScreeningPolicy,
    screen,
)
from tradeguard.screening.service import REASON_MESSAGES

POLICY = ScreeningPolicy(overdue_tolerance_days=15, prepayment_b_share=0.30)
DAY = dt.date(2026, 11, 2)
# Class A, grade 3, limit 10,000 EUR, 4,000 EUR exposed: 6,000 EUR of headroom.
GOOD = BuyerStanding(
    currency="EUR",
    grade=3,
    credit_class="A",
    limit=Decimal("10000.00"),
    exposure=Decimal("4000.00"),
)


def codes(standing: BuyerStanding, amount: str, policy: ScreeningPolicy = POLICY) -> list[str]:
    return [r.code for r in screen(standing, Decimal(amount), policy).reasons]


def test_class_a_within_the_limit_is_approved() -> None:
    answer = screen(GOOD, Decimal("2500.00"), POLICY)
    assert answer.decision == "approve"
    assert answer.prepayment_share is None
    assert (answer.exposure_before, answer.exposure_after) == (
        Decimal("4000.00"),
        Decimal("6500.00"),
    )
    assert not answer.high_risk
    assert [r.message for r in answer.reasons] == [
        "class A (grade 3) within the limit: 3500.00 EUR of headroom left after this order"
    ]


def test_exactly_the_headroom_is_approved() -> None:
    answer = screen(GOOD, Decimal("6000.00"), POLICY)
    assert (answer.decision, answer.high_risk) == ("approve", False)


def test_class_a_above_the_headroom_prepays_the_excess() -> None:
    answer = screen(GOOD, Decimal("8000.00"), POLICY)
    # 2,000 of the 8,000 are above the 6,000 headroom: 25% paid in advance.
    assert (answer.decision, answer.prepayment_share) == ("approve_with_prepayment", 0.25)
    assert answer.high_risk  # 12,000 after the order, over the 10,000 limit
    assert [r.message for r in answer.reasons] == [
        "the order is 2000.00 EUR above the headroom of 6000.00 EUR: 25% of the order paid in advance"
    ]


def test_class_b_prepays_its_share_or_the_excess_whichever_is_more() -> None:
    b = replace(GOOD, grade=6, credit_class="B")
    within = screen(b, Decimal("1000.00"), POLICY)
    assert (within.decision, within.prepayment_share) == ("approve_with_prepayment", 0.3)
    assert [r.message for r in within.reasons] == [
        "class B (grade 6): 30% of the order paid in advance"
    ]
    # 7,000 against 6,000 of headroom: 1/7 = 14.29% above it, less than class B's 30%.
    little_over = screen(b, Decimal("7000.00"), POLICY)
    assert little_over.prepayment_share == 0.3
    assert [r.code for r in little_over.reasons] == ["CLASS_B", "OVER_HEADROOM"]
    assert "14.3% of the order paid in advance" in little_over.reasons[1].message
    # 12,000 against 6,000: half of the order is above the headroom, more than 30%.
    far_over = screen(b, Decimal("12000.00"), POLICY)
    assert far_over.prepayment_share == 0.5
    assert [r.code for r in far_over.reasons] == ["OVER_HEADROOM", "CLASS_B"]


def test_class_c_and_no_headroom_are_cash_before_delivery() -> None:
    c = replace(GOOD, grade=8, credit_class="C")
    answer = screen(c, Decimal("100.00"), POLICY)
    assert (answer.decision, answer.prepayment_share, answer.high_risk) == (
        "cash_before_delivery",
        None,
        True,
    )
    assert [r.message for r in answer.reasons] == ["class C (grade 8): cash before delivery only"]
    full = replace(GOOD, exposure=Decimal("10000.00"))
    assert codes(full, "1.00") == ["NO_HEADROOM"]
    assert screen(full, Decimal("1.00"), POLICY).reasons[0].message == (
        "no headroom left: exposure 10000.00 EUR against a limit of 10000.00 EUR"
    )
    over = replace(GOOD, exposure=Decimal("12000.00"))
    assert screen(over, Decimal("1.00"), POLICY).decision == "cash_before_delivery"


def test_no_limit_is_no_headroom() -> None:
    answer = screen(replace(GOOD, limit=None), Decimal("1.00"), POLICY)
    assert answer.decision == "cash_before_delivery"
    assert answer.high_risk  # anything on credit is over a limit of nothing
    assert [r.code for r in answer.reasons] == ["NO_LIMIT"]
    class_c = replace(GOOD, limit=None, grade=9, credit_class="C")
    assert codes(class_c, "1.00") == ["CLASS_C", "NO_LIMIT"]


def test_holds_come_first_in_their_order_and_all_are_named() -> None:
    everything = replace(
        GOOD,
        grade=10,
        credit_class="C",
        stop_until=dt.date(2026, 12, 31),
        stop_reason="insolvency filed",
        default_triggers=(
            DefaultTrigger("DEFAULT_DAYS_OVERDUE", "invoice 138 days past due (default at 90)"),
        ),
        oldest_days_overdue=138,
        alerts=(
            OpenAlert("concentration", "medium", dt.date(2026, 10, 1)),
            OpenAlert("insolvency_event", "high", dt.date(2026, 10, 30)),
        ),
    )
    answer = screen(everything, Decimal("5.00"), POLICY)
    assert (answer.decision, answer.prepayment_share, answer.high_risk) == ("hold", None, True)
    assert [r.message for r in answer.reasons] == [
        "shipments stopped until 2026-12-31: insolvency filed",
        "in default: invoice 138 days past due (default at 90)",
        "high-severity alert open: insolvency_event (raised 2026-10-30)",
        "an invoice is 138 days overdue (tolerance 15 days)",
        "open alert: concentration (medium, raised 2026-10-01)",
    ]


@pytest.mark.parametrize(
    ("change", "first"),
    [
        ({"stop_reason": "dispute", "stop_until": None}, "shipments stopped permanently: dispute"),
        ({"grade": 10, "credit_class": "C"}, "in default (grade 10)"),
        (
            {"alerts": (OpenAlert("downgrade", "high", dt.date(2026, 11, 1)),)},
            "high-severity alert open: downgrade (raised 2026-11-01)",
        ),
        ({"oldest_days_overdue": 16}, "an invoice is 16 days overdue (tolerance 15 days)"),
        (
            {"grade": None, "credit_class": None},
            "not assessed yet: score the buyer before shipping on credit",
        ),
    ],
)
def test_each_hold_on_its_own(change: dict[str, object], first: str) -> None:
    answer = screen(replace(GOOD, **change), Decimal("100.00"), POLICY)  # type: ignore[arg-type]
    assert answer.decision == "hold"
    assert [r.message for r in answer.reasons] == [first]


def test_overdue_up_to_the_tolerance_does_not_hold() -> None:
    assert screen(replace(GOOD, oldest_days_overdue=15), Decimal("1.00"), POLICY).decision == (
        "approve"
    )
    strict = ScreeningPolicy(overdue_tolerance_days=0, prepayment_b_share=0.3)
    assert screen(replace(GOOD, oldest_days_overdue=1), Decimal("1.00"), strict).decision == "hold"


def test_other_alerts_are_reasons_only_after_the_deciding_one() -> None:
    watched = replace(GOOD, alerts=(OpenAlert("delay_trend", "medium", dt.date(2026, 10, 5)),))
    answer = screen(watched, Decimal("100.00"), POLICY)
    assert answer.decision == "approve"
    assert [r.code for r in answer.reasons] == ["WITHIN_LIMIT", "ALERT"]


def test_high_risk_flag() -> None:
    def risky(**change: object) -> bool:
        return screen(replace(GOOD, **change), Decimal("100.00"), POLICY).high_risk  # type: ignore[arg-type]

    assert not risky()
    assert not risky(grade=7, credit_class="B")
    assert risky(grade=8, credit_class="B")  # grade 8 with a class B setting up to 8
    assert risky(grade=9, credit_class="C")
    assert risky(stop_reason="held")
    assert risky(exposure=Decimal("9950.00"))  # 10,050 after the order


def test_an_amount_is_more_than_zero() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        screen(GOOD, Decimal(0), POLICY)


def test_every_template_is_marked_for_translation() -> None:
    assert set(TEMPLATES.values()) == set(REASON_MESSAGES)
