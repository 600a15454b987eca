"""What every API answer shares: a page of items, and an amount as a decimal string."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from tradeguard.domain.money import from_minor

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def money(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))
