"""Money as ``Decimal`` with its ISO 4217 currency, and its integer minor-unit form.

The ledger stores amounts as integers of the currency's minor unit (cents, or yen
for JPY) so that SQLite and PostgreSQL hold identical values and sums are exact.

Currency conversion has one rule, ``convert_minor``: an amount in minor units of its
currency times an exact decimal FX rate (base-currency units per unit), expressed in
the base currency's minor units and rounded half to even, each amount on its own.
Everything is integer arithmetic, so no float ever touches a ledger amount;
``conversion_factor`` gives the same rule as an integer (multiplier, divisor) pair for
the vectorised conversion in ``domain.ledger.snapshot``, which agrees with it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel (CLDR) knows, current and historic."""
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isupper())


def is_currency(code: str) -> bool:
    return code in currency_codes()


@cache
def minor_exponent(currency: str) -> int:
    """Digits after the decimal point of a currency (EUR 2, JPY 0, KWD 3), per CLDR."""
    if not is_currency(currency):
        raise UnknownCurrencyError(currency)
    return int(get_currency_precision(currency))


class UnknownCurrencyError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency code {code!r}")
        self.code = code


class CurrencyMismatchError(ValueError):
    pass


# An FX rate has at most this many significant digits (e.g. 9 before the point and 12
# after): its integer form times any ledger amount stays well inside 128 bits.
RATE_MAX_DIGITS = 21


class InvalidRateError(ValueError):
    def __init__(self, rate: object) -> None:
        super().__init__(
            f"not an FX rate: {rate!r} (a positive decimal of at most {RATE_MAX_DIGITS} digits)"
        )


def exact_rate(rate: Decimal | str | float) -> tuple[int, int]:
    """A positive rate as (numerator, scale): rate = numerator / 10**scale, exactly.

    Decimal text is taken as written; a float as its shortest decimal representation
    (``repr``), which is what a person wrote when the float came from decimal text.
    """
    value = Decimal(repr(rate)) if isinstance(rate, float) else Decimal(rate)
    if not value.is_finite() or value <= 0:
        raise InvalidRateError(rate)
    _sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)  # finite
    if len(digits) > RATE_MAX_DIGITS:
        raise InvalidRateError(rate)
    numerator = int("".join(map(str, digits)))
    if exponent >= 0:
        return numerator * 10**exponent, 0
    return numerator, -exponent


def conversion_factor(currency: str, base: str, rate: Decimal | str | float) -> tuple[int, int]:
    """(multiplier, divisor): base minor units = amount minor units × multiplier / divisor.

    rate × 10^(base exponent − currency exponent), as a fraction of integers.
    """
    numerator, scale = exact_rate(rate)
    shift = minor_exponent(base) - minor_exponent(currency) - scale
    if shift >= 0:
        return numerator * 10**shift, 1
    return numerator, 10**-shift


def divide_half_even(numerator: int, divisor: int) -> int:
    """numerator / divisor (divisor > 0) rounded to an integer, ties to even."""
    quotient, remainder = divmod(numerator, divisor)
    twice = 2 * remainder
    if twice > divisor or (twice == divisor and quotient % 2 == 1):
        quotient += 1
    return quotient


def convert_minor(amount: int, currency: str, base: str, rate: Decimal | str | float) -> int:
    """THE conversion rule: ``amount`` (minor units of ``currency``) in base minor units.

    amount × rate × 10^(base exponent − currency exponent), rounded half to even
    (banker's rounding, as ``quantize``); the base currency converts to itself.
    """
    if currency == base:
        return amount
    multiplier, divisor = conversion_factor(currency, base, rate)
    return divide_half_even(amount * multiplier, divisor)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to minor units; refuses amounts finer than the currency allows."""
    exponent = minor_exponent(currency)
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {exponent} decimal places for {currency}")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    exponent = minor_exponent(currency)
    return Decimal(minor).scaleb(-exponent)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half to even (banker's rounding)."""
    exponent = minor_exponent(currency)
    return amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        minor_exponent(currency)  # validates the code
        return cls(Decimal(amount), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(from_minor(minor, currency), currency)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency)} {self.currency}"
