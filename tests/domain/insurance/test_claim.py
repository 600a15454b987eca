"""The claim's arithmetic (domain.insurance.claim): each step by hand, the published
examples of ../PEERS.md Part 2 where our settings express them, and its invariants."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.claim import (
    ClaimComputation,
    ClaimEvent,
    ClaimInputs,
    ClaimLine,
    compute_claim,
    earliest_claim_date,
    policy_year,
)
from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.insurance.reasons import CoverReason
from tradeguard.domain.money import quantize

D = Decimal
AS_OF = dt.date(2025, 9, 30)
JAN, FEB, MAR = dt.date(2025, 1, 10), dt.date(2025, 2, 10), dt.date(2025, 3, 10)
INSOLVENCY, PROTRACTED, POLITICAL = ClaimEvent


def policy(**terms: Any) -> Policy:
    """A EUR policy for 2025–2026, 90 % commercial and 95 % political, no first loss, no
    threshold, a maximum liability of 10,000,000, a waiting period of 180 days."""
    data: dict[str, Any] = {
        "insurer": "Example Credit",
        "number": "P-1",
        "currency": "EUR",
        "start": "2025-01-01",
        "end": "2026-12-31",
        "insured_percentage": "0.9",
        "political_insured_percentage": "0.95",
        "aggregate_first_loss": "0",
        "non_qualifying_loss": "0",
        "maximum_liability": "10000000",
        "maximum_credit_period_days": 120,
        "maximum_extension_period_days": 60,
        "notification_deadline_days": 60,
        "waiting_period_days": 180,
        "premium_rate": "0.002",
        "minimum_premium": "1000",
        "discretionary_limit": "20000",
        "political_risk": True,
        "excluded_countries": [],
    }
    data.update(terms)
    return Policy.from_dict(data)


def line(
    invoice_id: str,
    open_amount: str,
    covered: str | None = None,
    reason: CoverReason | None = None,
    due: dt.date = JAN,
) -> ClaimLine:
    """An unpaid invoice, fully covered unless ``covered`` (and its reason) say otherwise."""
    return ClaimLine(
        invoice_id, due, D(open_amount), D(open_amount if covered is None else covered), reason
    )


def excluded(
    invoice_id: str, open_amount: str, reason: CoverReason, due: dt.date = JAN
) -> ClaimLine:
    return line(invoice_id, open_amount, "0", reason, due)


def claim(
    terms: Policy,
    *lines: ClaimLine,
    limit: str = "1000000",
    event: ClaimEvent = INSOLVENCY,
    **amounts: str,
) -> ClaimComputation:
    return compute_claim(
        terms,
        ClaimInputs(
            lines,
            event,
            AS_OF,
            D(limit),
            **{name: D(value) for name, value in amounts.items()},
        ),
    )


def amounts(result: ClaimComputation) -> list[tuple[str, Decimal]]:
    return [(step.name, step.amount) for step in result.steps]


def notes(result: ClaimComputation) -> dict[str, str]:
    return {step.name: step.note for step in result.steps}


# ---- the steps, one at a time -------------------------------------------------------


def test_a_fully_covered_claim_shows_every_step_with_the_amount_after_it() -> None:
    result = claim(policy(), line("I1", "10000"), line("I2", "5000", due=FEB), limit="20000")
    # 10,000 + 5,000 = 15,000 throughout, × 90 % = 13,500
    assert amounts(result) == [
        ("outstanding", D(15000)),
        ("eligible", D(15000)),
        ("recoveries_before_claim", D(15000)),
        ("set_offs", D(15000)),
        ("credit_limit", D(15000)),
        ("non_qualifying_loss", D(15000)),
        ("first_loss", D(15000)),
        ("percentage", D(13500)),
        ("maximum_liability", D(13500)),
        ("indemnity", D("13500.00")),
    ]
    assert notes(result) == {
        "outstanding": "2 unpaid invoices",
        "eligible": "no invoice excluded",
        "recoveries_before_claim": "no recoveries before the claim",
        "set_offs": "no credit notes or set-offs",
        "credit_limit": "within the credit limit of 20,000.00",
        "non_qualifying_loss": "no non-qualifying loss",
        "first_loss": "no aggregate first loss",
        "percentage": "× 90 % insured (commercial)",
        "maximum_liability": "within the maximum liability left this policy year, 10,000,000.00",
        "indemnity": "the indemnity payable",
    }
    assert (result.outstanding, result.eligible, result.ascertained_loss) == (
        D(15000),
        D(15000),
        D(15000),
    )
    assert result.excluded == ()
    assert result.percentage == D("0.9")
    assert result.indemnity == D("13500.00")
    assert result.liability_left == D("9986500.00")  # 10,000,000 − 13,500


@pytest.mark.parametrize("reason", list(CoverReason))
def test_each_exclusion_alone_leaves_its_invoice_out(reason: CoverReason) -> None:
    result = claim(policy(), line("I1", "10000"), excluded("I2", "4000", reason, due=FEB))
    assert result.outstanding == D(14000)  # 10,000 + 4,000
    assert result.eligible == D(10000)  # 14,000 − 4,000
    assert result.excluded == (("I2", reason),)
    assert result.indemnity == D(9000)  # 10,000 × 90 %
    assert notes(result)["eligible"].startswith("1 invoice excluded (4,000.00): 1 ")


def test_the_exclusions_are_counted_by_reason() -> None:
    result = claim(
        policy(),
        line("I1", "10000"),
        excluded("I2", "1000", CoverReason.DISPUTED),
        line("I3", "3000", "1000", CoverReason.OVER_LIMIT),
        excluded("I4", "500", CoverReason.DISPUTED),
    )
    # excluded: 1,000 + (3,000 − 1,000) + 500 = 3,500
    assert (
        notes(result)["eligible"] == "3 invoices excluded (3,500.00): 1 over the limit, 2 disputed"
    )
    assert result.eligible == D(11000)  # 10,000 + 1,000
    assert [invoice for invoice, _ in result.excluded] == ["I2", "I3", "I4"]


def test_the_credit_limit_caps_the_loss() -> None:
    result = claim(policy(), line("I1", "18000"), line("I2", "12000"), limit="25000")
    # min(18,000 + 12,000, 25,000) = 25,000; × 90 % = 22,500
    assert dict(amounts(result))["credit_limit"] == D(25000)
    assert notes(result)["credit_limit"] == "capped by the credit limit of 25,000.00"
    assert result.indemnity == D(22500)


def test_set_offs_reduce_the_loss_before_the_limit_and_never_below_nothing() -> None:
    result = claim(policy(), line("I1", "30000"), limit="25000", set_offs="2000")
    # 30,000 − 2,000 = 28,000, capped at 25,000: the set-off does not reduce the claim
    assert dict(amounts(result))["set_offs"] == D(28000)
    assert result.indemnity == D(22500)  # 25,000 × 90 %
    assert notes(result)["set_offs"] == "2,000.00 of credit notes and set-offs deducted"
    nothing = claim(policy(), line("I1", "1000"), set_offs="1500")
    assert dict(amounts(nothing))["set_offs"] == D(0)  # 1,000 − min(1,500, 1,000)
    assert nothing.indemnity == 0


@pytest.mark.parametrize(
    ("order", "steps", "indemnity"),
    [
        # (50,000 − 5,000) × 90 % = 45,000 × 0.9 = 40,500
        ("before_percentage", [("first_loss", D(45000)), ("percentage", D(40500))], D(40500)),
        # 50,000 × 90 % − 5,000 = 45,000 − 5,000 = 40,000
        ("after_percentage", [("percentage", D(45000)), ("first_loss", D(40000))], D(40000)),
    ],
)
def test_the_first_loss_before_or_after_the_percentage(
    order: str, steps: list[tuple[str, Decimal]], indemnity: Decimal
) -> None:
    """REFERENCES.md "Trade credit insurance claims": loss 50,000, deductible 5,000, 90 %
    → 40,500 before the percentage, 40,000 after."""
    result = claim(
        policy(aggregate_first_loss="5000", first_loss_applies=order), line("I1", "50000")
    )
    assert amounts(result)[6:8] == steps
    assert result.ascertained_loss == D(50000)
    assert (result.first_loss_deducted, result.first_loss_left) == (D(5000), D(0))
    assert result.indemnity == indemnity


def test_the_first_loss_after_the_percentage_is_eroded_by_the_insured_share() -> None:
    terms = policy(aggregate_first_loss="5000", first_loss_applies="after_percentage")
    result = claim(terms, line("I1", "4000"))
    # 4,000 × 90 % = 3,600 deducted from the first loss, not the gross 4,000
    assert (result.first_loss_deducted, result.first_loss_left) == (D(3600), D(1400))
    assert result.indemnity == 0
    assert notes(result)["first_loss"] == (
        "3,600.00 of the aggregate first loss kept by the seller from the insured share"
        " (1,400.00 left this policy year)"
    )


def test_the_non_qualifying_loss_is_a_threshold_not_a_deductible() -> None:
    terms = policy(non_qualifying_loss="1000", aggregate_first_loss="500")
    at = claim(terms, line("I1", "1000"))
    assert at.ascertained_loss == 0  # 1,000 is not above 1,000
    assert at.indemnity == 0
    assert at.first_loss_left == D(500)  # no loss, no first loss consumed
    assert notes(at)["non_qualifying_loss"] == (
        "at or below the non-qualifying loss of 1,000.00: not claimable"
    )
    above = claim(terms, line("I1", "1000.01"))
    assert above.ascertained_loss == D("1000.01")  # the whole loss, not 0.01
    # (1,000.01 − 500) × 90 % = 500.01 × 0.9 = 450.009 → 450.01
    assert above.indemnity == D("450.01")
    assert notes(above)["non_qualifying_loss"] == (
        "above the non-qualifying loss of 1,000.00: the whole loss counts"
    )


def test_the_threshold_applies_after_the_credit_limit() -> None:
    result = claim(policy(non_qualifying_loss="5000"), line("I1", "9000"), limit="5000")
    assert result.ascertained_loss == 0  # min(9,000, 5,000) = 5,000, not above 5,000


def test_the_first_loss_and_the_maximum_liability_chain_over_a_policy_year() -> None:
    terms = policy(aggregate_first_loss="10000", maximum_liability="60000")
    first = claim(terms, line("I1", "6000"))
    # 6,000 all kept by the seller: 10,000 − 6,000 = 4,000 of first loss left
    assert (first.first_loss_deducted, first.first_loss_left, first.indemnity) == (
        D(6000),
        D(4000),
        D(0),
    )
    consumed = D(10000) - first.first_loss_left
    paid = D(60000) - first.liability_left
    second = claim(
        terms, line("I2", "30000"), first_loss_consumed=str(consumed), indemnity_paid=str(paid)
    )
    # (30,000 − 4,000) × 90 % = 23,400; liability left 60,000 − 23,400 = 36,600
    assert (second.first_loss_deducted, second.first_loss_left) == (D(4000), D(0))
    assert (second.indemnity, second.liability_left) == (D(23400), D(36600))
    consumed = D(10000) - second.first_loss_left
    paid = D(60000) - second.liability_left
    third = claim(
        terms, line("I3", "50000"), first_loss_consumed=str(consumed), indemnity_paid=str(paid)
    )
    # 50,000 × 90 % = 45,000, capped by the 36,600 left
    assert third.first_loss_deducted == 0
    assert dict(amounts(third))["percentage"] == D(45000)
    assert (third.indemnity, third.liability_left) == (D(36600), D(0))
    assert notes(third)["maximum_liability"] == (
        "capped by the maximum liability left this policy year, 36,600.00"
    )


def test_an_exhausted_maximum_liability_pays_nothing() -> None:
    terms = policy(maximum_liability="100000")
    result = claim(terms, line("I1", "20000"), indemnity_paid="100000")
    assert dict(amounts(result))["percentage"] == D(18000)  # 20,000 × 90 %
    assert (result.indemnity, result.liability_left) == (D(0), D(0))
    # paid beyond the maximum (a committed claim) leaves nothing, never a negative amount
    assert claim(terms, line("I1", "20000"), indemnity_paid="120000").liability_left == 0


# ---- recoveries before the claim ----------------------------------------------------


def test_recoveries_before_the_claim_go_to_the_oldest_invoice_first() -> None:
    result = claim(
        policy(),
        excluded("I1", "3000", CoverReason.DISPUTED, due=JAN),
        line("I2", "5000", due=FEB),
        line("I3", "4000", due=MAR),
        recoveries_before="4000",
    )
    # 4,000: 3,000 settle the disputed I1 (not covered), 1,000 go to I2
    # eligible 5,000 + 4,000 = 9,000; 9,000 − 1,000 = 8,000; × 90 % = 7,200
    assert result.eligible == D(9000)
    assert dict(amounts(result))["recoveries_before_claim"] == D(8000)
    assert result.indemnity == D(7200)
    assert notes(result)["recoveries_before_claim"] == (
        "4,000.00 received before the claim, oldest invoice first:"
        " 1,000.00 on covered parts, 3,000.00 on parts not covered"
    )


def test_a_recovery_landing_on_an_excluded_invoice_does_not_reduce_the_claim() -> None:
    result = claim(
        policy(),
        line("I2", "5000", due=FEB),
        excluded("I1", "3000", CoverReason.NOTIFICATION_MISSED, due=JAN),
        recoveries_before="2500",
    )
    assert dict(amounts(result))["recoveries_before_claim"] == D(5000)  # all 2,500 on I1
    assert result.indemnity == D(4500)  # 5,000 × 90 %


def test_on_the_same_due_date_the_invoice_id_orders_them() -> None:
    result = claim(
        policy(),
        line("B", "5000", due=FEB),
        excluded("A", "3000", CoverReason.DISPUTED, due=FEB),
        recoveries_before="3000",
    )
    assert dict(amounts(result))["recoveries_before_claim"] == D(5000)  # A before B


def test_a_recovery_settles_the_covered_part_of_a_partly_covered_invoice_first() -> None:
    result = claim(
        policy(),
        line("I1", "12000", "10000", CoverReason.OVER_LIMIT),
        recoveries_before="3000",
    )
    # covered 10,000 − 3,000 = 7,000 (the 2,000 over the limit stay unpaid); × 90 % = 6,300
    assert dict(amounts(result))["recoveries_before_claim"] == D(7000)
    assert result.indemnity == D(6300)


def test_a_recovery_beyond_the_debt_is_left_unapplied() -> None:
    result = claim(
        policy(),
        line("I1", "1000"),
        excluded("I2", "500", CoverReason.DISPUTED, due=FEB),
        recoveries_before="2000",
    )
    # 1,000 on I1, 500 on I2, 2,000 − 1,500 = 500 left over
    assert result.indemnity == 0
    assert notes(result)["recoveries_before_claim"] == (
        "2,000.00 received before the claim, oldest invoice first:"
        " 1,000.00 on covered parts, 500.00 on parts not covered, 500.00 beyond the debt"
    )


# ---- the percentage -----------------------------------------------------------------


def test_a_political_claim_takes_the_political_percentage() -> None:
    commercial = claim(policy(), line("I1", "10000"), event=PROTRACTED)
    political = claim(policy(), line("I1", "10000"), event=POLITICAL)
    assert (commercial.percentage, commercial.indemnity) == (D("0.9"), D(9000))  # × 90 %
    assert (political.percentage, political.indemnity) == (D("0.95"), D(9500))  # × 95 %
    assert notes(political)["percentage"] == "× 95 % insured (political)"


def test_a_political_claim_pays_nothing_where_political_risk_is_not_covered() -> None:
    terms = policy(political_risk=False, aggregate_first_loss="1000", maximum_liability="50000")
    result = claim(terms, line("I1", "10000"), event=POLITICAL)
    assert result.ascertained_loss == D(10000)
    assert [name for name, _ in amounts(result)][6:] == [
        "political_cover",
        "maximum_liability",
        "indemnity",
    ]
    assert notes(result)["political_cover"] == "political risk is not covered by this policy"
    assert (result.percentage, result.indemnity) == (D(0), D(0))
    # nothing covered, so nothing of the first loss or the liability is used
    assert (result.first_loss_deducted, result.first_loss_left) == (D(0), D(1000))
    assert result.liability_left == D(50000)
    # the same policy still pays a commercial claim: (10,000 − 1,000) × 90 % = 8,100
    assert claim(terms, line("I1", "10000")).indemnity == D(8100)


# ---- rounding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "indemnity"),
    [
        ("1.81", D("0.90")),  # 1.81 × 50 % = 0.905 → 0.90 (half to the even 0)
        ("1.83", D("0.92")),  # 1.83 × 50 % = 0.915 → 0.92 (half to the even 2)
        ("1.85", D("0.92")),  # 0.925 → 0.92
        ("1.87", D("0.94")),  # 0.935 → 0.94
    ],
)
def test_the_indemnity_is_rounded_half_to_even(loss: str, indemnity: Decimal) -> None:
    result = claim(policy(insured_percentage="0.5"), line("I1", loss))
    assert dict(amounts(result))["percentage"] == D(loss) / 2  # exact before the last step
    assert result.indemnity == indemnity
    assert notes(result)["indemnity"] == "rounded to the minor unit, half to even"


def test_the_rounding_is_at_the_last_step_only() -> None:
    terms = policy(
        insured_percentage="0.5", aggregate_first_loss="0.01", first_loss_applies="after_percentage"
    )
    result = claim(terms, line("I1", "2.03"))
    # 2.03 × 50 % = 1.015 (kept exact), − 0.01 = 1.005 → 1.00;
    # rounding each step would give 1.02 − 0.01 = 1.01
    assert dict(amounts(result))["percentage"] == D("1.015")
    assert dict(amounts(result))["first_loss"] == D("1.005")
    assert result.indemnity == D("1.00")
    assert notes(result)["percentage"] == "× 50 % insured (commercial)"


def test_the_indemnity_is_rounded_to_the_currency_minor_unit() -> None:
    terms = policy(currency="JPY", maximum_liability="100000000")
    assert claim(terms, line("I1", "1005")).indemnity == D(904)  # 904.5 → 904
    assert claim(terms, line("I1", "1015")).indemnity == D(914)  # 913.5 → 914


# ---- the earliest claim date --------------------------------------------------------


def test_an_insolvency_is_claimed_at_once() -> None:
    assert claim(policy(), line("I1", "1000")).earliest_claim_date == AS_OF


@pytest.mark.parametrize("event", [PROTRACTED, POLITICAL])
def test_a_default_waits_from_the_oldest_covered_invoice(event: ClaimEvent) -> None:
    terms = policy()
    lines = [excluded("I0", "800", CoverReason.DISPUTED, due=JAN), line("I1", "1000", due=FEB)]
    # FEB 10 + 180 days = 9 August 2025 (the older disputed invoice does not count)
    assert earliest_claim_date(terms, event, lines, AS_OF) == dt.date(2025, 8, 9)
    assert claim(terms, *lines, event=event).earliest_claim_date == dt.date(2025, 8, 9)


def test_without_a_covered_invoice_the_oldest_unpaid_one_starts_the_wait() -> None:
    lines = [
        excluded("I1", "800", CoverReason.DISPUTED, due=FEB),
        excluded("I0", "1", CoverReason.NO_LIMIT, due=JAN),
    ]
    # JAN 10 + 180 days = 9 July 2025
    assert earliest_claim_date(policy(), PROTRACTED, lines, AS_OF) == dt.date(2025, 7, 9)
    assert earliest_claim_date(policy(), PROTRACTED, [], AS_OF) == AS_OF


def test_an_invoice_settled_before_the_claim_no_longer_starts_the_wait() -> None:
    result = claim(
        policy(),
        line("I1", "1000", due=JAN),
        line("I2", "5000", due=FEB),
        event=PROTRACTED,
        recoveries_before="1000",
    )
    assert result.earliest_claim_date == dt.date(2025, 8, 9)  # FEB 10 + 180, not JAN 10


# ---- the policy year ----------------------------------------------------------------


def test_the_policy_years_of_a_two_year_policy() -> None:
    terms = policy(start="2025-04-01", end="2027-03-31")
    first = (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    second = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert policy_year(terms, dt.date(2025, 4, 1)) == first
    assert policy_year(terms, dt.date(2026, 1, 15)) == first
    assert policy_year(terms, dt.date(2026, 3, 31)) == first
    assert policy_year(terms, dt.date(2026, 4, 1)) == second
    assert policy_year(terms, dt.date(2027, 3, 31)) == second


def test_the_last_policy_year_ends_with_the_policy() -> None:
    terms = policy(start="2025-04-01", end="2026-12-31")
    assert policy_year(terms, dt.date(2026, 6, 1)) == (dt.date(2026, 4, 1), dt.date(2026, 12, 31))


def test_a_leap_day_start_has_its_anniversary_on_28_february() -> None:
    terms = policy(start="2024-02-29", end="2026-02-27")
    assert policy_year(terms, dt.date(2025, 2, 27)) == (dt.date(2024, 2, 29), dt.date(2025, 2, 27))
    assert policy_year(terms, dt.date(2025, 2, 28)) == (dt.date(2025, 2, 28), dt.date(2026, 2, 27))


def test_a_date_outside_the_policy_has_no_policy_year() -> None:
    with pytest.raises(InvalidInputError, match="outside the policy period"):
        policy_year(policy(), dt.date(2027, 1, 1))


# ---- the record ---------------------------------------------------------------------


def test_the_computation_as_json() -> None:
    result = claim(
        policy(),
        line("I1", "1000"),
        excluded("I2", "200", CoverReason.DISPUTED),
        event=PROTRACTED,
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["event"] == "protracted_default"
    assert data["currency"] == "EUR"
    assert data["excluded"] == [{"invoice_id": "I2", "reason": "disputed"}]
    # 1,000 × 90 % = 900.0, at the cent 900.00
    assert data["steps"][-1] == {
        "name": "indemnity",
        "amount": "900.00",
        "note": "the indemnity payable",
    }
    assert (data["outstanding"], data["eligible"], data["indemnity"]) == ("1200", "1000", "900.00")
    assert data["percentage"] == "0.9"
    assert data["earliest_claim_date"] == "2025-07-09"  # JAN 10 + 180 days


def test_inconsistent_lines_and_negative_amounts_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="covered amount 120 is not between 0"):
        line("I1", "100", "120")
    with pytest.raises(InvalidInputError, match="needs a reason"):
        line("I1", "100", "80")
    with pytest.raises(InvalidInputError, match="open amount -1 is negative"):
        line("I1", "-1", "0", CoverReason.DISPUTED)
    with pytest.raises(InvalidInputError, match="set_offs: -5 is negative"):
        claim(policy(), line("I1", "100"), set_offs="-5")


# ---- the published examples (../PEERS.md Part 2) -----------------------------------


@pytest.mark.parametrize(
    ("limit", "balance", "indemnity"),
    [
        ("1000000", "950000", D(855000)),  # Ex1: 90 % × min(1,000,000, 950,000) = 855,000
        ("500000", "800000", D(450000)),  # Ex2: 90 % × min(500,000, 800,000) = 450,000
    ],
)
def test_c1_the_insured_percentage_of_the_balance_within_the_limit(
    limit: str, balance: str, indemnity: Decimal
) -> None:
    """C1: CredRisk Seguros blog, "How to calculate the value of a Credit Insurance
    indemnity" (2018-08-17): indemnity = insured % × min(credit limit, balance at loss)."""
    terms = policy(currency="BRL")
    assert claim(terms, line("I1", balance), limit=limit).indemnity == indemnity


def test_c2_a_loss_above_the_limit_pays_the_percentage_of_the_limit() -> None:
    """C2: EGE (Export Guarantee Co. of Egypt) FAQ "Claims and Recoveries": CL 100,
    loss 120, 80 % → 80."""
    terms = policy(currency="EGP", insured_percentage="0.8")
    assert claim(terms, line("I1", "120"), limit="100").indemnity == D(80)  # 80 % × 100
    assert claim(terms, line("I1", "90"), limit="100").indemnity == D(72)  # 80 % × 90


def test_c3_deliveries_above_the_limit_are_excluded() -> None:
    """C3: Atradius IE/AU FAQ "How can I maximise my claim pay out": CL €100K, traded
    €120K → the €20K is excluded from the claim calculation."""
    result = claim(policy(), line("I1", "120000", "100000", CoverReason.OVER_LIMIT), limit="100000")
    assert result.outstanding - result.eligible == D(20000)  # 120,000 − 100,000
    assert result.excluded == (("I1", CoverReason.OVER_LIMIT),)
    assert result.indemnity == D(90000)  # 100,000 × 90 %


@pytest.mark.parametrize(("loss", "ascertained"), [("1000", D(0)), ("5000", D(5000))])
def test_c5_the_threshold_is_a_franchise(loss: str, ascertained: Decimal) -> None:
    """C5: Rycroft Associates, "First losses explained" (ciff.co.uk/firstlosses.html): a
    loss up to the threshold of £1,000 is not payable; above it the whole debt counts."""
    terms = policy(currency="GBP", non_qualifying_loss="1000")
    assert claim(terms, line("I1", loss)).ascertained_loss == ascertained


def test_c7_the_deductible_then_the_coinsurance() -> None:
    """C7: pufind.com/?p=17256: invoice $50,000, deductible $5,000, coinsurance 10 % →
    $45,000 × 90 % = $40,500 (the deductible as the aggregate first loss)."""
    terms = policy(currency="USD", aggregate_first_loss="5000")
    assert claim(terms, line("I1", "50000")).indemnity == D(40500)


def test_c8_a_part_payment_before_insolvency_reduces_the_insured_loss() -> None:
    """C8: Nimbla FAQ "Terminology explained": invoice £50,000, £10,000 already paid →
    insured loss £40,000; the most payable on £50,000 is £45,000 (90 %)."""
    terms = policy(currency="GBP")
    paid = claim(terms, line("I1", "50000"), limit="50000", recoveries_before="10000")
    assert paid.ascertained_loss == D(40000)  # 50,000 − 10,000
    assert paid.indemnity == D(36000)  # 40,000 × 90 %
    assert claim(terms, line("I1", "50000"), limit="50000").indemnity == D(45000)


def test_c12_the_aggregate_first_loss_retains_what_is_left_of_it() -> None:
    """C12: CAS "Individual Risk Study Note" (Fisher et al. 2019), "Fisher.AggExcess" on the
    battleacts8.ca wiki: aggregate deductible 500,000, retained = min(loss, 500,000 −
    retained so far). Q2's per-occurrence deductible has no counterpart here, so its loss
    is the part it brings to the aggregate: 93,000 + 2 × 100,000 = 293,000; Q4 keeps none
    of its 122,500 + 150,000 = 272,500. With 100 % insured the indemnity is what is paid
    above the aggregate: Q3 30,500 and Q4 272,500, as the source's."""
    terms = policy(insured_percentage="1", aggregate_first_loss="500000")
    consumed = D(0)
    retained_paid = []
    for loss in ("132500", "293000", "105000", "272500"):
        result = claim(terms, line("Q", loss), first_loss_consumed=str(consumed))
        consumed += result.first_loss_deducted
        retained_paid.append((result.first_loss_deducted, result.indemnity))
    assert retained_paid == [
        (D(132500), D(0)),  # min(132,500, 500,000)
        (D(293000), D(0)),  # min(293,000, 367,500)
        (D(74500), D(30500)),  # min(105,000, 74,500); 105,000 − 74,500
        (D(0), D(272500)),  # nothing left of the aggregate
    ]
    assert consumed == D(500000)


def test_c13_the_aggregate_deductible_is_eroded_first() -> None:
    """C13: ActEd forum (per-event XL with aggregate deductible): layer 1m xs 1m, AD 2m,
    five losses of 1.5m each bring 0.5m to the layer; the first four fill the AD, the
    fifth recovers 0.5m. Here each loss is the 0.5m the layer takes."""
    terms = policy(insured_percentage="1", aggregate_first_loss="2000000")
    consumed = D(0)
    paid = []
    for _ in range(5):
        result = claim(terms, line("L", "500000"), first_loss_consumed=str(consumed))
        consumed += result.first_loss_deducted
        paid.append(result.indemnity)
    assert paid == [0, 0, 0, 0, D(500000)]


# ---- invariants ---------------------------------------------------------------------

REASONS = list(CoverReason)
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def claim_lines(draw: st.DrawFn) -> list[ClaimLine]:
    lines = []
    for index in range(draw(st.integers(min_value=0, max_value=6))):
        open_cents = draw(st.integers(min_value=0, max_value=2_000_000))
        covered_cents = draw(
            st.one_of(st.just(open_cents), st.integers(min_value=0, max_value=open_cents))
        )
        reason = None if covered_cents == open_cents else draw(st.sampled_from(REASONS))
        due = JAN + dt.timedelta(days=draw(st.integers(min_value=0, max_value=200)))
        lines.append(
            ClaimLine(
                f"I{index}", due, D(open_cents).scaleb(-2), D(covered_cents).scaleb(-2), reason
            )
        )
    return lines


@st.composite
def claims(draw: st.DrawFn) -> tuple[Policy, ClaimInputs]:
    terms = policy(
        insured_percentage=str(D(draw(st.integers(0, 100))).scaleb(-2)),
        political_insured_percentage=str(D(draw(st.integers(0, 100))).scaleb(-2)),
        aggregate_first_loss=str(draw(cents)),
        non_qualifying_loss=str(draw(cents)),
        maximum_liability=str(draw(cents)),
        first_loss_applies=draw(st.sampled_from(["before_percentage", "after_percentage"])),
        political_risk=draw(st.booleans()),
    )
    inputs = ClaimInputs(
        draw(claim_lines()),
        draw(st.sampled_from(list(ClaimEvent))),
        AS_OF,
        credit_limit=draw(cents),
        recoveries_before=draw(cents),
        set_offs=draw(cents),
        first_loss_consumed=draw(cents),
        indemnity_paid=draw(cents),
    )
    return terms, inputs


@settings(max_examples=200, deadline=None)
@given(claims())
def test_the_indemnity_stays_within_its_bounds(case: tuple[Policy, ClaimInputs]) -> None:
    terms, inputs = case
    result = compute_claim(terms, inputs)
    liability_open = max(D(0), terms.maximum_liability - inputs.indemnity_paid)
    within_limit = result.percentage * min(result.eligible, inputs.credit_limit)
    assert 0 <= result.indemnity <= quantize(within_limit, terms.currency)
    assert result.indemnity <= liability_open
    assert result.liability_left == liability_open - result.indemnity
    assert result.steps[-1].amount == result.indemnity
    first_loss_open = max(D(0), terms.aggregate_first_loss - inputs.first_loss_consumed)
    assert result.first_loss_deducted + result.first_loss_left == first_loss_open
    assert result.first_loss_left >= 0


@settings(max_examples=200, deadline=None)
@given(claims(), st.integers(min_value=1, max_value=2_000_000), st.sampled_from(REASONS))
def test_an_excluded_invoice_never_raises_the_indemnity(
    case: tuple[Policy, ClaimInputs], open_cents: int, reason: CoverReason
) -> None:
    terms, inputs = case
    newest = ClaimLine("Z", dt.date(2025, 12, 31), D(open_cents).scaleb(-2), D(0), reason)
    more = ClaimInputs(
        [*inputs.lines, newest],
        inputs.event,
        inputs.as_of,
        inputs.credit_limit,
        inputs.recoveries_before,
        inputs.set_offs,
        inputs.first_loss_consumed,
        inputs.indemnity_paid,
    )
    assert compute_claim(terms, more).indemnity <= compute_claim(terms, inputs).indemnity
