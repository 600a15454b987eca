from tradeguard.domain.access import Permission, Role, can, login_delay_seconds


def test_roles_carry_their_permissions() -> None:
    assert all(can(Role.ADMIN, p) for p in Permission)
    assert can(Role.CREDIT_MANAGER, Permission.WRITE_LEDGER)
    assert not can(Role.CREDIT_MANAGER, Permission.MANAGE_USERS)
    assert can(Role.SALES, Permission.READ_LEDGER)
    assert not can(Role.SALES, Permission.WRITE_LEDGER)
    assert can(Role.SALES, Permission.REQUEST_LIMITS)
    assert not can(Role.VIEWER, Permission.REQUEST_LIMITS)
    assert not can(Role.VIEWER, Permission.READ_AUDIT)


def test_failed_logins_wait_longer_and_longer() -> None:
    assert [login_delay_seconds(n) for n in (0, 4, 5, 6, 10)] == [0.0, 0.0, 1.0, 2.0, 32.0]
    assert login_delay_seconds(100) == 900.0
