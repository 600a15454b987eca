"""The buyer page's shipping banner in a real browser: a buyer in default shows red
"cash before delivery only" with the default trigger named, a stop shows red, class B
amber and class A green; in English and Chinese."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import LiveServer, Shot
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work
from tradeguard.limits import service as limits

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

TONE = {"stopped": "stop", "cash_before_delivery": "stop", "prepayment": "warn", "allowed": "ok"}


def test_the_shipping_banner_follows_default_class_and_stop(
    live_server: LiveServer, engine: Engine, org: Organisation, page: Page, shot: Shot
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#email", live_server.email)
    page.fill("#password", live_server.password)
    page.click("#sign-in")
    expect(page).to_have_url(f"{base}/")

    # B1 owes the rest of an invoice due 2025-02-09: in default, grade 10, class C
    days = (dt.date.today() - dt.date(2025, 2, 9)).days
    page.goto(f"{base}/buyers/B1")
    banner = page.locator("#stop-shipment")
    expect(banner).to_have_attribute("data-status", "cash_before_delivery")
    expect(banner).to_have_class("flag stop")
    expect(banner).to_contain_text("Cash before delivery only")
    expect(banner.locator(".reason").first).to_have_text(
        f"invoice {days} days past due (default at 90)"
    )
    expect(banner).not_to_contain_text("Shipments allowed")
    assert banner.evaluate("e => getComputedStyle(e).color") == "rgb(139, 17, 17)"  # red
    shot("defaulted-buyer")

    # B2 paid on time: its banner follows its class (green A, amber B)
    with unit_of_work(engine) as session:
        expected = limits.buyer_limits(session, org, "B2", dt.date.today()).shipping.status
    page.goto(f"{base}/buyers/B2")
    expect(banner).to_have_attribute("data-status", expected)
    expect(banner).to_have_class(f"flag {TONE[expected]}")
    shot("paying-buyer")

    # a permanent stop: red "Shipments stopped" with the reason
    with unit_of_work(engine) as session:
        limits.stop_shipment(session, org, "B2", "fraud check", "test", today=dt.date.today())
    page.reload()
    expect(banner).to_have_attribute("data-status", "stopped")
    expect(banner).to_have_class("flag stop")
    expect(banner).to_contain_text("Shipments stopped")
    expect(banner).to_contain_text("fraud check")
    shot("stopped-buyer")

    page.goto(f"{base}/buyers/B1")
    page.click("#switch-language")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(banner).to_contain_text("仅限货到前付款")
    expect(banner.locator(".reason").first).to_contain_text("违约（逾期未付）")
    shot("defaulted-buyer-zh")
