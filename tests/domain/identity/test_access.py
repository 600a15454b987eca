from tradeguard.domain.identity.access import (
    ACCOUNT_BACK_OFF,
    ADDRESS_BACK_OFF,
    LoginBackOff,
    Permission,
    Role,
    can,
)


def test_roles_carry_their_permissions() -> None:
    assert all(can(Role.ADMIN, p) for p in Permission)
    assert can(Role.CREDIT_MANAGER, Permission.WRITE_LEDGER)
    assert not can(Role.CREDIT_MANAGER, Permission.MANAGE_USERS)
    assert can(Role.SALES, Permission.READ_LEDGER)
    assert not can(Role.SALES, Permission.WRITE_LEDGER)
    assert can(Role.SALES, Permission.REQUEST_LIMITS)
    assert not can(Role.VIEWER, Permission.REQUEST_LIMITS)
    assert not can(Role.VIEWER, Permission.READ_AUDIT)


def test_failed_logins_wait_longer_and_longer_up_to_a_cap() -> None:
    back_off = LoginBackOff(free_failures=5, max_wait_s=60, forget_after_s=900)
    assert [back_off.wait_after(n) for n in (0, 4, 5, 6, 10, 11, 100)] == [0, 0, 1, 2, 32, 60, 60]
    assert back_off.waits() == [(5, 1), (6, 2), (7, 4), (8, 8), (9, 16), (10, 32)]


def test_an_address_waits_longer_than_an_account() -> None:
    """A flood from one address takes an account's turn at most once per address wait."""
    assert ADDRESS_BACK_OFF.max_wait_s > ACCOUNT_BACK_OFF.max_wait_s
    assert ACCOUNT_BACK_OFF.max_wait_s <= 60
