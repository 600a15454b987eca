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
    SCREEN_ORDERS = "screen_orders"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CREDIT_MANAGER: frozenset(
        {
            Permission.READ_LEDGER,
            Permission.WRITE_LEDGER,
            Permission.REQUEST_LIMITS,
            Permission.SCREEN_ORDERS,
            Permission.READ_AUDIT,
        }
    ),
    Role.SALES: frozenset(
        {Permission.READ_LEDGER, Permission.REQUEST_LIMITS, Permission.SCREEN_ORDERS}
    ),
    Role.VIEWER: frozenset({Permission.READ_LEDGER}),
}


class Org(Protocol):
    """The organisation a call acts for: every query is scoped by its ``id``.

    Services need only these three facts. The stored row (``identity.models.Organisation``)
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


@dataclass(frozen=True, slots=True)
class LoginBackOff:
    """How long sign-ins must wait after failures counted under one key.

    The first ``free_failures`` cost nothing; after that each failure doubles the wait,
    from 1 second up to ``max_wait_s``. Never a hard lock: once the wait is over the
    next attempt is checked, so a correct password always signs in eventually.
    A counter left alone for ``forget_after_s`` starts again from zero.
    """

    free_failures: int
    max_wait_s: int
    forget_after_s: int

    def wait_after(self, failures: int) -> int:
        """Whole seconds the next attempt waits after ``failures`` failures in a row."""
        if failures < self.free_failures:
            return 0
        doubled: int = 2 ** (failures - self.free_failures)
        return min(doubled, self.max_wait_s)

    def waits(self) -> list[tuple[int, int]]:
        """``(failures, wait)`` for every count whose wait is below the cap, in order."""
        steps: list[tuple[int, int]] = []
        failures = self.free_failures
        while (wait := self.wait_after(failures)) < self.max_wait_s:
            steps.append((failures, wait))
            failures += 1
        return steps


# One account: short enough that someone flooding it keeps its owner out for at most a
# minute; five free tries for typing mistakes.
ACCOUNT_BACK_OFF = LoginBackOff(free_failures=5, max_wait_s=60, forget_after_s=15 * 60)
# One client address, over every e-mail it tries: an office behind one address gets
# twenty free tries, a guesser soon waits 15 minutes a try, far longer than any one
# account's wait, so it can take an account's turn only rarely.
ADDRESS_BACK_OFF = LoginBackOff(free_failures=20, max_wait_s=15 * 60, forget_after_s=24 * 3600)
