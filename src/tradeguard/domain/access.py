"""Who may do what: roles and the permissions they carry.

Roles (issue "Web application and REST API"): ``admin`` manages users and settings
and can do everything; ``credit_manager`` runs operations (imports, limits, dunning,
claims); ``sales`` reads buyers, screens orders and asks for credit limits (which a
credit manager then decides); ``viewer`` only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    ADMIN = "admin"
    CREDIT_MANAGER = "credit_manager"
    SALES = "sales"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ_LEDGER = "read_ledger"
    WRITE_LEDGER = "write_ledger"
    REQUEST_LIMITS = "request_limits"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CREDIT_MANAGER: frozenset(
        {
            Permission.READ_LEDGER,
            Permission.WRITE_LEDGER,
            Permission.REQUEST_LIMITS,
            Permission.READ_AUDIT,
        }
    ),
    Role.SALES: frozenset({Permission.READ_LEDGER, Permission.REQUEST_LIMITS}),
    Role.VIEWER: frozenset({Permission.READ_LEDGER}),
}


class Org(Protocol):
    """The organisation a call acts for: every query is scoped by its ``id``.

    Services need only these three facts. The stored row (``store.models.Organisation``)
    has them, and so does ``OrgRef``, which a request reads with its caller in one plain
    query instead of loading the row as an ORM entity (about a third of the request).
    """

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def base_currency(self) -> str: ...


@dataclass(frozen=True, slots=True)
class OrgRef:
    """An organisation's identity and base currency, as a request carries them."""

    id: int
    name: str
    base_currency: str


def can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def login_delay_seconds(failed_attempts: int) -> float:
    """How long a login must wait after ``failed_attempts`` failures in a row.

    The first four failures cost nothing; then the wait doubles from 1 second up to
    15 minutes, which makes guessing passwords impractically slow.
    """
    if failed_attempts < 5:
        return 0.0
    return float(min(2 ** (failed_attempts - 5), 900))
