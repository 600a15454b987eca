"""The collections pages in a real browser: a call's outcome with its promise, a letter
marked printed, the settings and the effectiveness table, in English and Chinese, each
within the width of the screen. Screenshots: artifacts/e2e/."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import LiveServer, Shot
from tradeguard.collections import service as collections
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.repository import load_snapshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SCREEN = {"width": 1280, "height": 900}


def _sign_in(page: Page, server: LiveServer) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("#sign-in")
    expect(page.locator("header")).to_contain_text(server.email)


def _fits(page: Page) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREEN["width"]


def test_the_worklist_its_forms_and_the_settings(
    live_server: LiveServer, page: Page, shot: Shot, engine: Engine, org: Organisation
) -> None:
    from playwright.sync_api import expect

    # I1 (Alpha, due 9 February 2025): the reminder letter at 16 days, the call at 34
    for day in (dt.date(2025, 2, 25), dt.date(2025, 3, 15)):
        with unit_of_work(engine) as session:
            snapshot = load_snapshot(session.connection(), org.id, org.base_currency)
            collections.run_dunning(session, org, day, "test", snapshot)
    page.set_viewport_size(SCREEN)
    _sign_in(page, live_server)
    page.click("#nav-collections")
    page.fill("#as-of", "2025-03-15")
    page.click("#as-of-submit")
    expect(page.locator("#count-calls")).to_have_text("1")
    call = page.locator("form.outcome").first
    expect(page.locator("#calls-table")).to_contain_text("Alpha Industrie GmbH")
    _fits(page)
    shot("worklist-en")

    call.locator("select[name=outcome]").select_option("promise")
    call.locator("input[name=promise_amount]").fill("8000")
    call.locator("input[name=promise_invoice]").fill("I1")  # Alpha owes EUR and USD
    by = dt.date.today() + dt.timedelta(days=10)
    call.locator("input[name=promise_date]").fill(by.isoformat())
    call.locator("input[name=note]").fill("pays on the 10th")
    call.locator("button[type=submit]").click()
    expect(page.locator("#done")).to_have_text("Call outcome recorded.")
    expect(page.locator("#count-calls")).to_have_text("0")
    with unit_of_work(engine) as session:
        [promise] = collections.list_promises(session, org, buyer_id="B1")
    assert (str(promise.amount), promise.promised_for, promise.invoice_ids) == (
        "8000.00",
        by,
        ["I1"],
    )

    page.locator("#letters-table button[type=submit]").first.click()
    expect(page.locator("#done")).to_have_text("Letter marked printed.")
    expect(page.locator("#count-letters")).to_have_text("0")
    shot("worklist-after-the-forms")

    page.click("#switch-language")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_contain_text("催收")
    _fits(page)
    shot("worklist-zh")
    page.goto(f"{live_server.url}/buyers/B1")
    expect(page.locator("#contact-history-table")).to_contain_text("承诺")
    _fits(page)
    shot("buyer-contact-history-zh")
    page.goto(f"{live_server.url}/settings/dunning")
    expect(page.locator("#ladder-A")).to_contain_text("催款函")
    _fits(page)
    shot("settings-zh")
    page.fill("#letterhead-name", "Acme 出口有限公司")
    page.click("#save-settings")
    expect(page.locator("#done")).to_have_text("设置已保存。")
    expect(page.locator("#letterhead-table")).to_contain_text("Acme 出口有限公司")
    page.goto(f"{live_server.url}/collections/effectiveness?as_of=2025-06-30")
    expect(page.locator("#effectiveness-table")).to_contain_text("2025Q1")
    _fits(page)
    shot("effectiveness-zh")
