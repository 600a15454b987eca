"""What every API answer shares: a page of items, an amount as a decimal string, and the
largest amount a request may carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel

from tradeguard.domain.money import from_minor

T = TypeVar("T")

# The most an amount may be: what a 15-digit count of minor units holds (imports).
MAX_AMOUNT = Decimal(10) ** 15


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def money(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))
