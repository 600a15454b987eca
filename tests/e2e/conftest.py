"""Browser end-to-end fixtures: the app served over real HTTP, and headless Chromium.

Each test gets its own database (SQLite and PostgreSQL, from ``db_url``), its own
uvicorn server on a free loopback port and its own browser context, so the tests are
safe under pytest-xdist. Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright;
nothing is ever downloaded. Where Chromium or Playwright is missing (a laptop), the
tests skip with the reason, unless TRADEGUARD_REQUIRE_BROWSER=1 (as in CI), which turns
the skip into a failure. Screenshots of every step go to ``artifacts/e2e/<test>/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlalchemy import Engine

from tests.conftest import write_csv
from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("TRADEGUARD_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("TRADEGUARD_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
# Flags that let Debian's Chromium run headless as root in a container, offline.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EMAIL = "credit_manager@acme.test"
PASSWORD = "correct horse battery staple"
SERVER_START_TIMEOUT_S = 15.0
STEP_TIMEOUT_MS = 15_000  # generous: CI machines run the suite on two busy workers

_FAILED = pytest.StashKey[bool]()
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the real server in headless Chromium")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, so the page fixture can keep evidence."""
    report = yield
    if call.when == "call":
        item.stash[_FAILED] = report.failed
    return report


def _browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per module and worker; every test gets a fresh context."""
    problem = _browser_problem()
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass(frozen=True)
class LiveServer:
    url: str
    email: str
    password: str


def _seed(engine: Engine, org: Organisation, folder: Path) -> None:
    """A credit manager and a small ledger: four buyers, EUR and USD invoices, payments, FX."""
    with unit_of_work(engine) as session:
        users.add_user(session, org, EMAIL, Role.CREDIT_MANAGER, PASSWORD, "test")
        files = {
            "buyers": """buyer_id,name,country,industry
                B1,Alpha Industrie GmbH,DE,machinery
                B2,Beta Chimie SA,FR,chemicals
                B3,Gamma Trading LLC,US,retail
                B4,Delta 贸易有限公司,CN,electronics""",
            "fx": """date,currency,rate
                2025-01-01,USD,0.92
                2025-06-01,USD,0.88""",
            "invoices": """invoice_id,buyer_id,issue_date,due_date,amount,currency
                I1,B1,2025-01-10,2025-02-09,12000.00,EUR
                I2,B1,2025-03-01,2025-04-30,8000.00,USD
                I3,B2,2025-02-01,2025-03-03,5000.00,EUR
                I4,B3,2025-04-01,2025-05-01,9500.00,USD
                I5,B4,2025-05-01,2025-06-30,20000.00,USD""",
            "payments": """payment_id,buyer_id,date,amount,currency
                P1,B1,2025-02-05,4000.00,EUR
                P2,B2,2025-03-01,5000.00,EUR""",
        }
        for kind, text in files.items():
            import_file(session, org, kind, write_csv(folder, f"{kind}.csv", text), "test")


@contextmanager
def _serve(engine: Engine) -> Iterator[str]:
    """The app on uvicorn exactly as ``tradeguard serve`` runs it, in a thread of this worker.

    A thread, not a subprocess: the app is already imported here, so the server is up in
    milliseconds instead of seconds of imports. The socket is bound before uvicorn starts,
    so no other test can take the port in between.
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the server did not come up (its error is in the captured log)")
            try:
                with _DIRECT.open(f"{url}/healthz", timeout=1.0) as answer:
                    if answer.status == 200:
                        break
            except OSError:  # not listening yet
                pass
            time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def live_server(engine: Engine, org: Organisation, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app served over HTTP from a freshly migrated, seeded database of each kind."""
    _seed(engine, org, tmp_path)
    with _serve(engine) as url:
        yield LiveServer(url, EMAIL, PASSWORD)


Shot = Callable[[str], Path]


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """This test's screenshot folder, emptied first so no stale picture survives."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def page(browser: Browser, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context (own cookies).

    On failure the test's folder also keeps failure.png, failure.html and a Playwright
    trace (trace.zip: every action with its DOM and network, for ``playwright show-trace``).
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.tracing.start(screenshots=True, snapshots=True)
    page = context.new_page()
    try:
        yield page
        if request.node.stash.get(_FAILED, False):
            page.screenshot(path=artifacts / "failure.png", full_page=True)
            (artifacts / "failure.html").write_text(page.content())
            context.tracing.stop(path=artifacts / "trace.zip")  # playwright show-trace
    finally:
        context.close()


@pytest.fixture
def shot(page: Page, artifacts: Path) -> Shot:
    """Save a numbered full-page screenshot of the current step."""
    taken: list[Path] = []

    def take(name: str) -> Path:
        path = artifacts / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        taken.append(path)
        return path

    return take
