"""In a real browser, a file refused on the Chinese import page lists its problems in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.conftest import write_csv
from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    LiveServer,
    Shot,
    artifacts,
    browser,
    live_server,
    page,
    shot,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page


REFUSED = """invoice_id,buyer_id,issue_date,due_date,amount,currency
    ZH-1,NOPE,2025-07-01,2025-07-31,１５００,EUR
    ZH-2,B1,0000-07-01,2025-07-31,300.00,EUR"""


def test_the_chinese_import_page_lists_chinese_problems(
    live_server: LiveServer,  # noqa: F811
    page: Page,  # noqa: F811
    shot: Shot,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login?next=/import")
    page.fill("#email", live_server.email)
    page.fill("#password", live_server.password)
    page.click("#sign-in")
    expect(page).to_have_url(f"{live_server.url}/import")
    page.click("#switch-language")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.select_option("#import-kind", "invoices")
    page.set_input_files("#import-file", write_csv(tmp_path, "refused.csv", REFUSED))
    page.click("#import-submit")
    errors = page.locator("table")
    expect(errors).to_contain_text("未知的买方 'NOPE'")
    expect(errors).to_contain_text("不是数字：'１５００'")
    expect(errors).to_contain_text("'0000-07-01' 的年份不在 1900 至 2200 之间")
    expect(errors).not_to_contain_text("unknown buyer")
    shot("import-refused-zh")
