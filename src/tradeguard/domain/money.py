"""Money as ``Decimal`` with its ISO 4217 currency, and its integer minor-unit form.

The ledger stores amounts as integers of the currency's minor unit (cents, or yen
for JPY) so that SQLite and PostgreSQL hold identical values and sums are exact.
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
