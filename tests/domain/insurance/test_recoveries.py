"""Recoveries after a claim (domain.insurance.recoveries): pro rata and insured first,
by hand and the published examples, and the shares that always sum exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.policy import Policy
from tradeguard.domain.insurance.recoveries import RecoveryShare, share_recovery

D = Decimal


def policy(sharing: str = "pro_rata", currency: str = "GBP") -> Policy:
    data: dict[str, Any] = {
        "insurer": "Example Credit",
        "number": "P-1",
        "currency": currency,
        "start": "2025-01-01",
        "end": "2025-12-31",
        "insured_percentage": "0.9",
        "political_insured_percentage": "0.95",
        "aggregate_first_loss": "0",
        "non_qualifying_loss": "0",
        "maximum_liability": "1000000",
        "maximum_credit_period_days": 120,
        "maximum_extension_period_days": 60,
        "notification_deadline_days": 60,
        "waiting_period_days": 180,
        "premium_rate": "0.002",
        "minimum_premium": "1000",
        "discretionary_limit": "20000",
        "political_risk": True,
        "excluded_countries": [],
        "recovery_sharing": sharing,
    }
    return Policy.from_dict(data)


def share(
    sharing: str, amount: str, costs: str, indemnity: str, debt: str, recovered: str = "0"
) -> RecoveryShare:
    return share_recovery(
        policy(sharing),
        D(amount),
        D(costs),
        indemnity=D(indemnity),
        debt=D(debt),
        insurer_recovered=D(recovered),
    )


def split(result: RecoveryShare) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return result.insurer, result.seller, result.insurer_costs, result.seller_costs


def test_c6_pro_rata_to_the_insured_share_of_the_debt() -> None:
    """C6: Rycroft Associates, "Pro-Rata example" (ciff.co.uk/pre.html), and REFERENCES.md
    "Trade credit insurance claims": debt £30k, limit £25k (100 % insured), £10k recovered
    → 25/30 to the insurer, 8,333.33."""
    result = share("pro_rata", "10000", "0", "25000", "30000")
    # 10,000 × 25,000 / 30,000 = 8,333.333… → 8,333.33; seller 10,000 − 8,333.33
    assert split(result) == (D("8333.33"), D("1666.67"), D(0), D(0))


def test_c6_an_even_split_when_half_the_debt_is_insured() -> None:
    """C6: Rycroft Associates, "Pro-Rata example" (ciff.co.uk/pre.html): debt £30k, limit
    £15k, £15k recovered → 50 %: £7,500 insured, £7,500 uninsured."""
    result = share("pro_rata", "15000", "0", "15000", "30000")
    assert (result.insurer, result.seller) == (D(7500), D(7500))  # 15,000 × 15/30


def test_pro_rata_shares_the_costs_by_the_same_ratio() -> None:
    result = share("pro_rata", "12000", "1200", "25000", "30000")
    # net 12,000 − 1,200 = 10,800; × 25/30 = 9,000 insurer, 1,800 seller
    # costs 1,200 × 25/30 = 1,000 insurer, 200 seller
    assert split(result) == (D(9000), D(1800), D(1000), D(200))


def test_pro_rata_uses_the_indemnity_not_the_limit() -> None:
    result = share("pro_rata", "10000", "0", "22500", "30000")
    # limit 25,000 at 90 %: indemnity 22,500; 10,000 × 22,500 / 30,000 = 7,500
    assert (result.insurer, result.seller) == (D(7500), D(2500))


def test_pro_rata_never_returns_more_than_the_indemnity() -> None:
    result = share("pro_rata", "6000", "0", "25000", "30000", recovered="24000")
    # 6,000 × 25/30 = 5,000, but only 25,000 − 24,000 = 1,000 is still owed
    assert (result.insurer, result.seller) == (D(1000), D(5000))


def test_insured_first_until_the_indemnity_is_back() -> None:
    first = share("insured_first", "10000", "0", "25000", "30000")
    assert (first.insurer, first.seller) == (D(10000), D(0))  # all of it: 25,000 owed
    second = share("insured_first", "20000", "0", "25000", "30000", recovered="10000")
    # 25,000 − 10,000 = 15,000 owed; the seller takes 20,000 − 15,000 = 5,000
    assert (second.insurer, second.seller) == (D(15000), D(5000))
    done = share("insured_first", "3000", "0", "25000", "30000", recovered="25000")
    assert (done.insurer, done.seller) == (D(0), D(3000))


def test_insured_first_shares_the_costs_in_proportion_to_what_each_receives() -> None:
    result = share("insured_first", "20000", "2000", "25000", "30000", recovered="10000")
    # net 18,000; insurer min(18,000, 15,000) = 15,000, seller 3,000
    # costs 2,000 × 15,000 / 18,000 = 1,666.666… → 1,666.67; seller 2,000 − 1,666.67 = 333.33
    assert split(result) == (D(15000), D(3000), D("1666.67"), D("333.33"))


@pytest.mark.parametrize("sharing", ["pro_rata", "insured_first"])
def test_costs_above_the_recovery_leave_a_shortfall_shared_pro_rata(sharing: str) -> None:
    result = share(sharing, "1000", "1600", "25000", "30000")
    # net 1,000 − 1,600 = −600; × 25/30 = −500 insurer, −100 seller
    # costs 1,600 × 25/30 = 1,333.333… → 1,333.33; seller 266.67
    assert split(result) == (D(-500), D(-100), D("1333.33"), D("266.67"))


def test_the_insurer_share_is_rounded_half_to_even_to_the_minor_unit() -> None:
    # 1 × 1/8 = 0.125 → 0.12 (half to the even 2); 3 × 1/8 = 0.375 → 0.38
    assert share("pro_rata", "1", "0", "1", "8").insurer == D("0.12")
    assert share("pro_rata", "3", "0", "1", "8").insurer == D("0.38")
    yen = share_recovery(policy(currency="JPY"), D(5), D(0), indemnity=D(4), debt=D(8))
    assert (yen.insurer, yen.seller) == (D(2), D(3))  # 5 × 4/8 = 2.5 → 2


def test_impossible_claims_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="debt: 0 must be positive"):
        share("pro_rata", "100", "0", "0", "0")
    with pytest.raises(InvalidInputError, match="at least the indemnity 31000"):
        share("pro_rata", "100", "0", "31000", "30000")
    with pytest.raises(InvalidInputError, match="costs: -1 is negative"):
        share("pro_rata", "100", "-1", "25000", "30000")


cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c).scaleb(-2))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["pro_rata", "insured_first"]),
    cents,
    cents,
    st.integers(min_value=1, max_value=10_000_000),
    st.integers(min_value=0, max_value=100),
    cents,
)
def test_the_shares_sum_exactly_and_the_insurer_never_gets_more_than_it_paid(
    sharing: str,
    amount: Decimal,
    costs: Decimal,
    debt_cents: int,
    insured_percent: int,
    recovered: Decimal,
) -> None:
    debt = D(debt_cents).scaleb(-2)
    indemnity = (debt * insured_percent / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
    result = share_recovery(
        policy(sharing),
        amount,
        costs,
        indemnity=indemnity,
        debt=debt,
        insurer_recovered=recovered,
    )
    assert result.insurer + result.seller == amount - costs
    assert result.insurer_costs + result.seller_costs == costs
    assert result.insurer <= max(D(0), indemnity - recovered)
    assert result.insurer == result.insurer.quantize(D("0.01"))
    if amount >= costs:
        assert result.insurer >= 0
