"""A credit manager works a buyer in a real browser: the buyers list sorted by exposure,
a limit requested on the buyer page, decided on the pending page, another rejected,
shipments stopped and the stop lifted, invoices paged, filtered and seen on a past date.

Screenshots of each step: artifacts/e2e/<test>/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.conftest import write_csv
from tests.e2e.conftest import LiveServer, Shot
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def _more_invoices(engine: Engine, org: Organisation, folder: Path) -> None:
    """60 more invoices of B1 (one a day from 2025-07-01, 30 days' terms): 62 in all."""
    start = dt.date(2025, 7, 1)
    rows = ["invoice_id,buyer_id,issue_date,due_date,amount,currency"] + [
        f"X{n:02d},B1,{start + dt.timedelta(days=n)},{start + dt.timedelta(days=n + 30)},100.00,EUR"
        for n in range(60)
    ]
    with unit_of_work(engine) as session:
        import_file(session, org, "invoices", write_csv(folder, "x.csv", "\n".join(rows)), "test")


def test_request_decide_stop_lift_and_page_invoices(
    live_server: LiveServer,
    engine: Engine,
    org: Organisation,
    page: Page,
    shot: Shot,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    _more_invoices(engine, org, tmp_path)
    base = live_server.url
    page.goto(f"{base}/login?next=/buyers")
    page.fill("#email", live_server.email)
    page.fill("#password", live_server.password)
    page.click("#sign-in")
    expect(page).to_have_url(f"{base}/buyers")
    expect(page).to_have_title("Buyers · TradeGuard")

    # sorted by exposure, largest first: B1 owes €8,000 + €6,000 + USD 8,000 (× 0.88),
    # B4 USD 20,000 (× 0.88 = €17,600)
    page.click("#sort-exposure")
    page.click("#sort-exposure")
    expect(page).to_have_url(f"{base}/buyers?sort=-exposure")
    rows = page.locator("#buyers-table tr")
    expect(rows.nth(1)).to_contain_text("Alpha Industrie GmbH")
    expect(rows.nth(1)).to_contain_text("€21,040.00")
    expect(rows.nth(2)).to_contain_text("Delta 贸易有限公司")
    expect(rows.nth(2)).to_contain_text("€17,600.00")
    page.check("#filter-overdue")
    page.select_option("#filter-country", "DE")
    page.click("#buyer-filter-submit")
    expect(page.locator("#buyers-table tr")).to_have_count(2)
    expect(page.locator("#buyers-table")).to_contain_text("Alpha Industrie GmbH")
    shot("buyers-by-exposure")

    page.locator("#buyers-table").get_by_role("link", name="B1", exact=True).click()
    expect(page).to_have_url(f"{base}/buyers/B1")
    expect(page).to_have_title("Alpha Industrie GmbH · Buyers · TradeGuard")

    # a refused request: the message beside the form, nothing requested
    page.fill("#limit-amount", "12.345")
    page.fill("#limit-reason", "new framework contract")
    page.click("#limit-request-submit")
    expect(page.locator("#request-error")).to_contain_text("more than 2 decimal places")
    expect(page.locator("#limit-reason")).to_have_value("new framework contract")
    shot("request-refused")
    page.fill("#limit-amount", "9000")  # within the credit manager's own authority
    page.click("#limit-request-submit")
    expect(page).to_have_url(f"{base}/buyers/B1?done=limit-requested")
    expect(page.locator("#done")).to_contain_text("Limit requested")
    expect(page.locator("#pending-1")).to_contain_text("€9,000.00")
    shot("limit-requested")

    # the pending page lists it; approve a smaller amount there
    page.click("#nav-limit-requests")
    expect(page).to_have_url(f"{base}/limit-requests")
    expect(page).to_have_title("Pending limit requests · TradeGuard")
    row = page.locator("#pending-1")
    expect(row).to_contain_text("Alpha Industrie GmbH")
    expect(row).to_contain_text("new framework contract")
    shot("pending")
    # B1 is in default (an invoice 90+ days past due): approving needs an override reason
    page.fill("#approve-1-amount", "8000")
    page.fill("#approve-1-reason", "pays on time")
    page.click("#approve-1-submit")
    expect(page.locator("#approve-1-error")).to_contain_text("override reason")
    shot("override-needed")
    page.fill("#approve-1-override", "parent company guarantee")
    page.click("#approve-1-submit")
    expect(page).to_have_url(f"{base}/limit-requests?done=limit-approved")
    expect(page.locator("#pending-table")).to_have_text(
        "No limit request is waiting for a decision."
    )
    shot("approved")

    # back on the buyer page: the limit is in force; a second request is rejected there
    page.goto(f"{base}/buyers/B1")
    expect(page.locator("#limit-history")).to_contain_text("pays on time")
    expect(page.locator("#limit-history")).to_contain_text("€8,000.00")
    page.fill("#limit-amount", "9500")
    page.click("#limit-request-submit")
    page.click("#reject-2-submit")  # without a reason: refused
    expect(page.locator("#reject-2-error")).to_contain_text("a decision needs a reason")
    page.fill("#reject-2-reason", "too much for its size")
    page.click("#reject-2-submit")
    expect(page).to_have_url(f"{base}/buyers/B1?done=limit-rejected")
    expect(page.locator("#limit-history")).to_contain_text("too much for its size")
    expect(page.locator("#pending-2")).to_have_count(0)

    # stop shipments until a date, then lift the stop
    page.fill("#stop-reason", "cheque bounced")
    page.fill("#stop-until", "2099-06-30")
    page.click("#stop-submit")
    expect(page).to_have_url(f"{base}/buyers/B1?done=shipments-stopped")
    expect(page.locator("#stop-shipment")).to_have_class(re.compile(r"\bstop\b"))
    expect(page.locator("#stop-shipment")).to_contain_text("cheque bounced")
    shot("stopped")
    page.fill("#lift-reason", "paid by transfer")
    page.click("#lift-submit")
    expect(page).to_have_url(f"{base}/buyers/B1?done=stop-lifted")
    expect(page.locator("#stop-shipment")).not_to_have_attribute("data-status", "stopped")
    expect(page.locator("#lift-form")).to_have_count(0)
    shot("stop-lifted")

    # invoices: 62, fifty a page; the next page keeps the date; overdue ones only
    expect(page.locator("#invoices-table tr")).to_have_count(51)
    page.click("#inv-next")
    expect(page).to_have_url(re.compile(r"inv_offset=50"))
    expect(page.locator("#invoices-table tr")).to_have_count(13)
    expect(page.locator("#invoices-table")).to_contain_text("I1")
    shot("invoices-page-2")
    page.fill("#as-of", "2025-08-15")
    page.click("#as-of-submit")
    expect(page).to_have_url(f"{base}/buyers/B1?as_of=2025-08-15")
    page.click("#status-overdue")
    expect(page).to_have_url(f"{base}/buyers/B1?as_of=2025-08-15&status=overdue")
    # due by 2025-08-14: X00..X14, I2 (due 2025-04-30) and I1 (due 2025-02-09)
    rows = page.locator("#invoices-table tr")
    expect(rows).to_have_count(1 + 15 + 2)
    expect(rows.nth(1)).to_contain_text("X14")
    expect(rows.nth(1).locator("td").last).to_have_text("1")
    expect(page.locator("#buyer-open")).to_contain_text("€")
    shot("overdue-on-a-past-date")
