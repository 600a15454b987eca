"""Sign-in throttling against a real server: parallel wrong passwords, unknown e-mails,
and an owner signing in from another address while someone floods the account.

Regression: the failure counter was read, compared and written back by each request,
so 40 parallel wrong passwords were all checked at once (160 in 29 s in six bursts).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Iterator

import httpx2
import pytest
from sqlalchemy import func, select, update

from tests.web.conftest import PASSWORD, World
from tests.web.live import serve
from tradeguard.domain.identity.access import ACCOUNT_BACK_OFF, ADDRESS_BACK_OFF, LoginBackOff
from tradeguard.identity import service as users
from tradeguard.identity.models import WebSession
from tradeguard.kit.db import unit_of_work
from tradeguard.web.app import create_app

BURST = 40
OWNER = "sales@acme.test"
ATTACKER_ADDRESS = "127.0.0.1"
OWNER_ADDRESS = "127.0.0.2"  # the whole of 127/8 is the loopback on Linux


@pytest.fixture
def server(world: World) -> Iterator[str]:
    with serve(create_app(world.engine), host="0.0.0.0") as url:
        yield url.replace("0.0.0.0", "127.0.0.1")


def _client(base: str, address: str, connections: int = 1) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx2.AsyncClient(
        base_url=base,
        transport=httpx2.AsyncHTTPTransport(local_address=address, limits=limits),
        timeout=120,
        trust_env=False,
        follow_redirects=False,
    )


async def _login_token(client: httpx2.AsyncClient) -> str:
    form = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None
    return found.group(1)


async def _attempts(
    base: str, address: str, emails: list[str], password: str
) -> list[httpx2.Response]:
    """All the sign-ins at once, from one client address, over their own connections."""
    async with _client(base, address, connections=len(emails)) as client:
        token = await _login_token(client)
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        "/login", data={"email": e, "password": password, "csrf_token": token}
                    )
                    for e in emails
                )
            )
        )


def _checked_within(back_off: LoginBackOff, seconds: float) -> int:
    """How many attempts the back-off lets through in ``seconds`` at most."""
    checked, ready_at = 0, 0.0
    while ready_at <= seconds:
        checked += 1
        ready_at += back_off.wait_after(checked)
    return checked


def _burst(server: str, email: str) -> tuple[list[httpx2.Response], float]:
    started = time.monotonic()
    answers = asyncio.run(_attempts(server, ATTACKER_ADDRESS, [email] * BURST, "wrong password!"))
    return answers, time.monotonic() - started


@pytest.mark.parametrize("email", [OWNER, "nobody@acme.test"])
def test_a_burst_of_wrong_passwords_checks_only_what_the_back_off_allows(
    server: str, email: str
) -> None:
    """Known and unknown e-mails alike: the same answers, the same number checked."""
    answers, elapsed = _burst(server, email)
    statuses = [a.status_code for a in answers]
    checked = statuses.count(401)
    assert set(statuses) <= {401, 429}
    assert ACCOUNT_BACK_OFF.free_failures <= checked <= _checked_within(ACCOUNT_BACK_OFF, elapsed)
    refused = [a for a in answers if a.status_code == 429]
    assert refused
    assert all(
        1 <= int(a.headers["Retry-After"]) <= ACCOUNT_BACK_OFF.max_wait_s + 1 for a in refused
    )
    assert "Too many failed sign-ins" in refused[0].text


def test_known_and_unknown_e_mails_answer_alike(server: str) -> None:
    def answers(email: str) -> list[tuple[int, str]]:
        found = asyncio.run(_attempts(server, ATTACKER_ADDRESS, [email], "wrong password!"))
        token = re.compile(r'value="[^"]{20,}"')
        return [(a.status_code, token.sub("", a.text)) for a in found]

    assert answers(OWNER) == answers("nobody@acme.test")


def test_the_owner_signs_in_from_another_address_during_a_flood(server: str) -> None:
    """The account waits at most its short cap; a correct password then signs in."""
    _burst(server, OWNER)

    async def owner_signs_in() -> tuple[int, float]:
        started = time.monotonic()
        async with _client(server, OWNER_ADDRESS) as client:
            while True:
                token = await _login_token(client)
                answer = await client.post(
                    "/login", data={"email": OWNER, "password": PASSWORD, "csrf_token": token}
                )
                if answer.status_code != 429:
                    return answer.status_code, time.monotonic() - started
                await asyncio.sleep(int(answer.headers["Retry-After"]))

    status, waited = asyncio.run(owner_signs_in())
    assert status == 303
    assert waited <= ACCOUNT_BACK_OFF.max_wait_s + 2


def test_one_address_trying_many_e_mails_is_throttled_not_the_accounts(server: str) -> None:
    """Each e-mail is tried once, so only the address's back-off can refuse; the owner at
    another address is not held up at all."""
    guesses = [f"guess{n}@acme.test" for n in range(BURST)]
    started = time.monotonic()
    answers = asyncio.run(_attempts(server, ATTACKER_ADDRESS, guesses, "wrong password!"))
    elapsed = time.monotonic() - started
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 429}
    checked = statuses.count(401)
    assert ADDRESS_BACK_OFF.free_failures <= checked <= _checked_within(ADDRESS_BACK_OFF, elapsed)
    from_owner = asyncio.run(_attempts(server, OWNER_ADDRESS, [OWNER], PASSWORD))[0]
    assert from_owner.status_code == 303


def test_a_successful_sign_in_resets_the_account_and_purges_expired_sessions(
    world: World, server: str
) -> None:
    with unit_of_work(world.engine) as session:
        owner = users.find(session, OWNER)
        for _ in range(2):
            users.open_web_session(
                session, users.Principal(owner.id, OWNER, owner.org_id, users.Role.SALES, "en")
            )
        session.execute(
            update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
    wrong = [OWNER] * (ACCOUNT_BACK_OFF.free_failures - 1)
    for email in wrong:
        assert (
            asyncio.run(_attempts(server, ATTACKER_ADDRESS, [email], "wrong!"))[0].status_code
            == 401
        )
    assert asyncio.run(_attempts(server, ATTACKER_ADDRESS, [OWNER], PASSWORD))[0].status_code == 303
    with unit_of_work(world.engine) as session:
        live = session.scalar(select(func.count()).select_from(WebSession))
        assert live == 1  # the new one; the expired two are gone
    # the counter started again: another four mistakes are still free
    for email in wrong:
        assert (
            asyncio.run(_attempts(server, ATTACKER_ADDRESS, [email], "wrong!"))[0].status_code
            == 401
        )
