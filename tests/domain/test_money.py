from decimal import Decimal

import pytest

from tradeguard.domain.money import (
    CurrencyMismatchError,
    InvalidRateError,
    Money,
    UnknownCurrencyError,
    conversion_factor,
    convert_minor,
    divide_half_even,
    exact_rate,
    from_minor,
    minor_exponent,
    quantize,
    to_minor,
)


@pytest.mark.parametrize(("currency", "exponent"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("CNY", 2)])
def test_minor_exponent_follows_iso_4217(currency: str, exponent: int) -> None:
    assert minor_exponent(currency) == exponent


def test_round_trip_through_minor_units_is_exact() -> None:
    assert to_minor(Decimal("1234.56"), "EUR") == 123456
    assert from_minor(123456, "EUR") == Decimal("1234.56")
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor(Decimal("1.250"), "KWD") == 1250


def test_amount_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="decimal places"):
        to_minor(Decimal("0.001"), "EUR")
    with pytest.raises(ValueError, match="decimal places"):
        to_minor(Decimal("1.5"), "JPY")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrencyError):
        Money.of("1", "XYZ")


def test_money_arithmetic_keeps_currency() -> None:
    total = Money.of("10.10", "EUR") + Money.of("0.20", "EUR") - Money.of("5", "EUR")
    assert total == Money(Decimal("5.30"), "EUR")
    assert total.minor == 530
    assert str(-total) == "-5.30 EUR"
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_quantize_rounds_half_to_even() -> None:
    assert quantize(Decimal("0.125"), "EUR") == Decimal("0.12")
    assert quantize(Decimal("0.135"), "EUR") == Decimal("0.14")


def test_exact_rate_and_the_conversion_rule() -> None:
    assert exact_rate("0.9215") == (9215, 4)
    assert exact_rate("1.10") == (11, 1)
    assert exact_rate(0.1) == (1, 1)  # a float is read as its shortest decimal form
    assert exact_rate("150") == (150, 0)
    for bad in ("0", "-1", "NaN", "Infinity", "1." + "1" * 400):
        with pytest.raises(InvalidRateError):
            exact_rate(bad)
    # JPY (0 decimals) to EUR (2): 0.0063 EUR per yen → 63 / 100 cents per yen
    assert conversion_factor("JPY", "EUR", "0.0063") == (63, 100)
    # KWD (3 decimals) to EUR: 2.98 EUR per dinar → 298 / 1000 cents per fils
    assert conversion_factor("KWD", "EUR", "2.98") == (298, 1000)
    assert [divide_half_even(n, 2) for n in (1, 3, 5, -1, -3)] == [0, 2, 2, 0, -2]
    assert convert_minor(12_345, "EUR", "EUR", "7") == 12_345  # the base converts to itself
    assert convert_minor(1_000_000, "JPY", "EUR", "0.0063") == 630_000
