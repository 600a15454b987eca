"""A trade credit insurance policy's terms, exactly as the wording states them.

A policy is read from one ``[policy]`` table (``tradeguard policy load FILE.toml``, the
API, the settings page): every required key must be there and no unknown key may be,
and each problem names its key. Amounts are decimal strings in the policy currency,
percentages are fractions (0.9 = 90 %), periods are whole days. docs/insurance.md
explains each term; ../DESIGN.md's table is the source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.money import is_currency


class InvalidPolicyError(InvalidInputError):
    pass


class FirstLossOrder(StrEnum):
    """Where the aggregate first loss is deducted: from the ascertained loss before the
    insured percentage (the usual wording), or from the indemnity after it."""

    BEFORE_PERCENTAGE = "before_percentage"
    AFTER_PERCENTAGE = "after_percentage"


class RecoverySharing(StrEnum):
    """How money recovered after a claim is paid is split between seller and insurer:
    pro rata to the insured and uninsured parts of the debt (the usual wording), or to
    the insured part first, until the insurer has its indemnity back."""

    PRO_RATA = "pro_rata"
    INSURED_FIRST = "insured_first"


class PolicyVariant(StrEnum):
    """Named buyers (an insurer's credit limit per buyer, the discretionary limit below
    it) or e-commerce (many small anonymous buyers: no named limits; each buyer is
    covered up to a cap set by its credit class, within policy-level aggregates)."""

    NAMED = "named"
    ECOMMERCE = "ecommerce"


REQUIRED_KEYS = (
    "insurer",
    "number",
    "currency",
    "start",
    "end",
    "insured_percentage",
    "political_insured_percentage",
    "aggregate_first_loss",
    "non_qualifying_loss",
    "maximum_liability",
    "maximum_credit_period_days",
    "maximum_extension_period_days",
    "notification_deadline_days",
    "waiting_period_days",
    "premium_rate",
    "minimum_premium",
    "discretionary_limit",
    "political_risk",
    "excluded_countries",
)
OPTIONAL_KEYS = (
    "first_loss_applies",  # default before_percentage
    "recovery_sharing",  # default pro_rata
    "variant",  # default named
    "ecommerce_caps",  # e-commerce: {A = "5000", B = "2000", C = "500"}
    "ecommerce_aggregate_limit",  # e-commerce: most insured exposure on all buyers at once
)
CREDIT_CLASSES = ("A", "B", "C")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Policy:
    insurer: str
    number: str
    currency: str
    start: dt.date  # first day of cover (inclusive)
    end: dt.date  # last day of cover (inclusive)
    insured_percentage: Decimal  # commercial events, a fraction
    political_insured_percentage: Decimal  # political events, a fraction
    aggregate_first_loss: Decimal  # per policy year, kept by the seller
    non_qualifying_loss: Decimal  # a buyer's loss at or below it is not claimable
    maximum_liability: Decimal  # most the insurer pays in a policy year
    maximum_credit_period_days: int  # longest terms (issue to due date) still covered
    maximum_extension_period_days: int  # longest a due date may be pushed without approval
    notification_deadline_days: int  # an overdue invoice is reported by due date + N
    waiting_period_days: int  # protracted default: claim filed from due date + N
    premium_rate: Decimal  # a fraction of insured turnover
    minimum_premium: Decimal  # per policy period
    discretionary_limit: Decimal  # where the insurer named no limit
    political_risk: bool  # whether political events are covered
    excluded_countries: frozenset[str]  # ISO 3166 alpha-2
    first_loss_applies: FirstLossOrder = FirstLossOrder.BEFORE_PERCENTAGE
    recovery_sharing: RecoverySharing = RecoverySharing.PRO_RATA
    variant: PolicyVariant = PolicyVariant.NAMED
    ecommerce_caps: Mapping[str, Decimal] | None = None  # credit class -> cap per buyer
    ecommerce_aggregate_limit: Decimal | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on <= self.end

    def percentage(self, political: bool) -> Decimal:
        return self.political_insured_percentage if political else self.insured_percentage

    def as_dict(self) -> dict[str, Any]:
        """The policy as its TOML table holds it (decimal strings, ISO dates)."""
        data: dict[str, Any] = {
            "insurer": self.insurer,
            "number": self.number,
            "currency": self.currency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "insured_percentage": str(self.insured_percentage),
            "political_insured_percentage": str(self.political_insured_percentage),
            "aggregate_first_loss": str(self.aggregate_first_loss),
            "non_qualifying_loss": str(self.non_qualifying_loss),
            "maximum_liability": str(self.maximum_liability),
            "first_loss_applies": self.first_loss_applies.value,
            "maximum_credit_period_days": self.maximum_credit_period_days,
            "maximum_extension_period_days": self.maximum_extension_period_days,
            "notification_deadline_days": self.notification_deadline_days,
            "waiting_period_days": self.waiting_period_days,
            "premium_rate": str(self.premium_rate),
            "minimum_premium": str(self.minimum_premium),
            "discretionary_limit": str(self.discretionary_limit),
            "political_risk": self.political_risk,
            "excluded_countries": sorted(self.excluded_countries),
            "recovery_sharing": self.recovery_sharing.value,
            "variant": self.variant.value,
        }
        if self.ecommerce_caps is not None:
            data["ecommerce_caps"] = {k: str(v) for k, v in sorted(self.ecommerce_caps.items())}
        if self.ecommerce_aggregate_limit is not None:
            data["ecommerce_aggregate_limit"] = str(self.ecommerce_aggregate_limit)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """The policy from its ``[policy]`` table; every problem is named by its key."""
        problems: list[str] = []
        unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
        if unknown:
            problems.append(f"unknown policy keys: {', '.join(map(str, unknown))}")
        missing = [k for k in REQUIRED_KEYS if k not in data]
        if missing:
            problems.append(f"missing policy keys: {', '.join(missing)}")
        if problems:
            raise InvalidPolicyError("; ".join(problems))
        read = _Reader(data, problems)
        currency = read.text("currency").upper()
        if currency and not is_currency(currency):
            problems.append(f"currency: {currency!r} is not an ISO 4217 currency code")
        start, end = read.date("start"), read.date("end")
        if start and end and end < start:
            problems.append(f"end: {end.isoformat()} is before start {start.isoformat()}")
        variant = read.choice("variant", PolicyVariant, PolicyVariant.NAMED)
        caps = read.caps("ecommerce_caps")
        if variant is PolicyVariant.ECOMMERCE and caps is None:
            problems.append("ecommerce_caps: an e-commerce policy caps each credit class (A, B, C)")
        policy = cls(
            insurer=read.text("insurer"),
            number=read.text("number"),
            currency=currency,
            start=start or dt.date.min,
            end=end or dt.date.max,
            insured_percentage=read.fraction("insured_percentage"),
            political_insured_percentage=read.fraction("political_insured_percentage"),
            aggregate_first_loss=read.amount("aggregate_first_loss"),
            non_qualifying_loss=read.amount("non_qualifying_loss"),
            maximum_liability=read.amount("maximum_liability"),
            maximum_credit_period_days=read.days("maximum_credit_period_days"),
            maximum_extension_period_days=read.days("maximum_extension_period_days"),
            notification_deadline_days=read.days("notification_deadline_days"),
            waiting_period_days=read.days("waiting_period_days"),
            premium_rate=read.fraction("premium_rate"),
            minimum_premium=read.amount("minimum_premium"),
            discretionary_limit=read.amount("discretionary_limit"),
            political_risk=read.flag("political_risk"),
            excluded_countries=read.countries("excluded_countries"),
            first_loss_applies=read.choice(
                "first_loss_applies", FirstLossOrder, FirstLossOrder.BEFORE_PERCENTAGE
            ),
            recovery_sharing=read.choice(
                "recovery_sharing", RecoverySharing, RecoverySharing.PRO_RATA
            ),
            variant=variant,
            ecommerce_caps=caps,
            ecommerce_aggregate_limit=(
                read.amount("ecommerce_aggregate_limit")
                if "ecommerce_aggregate_limit" in data
                else None
            ),
        )
        if problems:
            raise InvalidPolicyError("; ".join(problems))
        return policy


class _Reader:
    """Reads one key at a time, adding a named problem instead of raising."""

    def __init__(self, data: Mapping[str, Any], problems: list[str]) -> None:
        self.data = data
        self.problems = problems

    def _bad(self, key: str, wanted: str) -> None:
        self.problems.append(f"{key}: {wanted}, not {self.data.get(key)!r}")

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        self._bad(key, "a non-empty string")
        return ""

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self._bad(key, "a date (YYYY-MM-DD)")
        return None

    def amount(self, key: str) -> Decimal:
        value = self.data.get(key)
        if isinstance(value, str):
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                amount = Decimal("NaN")
            if amount.is_finite() and amount >= 0:
                return amount
        self._bad(key, 'a decimal string >= 0 (e.g. "25000.00")')
        return Decimal(0)

    def fraction(self, key: str) -> Decimal:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self._bad(key, "a fraction between 0 and 1 (e.g. 0.9)")
            return Decimal(0)
        try:
            # a TOML float is read through its shortest repr: 0.9 is exactly 0.9
            share = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            share = Decimal("NaN")
        if share.is_finite() and 0 <= share <= 1:
            return share
        self._bad(key, "a fraction between 0 and 1 (e.g. 0.9)")
        return Decimal(0)

    def days(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        self._bad(key, "a whole number of days >= 0")
        return 0

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if isinstance(value, bool):
            return value
        self._bad(key, "true or false")
        return False

    def countries(self, key: str) -> frozenset[str]:
        value = self.data.get(key)
        if isinstance(value, list) and all(
            isinstance(c, str) and len(c.strip()) == 2 and c.strip().isalpha() for c in value
        ):
            return frozenset(c.strip().upper() for c in value)
        self._bad(key, 'a list of ISO 3166 country codes (e.g. ["RU", "BY"])')
        return frozenset()

    def choice(self, key: str, kind: type[E], default: E) -> E:
        if key not in self.data:
            return default
        value = self.data[key]
        try:
            return kind(value)
        except ValueError:
            self._bad(key, " or ".join(f'"{member.value}"' for member in kind))
            return default

    def caps(self, key: str) -> Mapping[str, Decimal] | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, Mapping) or set(value) != set(CREDIT_CLASSES):
            self._bad(key, 'a table with a cap for each credit class, e.g. {A = "5000", ...}')
            return None
        nested = _Reader({c: value[c] for c in CREDIT_CLASSES}, self.problems)
        return {c: nested.amount(c) for c in CREDIT_CLASSES}
