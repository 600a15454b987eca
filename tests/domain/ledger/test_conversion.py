"""One exact conversion rule: the vectorised form agrees with the scalar one to the unit.

Float64 conversion was off by up to 0.13 EUR on USD invoices above 7e13, by 0.01 on
EUR-only totals near 1e15, and rounded 1 in 50 JPY ties against half-even.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.receivables.ledgers import snapshot
from tradeguard.domain.ledger.snapshot import INT64_MAX, AmountOverflowError, rates_on, to_base
from tradeguard.domain.money import convert_minor, minor_exponent
from tradeguard.domain.receivables.ageing import open_items, positions

D = dt.date
CURRENCIES = ["EUR", "USD", "JPY", "KWD", "CLF", "GBP", "CHF"]


def _reference(amount: int, currency: str, base: str, rate: str) -> int:
    """The rule written with Decimal arithmetic at a precision that cannot round."""
    if currency == base:
        return amount
    exact = Decimal(amount).scaleb(-minor_exponent(currency)) * Decimal(rate)
    base_units = exact.scaleb(minor_exponent(base))
    return int(base_units.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _vectorised(amounts: list[int], currencies: list[str], rates: dict[str, str]) -> list[int]:
    fx = pl.DataFrame(
        {
            "currency": list(rates),
            "date": [D(2024, 1, 1)] * len(rates),
            "rate": list(rates.values()),
        },
        schema={"currency": pl.String, "date": pl.Date, "rate": pl.String},
    )
    frame = pl.DataFrame(
        {"amount": amounts, "currency": currencies},
        schema={"amount": pl.Int64, "currency": pl.String},
    )
    table = rates_on(fx, sorted(set(currencies)), "EUR", D(2024, 2, 1))
    return to_base(frame["amount"], frame["currency"], table, "EUR").to_list()


rates_text = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal("99999"), places=6, allow_nan=False
).map(lambda d: format(d.normalize(), "f"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 10**15), st.integers(0, INT64_MAX)),  # narrow and wide
            st.sampled_from(CURRENCIES),
        ),
        min_size=1,
        max_size=30,
    ),
    st.dictionaries(st.sampled_from(CURRENCIES[1:]), rates_text, min_size=len(CURRENCIES) - 1),
)
def test_vectorised_conversion_equals_the_scalar_rule(
    items: list[tuple[int, str]], rates: dict[str, str]
) -> None:
    amounts = [a for a, _ in items]
    currencies = [c for _, c in items]
    fast = _vectorised(amounts, currencies, rates)
    scalar = [convert_minor(a, c, "EUR", rates.get(c, "1")) for a, c in items]
    reference = [_reference(a, c, "EUR", rates.get(c, "1")) for a, c in items]
    assert scalar == reference
    # what does not fit 64-bit minor units is null, never a wrapped or rounded number
    assert fast == [r if r <= INT64_MAX else None for r in reference]


def test_large_usd_invoices_convert_to_the_cent() -> None:
    # 912,562,722,629,194.32 USD at 0.9215 EUR: float64 arithmetic gave 0.17 EUR too little.
    amount = 91_256_272_262_919_432
    assert round(amount * 0.9215) == 84_092_654_890_280_240  # the old float result
    assert convert_minor(amount, "USD", "EUR", "0.9215") == 84_092_654_890_280_257
    assert _vectorised([amount], ["USD"], {"USD": "0.9215"}) == [84_092_654_890_280_257]
    assert _reference(amount, "USD", "EUR", "0.9215") == 84_092_654_890_280_257


def test_jpy_ties_round_half_to_even() -> None:
    # 0.005 EUR ties: 1 JPY at 0.005 → 0.5 cent → 0 (even), 3 JPY → 1.5 cents → 2.
    assert [convert_minor(a, "JPY", "EUR", "0.005") for a in (1, 3, 5, 7)] == [0, 2, 2, 4]
    assert _vectorised([1, 3, 5, 7], ["JPY"] * 4, {"JPY": "0.005"}) == [0, 2, 2, 4]


def test_eur_totals_near_1e15_are_exact() -> None:
    amounts = [99_999_999_999_999_99, 1, 7]  # 999,999,999,999,999.99 EUR and two cents
    ledger = snapshot(
        [(f"I{i}", "B1", D(2024, 1, 1), D(2024, 2, 1), a, "EUR") for i, a in enumerate(amounts)],
        [],
    )
    items = open_items(positions(ledger, D(2024, 3, 1))).collect()
    assert int(items["open_base"].sum()) == sum(amounts)


def test_amounts_that_cannot_be_held_are_refused() -> None:
    huge = 9 * 10**18  # fits 64 bits alone, not converted at 40 EUR per KWD, nor twice
    overflowing_rate = snapshot(
        [("I1", "B1", D(2024, 1, 1), D(2024, 2, 1), huge, "KWD")],
        [],
        fx=[("KWD", D(2024, 1, 1), 40.0)],
    )
    with pytest.raises(AmountOverflowError, match="exceed what the ledger can hold"):
        positions(overflowing_rate, D(2024, 3, 1))
    overflowing_sum = snapshot(
        [(f"I{i}", "B1", D(2024, 1, 1), D(2024, 2, 1), huge, "EUR") for i in range(2)], []
    )
    with pytest.raises(AmountOverflowError):
        open_items(positions(overflowing_sum, D(2024, 3, 1)))


def test_beyond_64_bit_products_still_follow_the_rule() -> None:
    # 5e18 yen at 0.0063: the product with the multiplier (63) exceeds 64 bits, the
    # result (3.15e18 cents) does not; a rate with 21 decimals has a divisor of 10^19.
    amounts = [5 * 10**18, 12_345]
    assert _vectorised(amounts, ["JPY", "JPY"], {"JPY": "0.0063"}) == [
        convert_minor(a, "JPY", "EUR", "0.0063") for a in amounts
    ]
    tiny = "0.000000000000000001234"
    assert _vectorised([10**18, 7], ["USD", "USD"], {"USD": tiny}) == [
        _reference(10**18, "USD", "EUR", tiny),
        0,
    ]
