"""A credit manager's day in a real browser: log in, import, open a buyer, 中文, log out.

Unlike tests/web (an HTTP client), this runs the served app in headless Chromium, so
forms, redirects, cookies, CSRF fields, file uploads and the rendered (Chinese) text
are checked as a user meets them. Screenshots of each step: artifacts/e2e/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import write_csv
from tests.e2e.conftest import LiveServer, Shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

REFUSED_INVOICES = """invoice_id,buyer_id,issue_date,due_date,amount,currency
    E2E-1,B1,2025-07-01,2025-07-31,1500.00,EUR
    E2E-2,NOPE,2025-07-01,2025-07-31,700.00,EUR
    E2E-3,B1,2025-07-01,2025-13-31,300.00,EUR"""

GOOD_INVOICES = """invoice_id,buyer_id,issue_date,due_date,amount,currency
    E2E-1,B1,2025-07-01,2025-07-31,1500.00,EUR
    E2E-3,B1,2025-07-01,2025-08-31,300.00,EUR"""


def test_log_in_import_open_buyer_switch_language_log_out(
    live_server: LiveServer, page: Page, shot: Shot, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = live_server.url

    # a page that needs a session sends the browser to the login form
    page.goto(f"{base}/buyers")
    expect(page).to_have_url(f"{base}/login?next=/buyers")
    expect(page.locator("#sign-in")).to_be_visible()
    shot("login")

    page.fill("#email", live_server.email)
    page.fill("#password", live_server.password)
    page.click("#sign-in")
    expect(page).to_have_url(f"{base}/buyers")
    expect(page.locator("#buyers-table")).to_contain_text("Alpha Industrie GmbH")
    expect(page.locator("header")).to_contain_text(live_server.email)

    # a file with bad rows is refused whole, every problem listed with its row
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page).to_have_url(f"{base}/import")
    page.select_option("#import-kind", "invoices")
    page.set_input_files("#import-file", write_csv(tmp_path, "refused.csv", REFUSED_INVOICES))
    page.click("#import-submit")
    expect(page.locator("#import-errors")).to_be_visible()
    errors = page.locator("table")
    expect(errors).to_contain_text("unknown buyer 'NOPE'")
    expect(errors).to_contain_text("not a date in YYYY-MM-DD form: '2025-13-31'")
    expect(errors.locator("tr")).to_have_count(3)  # header and the two bad rows
    expect(page.locator("#import-result")).to_have_count(0)
    shot("import-refused")

    # the corrected file goes in
    page.select_option("#import-kind", "invoices")
    page.set_input_files("#import-file", write_csv(tmp_path, "good.csv", GOOD_INVOICES))
    page.click("#import-submit")
    expect(page.locator("#import-result")).to_contain_text("inserted 2")
    expect(page.locator("#import-errors")).to_have_count(0)
    shot("import-accepted")

    # find the buyer from the list and open it: the imported invoices are on its page
    page.get_by_role("link", name="Buyers", exact=True).click()
    page.fill("#buyer-search", "alpha")
    page.press("#buyer-search", "Enter")
    expect(page).to_have_url(f"{base}/buyers?q=alpha")
    table = page.locator("#buyers-table")
    expect(table).to_contain_text("Alpha Industrie GmbH")
    expect(table).not_to_contain_text("Beta Chimie")
    shot("buyers-search")
    table.get_by_role("link", name="B1", exact=True).click()
    expect(page).to_have_url(f"{base}/buyers/B1")
    expect(page.locator("h1")).to_contain_text("Alpha Industrie GmbH")
    expect(page.locator("body")).to_contain_text("E2E-1")
    expect(page.locator("body")).to_contain_text("E2E-3")
    expect(page.locator("#buyer-open")).to_contain_text(re.compile(r"€\s?[1-9]"))
    shot("buyer")

    # Chinese: same page, translated labels, Chinese locale on the document
    page.click("#switch-language")
    expect(page).to_have_url(f"{base}/buyers/B1")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("header")).to_contain_text("买方")
    expect(page.locator("body")).to_contain_text("风险敞口")
    expect(page.locator("#sign-out")).to_have_text("退出")
    shot("buyer-zh")
    page.get_by_role("link", name="买方", exact=True).click()
    page.fill("#buyer-search", "Delta")
    page.press("#buyer-search", "Enter")
    expect(page.locator("#buyers-table")).to_contain_text("Delta 贸易有限公司")
    shot("buyers-zh")

    # signing out ends the session: back to the login page, and pages need it again
    page.click("#sign-out")
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator("#sign-in")).to_be_visible()
    shot("signed-out")
    page.goto(f"{base}/buyers/B1")
    expect(page).to_have_url(f"{base}/login?next=/buyers/B1")
