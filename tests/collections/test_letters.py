"""Dunning documents rendered: the e-mail, the HTML letter and the PDF letter, in English
and Chinese; the sandbox a template runs in.

The PDFs are read back with poppler (pdffonts, pdftotext) and need the TrueType font
(fonts-wqy-microhei); where one is missing the PDF tests skip with the reason, unless
TRADEGUARD_REQUIRE_BROWSER=1 (as in CI, which installs them), which fails instead.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tradeguard.collections.letters import (
    MAX_CHARS,
    RenderedMessage,
    TemplateProblemError,
    letter_html,
    letter_pdf,
    render_message,
    validate_template,
)
from tradeguard.domain.collections.documents import DocumentItem, DunningDocument
from tradeguard.domain.collections.policy import Letterhead
from tradeguard.domain.collections.templates import DEFAULT_TEMPLATES, StepTemplate
from tradeguard.domain.errors import InvalidInputError
from tradeguard.kit.pdf_fonts import CjkFontNotFoundError, cjk_font_path

REQUIRE = os.environ.get("TRADEGUARD_REQUIRE_BROWSER") == "1"
ZH_SENTENCES = (
    "根据我方记录，以下发票已超过付款期限仍未结清。",
    "请于七日内支付未付金额 €1,234.50 + US$200.00。",
    "如您已付款或对任何款项有异议，请立即与我们联系。",
)
EN_SENTENCES = (
    "According to our records, the invoices below remain unpaid after their due date.",
    "We kindly ask you to pay the open amount of €1,234.50 + US$200.00 within 7 days.",
)
SELLER = Letterhead(
    name="Acme Trading Ltd",
    address="1 Harbour Road\nLondon E14 5AB",
    email="ar@acme.test",
    phone="+44 20 7946 0000",
)


def item(invoice: str, days: int, amount: str, open_amount: str, currency: str) -> DocumentItem:
    due = dt.date(2025, 3, 31) - dt.timedelta(days=days)
    return DocumentItem(
        invoice_id=invoice,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        days_overdue=days,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount),
        currency=currency,
    )


ITEMS = (
    item("INV-2025-0042", 20, "1234.50", "1234.50", "EUR"),
    item("INV-2025-0057", 16, "500.00", "200.00", "USD"),
)


def document(
    language: str = "en",
    *,
    step: str = "reminder_letter",
    template: StepTemplate | None = None,
    items: tuple[DocumentItem, ...] = ITEMS,
    buyer: str | None = None,
    contact: str | None = None,
) -> DunningDocument:
    return DunningDocument(
        step=step,
        language=language,
        date=dt.date(2025, 3, 31),
        seller=SELLER,
        buyer_id="B1",
        buyer_name=buyer or ("上海华东贸易有限公司" if language == "zh" else "Northwind GmbH"),
        contact_name=contact,
        items=items,
        template=template or DEFAULT_TEMPLATES[step][language],
    )


def custom(body: str, subject: str = "Open items") -> DunningDocument:
    return document(template=StepTemplate(subject, body), step="custom_step")


# ---- the PDF, read back with poppler


def _missing_tool() -> str | None:
    for tool in ("pdffonts", "pdftotext"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian: apt-get install poppler-utils)"
    try:
        cjk_font_path()
    except CjkFontNotFoundError as error:
        return str(error)
    return None


@pytest.fixture
def poppler() -> None:
    problem = _missing_tool()
    if problem:
        if REQUIRE:
            pytest.fail(problem)
        pytest.skip(problem)


def fonts(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font, keyed by the header's columns."""
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = []
    for line in lines[2:]:  # header, dashes
        words = line.split()
        rows.append({"name": words[0], "emb": words[-5], "sub": words[-4], "uni": words[-3]})
    return rows


def pdf_text(document: DunningDocument, tmp_path: Path) -> str:
    """The letter's text as pdftotext reads it, after every font is checked embedded."""
    pdf = tmp_path / f"letter-{document.language}.pdf"
    pdf.write_bytes(letter_pdf(document))
    assert pdf.read_bytes().startswith(b"%PDF")
    found = fonts(pdf)
    assert found, "the PDF names no font"
    for font in found:
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), found
        assert "Helvetica" not in font["name"], found
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def joined(text: str, separator: str = " ") -> str:
    """Lines as wrapped on the page joined again (Chinese wraps anywhere: no separator)."""
    return separator.join(text.split())


@pytest.mark.usefixtures("poppler")
def test_the_chinese_letter_pdf_has_the_wording_the_buyer_the_invoices_and_the_amounts(
    tmp_path: Path,
) -> None:
    text = pdf_text(document("zh", contact="王经理"), tmp_path)
    flat = joined(text, "")
    for sentence in ZH_SENTENCES:
        assert joined(sentence, "") in flat
    assert "逾期发票催款函：€1,234.50+US$200.00已逾期" in flat  # the subject
    assert "尊敬的王经理：" in flat
    assert "上海华东贸易有限公司" in text
    assert "联系人：王经理" in text
    assert "Acme Trading Ltd" in text
    assert "电子邮件：ar@acme.test" in text
    assert "2025年3月31日" in text  # the letter's date, in Chinese
    for invoice in ("INV-2025-0042", "INV-2025-0057"):
        assert invoice in text
    assert "2025年3月11日" in text  # the first invoice's due date
    for label in ("发票号", "到期日", "逾期天数", "未付金额", "未付合计"):
        assert label in text
    for amount in ("€1,234.50", "US$500.00", "US$200.00"):
        assert amount in text


@pytest.mark.usefixtures("poppler")
def test_the_english_letter_pdf_has_the_wording_the_buyer_the_invoices_and_the_amounts(
    tmp_path: Path,
) -> None:
    text = pdf_text(document("en", contact="Ms Berger"), tmp_path)
    flat = joined(text)
    for sentence in EN_SENTENCES:
        assert sentence in flat
    assert "Overdue invoices: €1,234.50 + US$200.00 is past due" in flat
    assert "Dear Ms Berger," in text
    assert "Northwind GmbH" in text
    assert "Attn. Ms Berger" in text
    assert "1 Harbour Road" in text
    assert "Phone: +44 20 7946 0000" in text
    assert "31 Mar 2025" in text
    for value in ("INV-2025-0042", "INV-2025-0057", "11 Mar 2025", "Total open"):
        assert value in text
    for amount in ("€1,234.50", "US$500.00", "US$200.00"):
        assert amount in text


@pytest.mark.usefixtures("poppler")
def test_a_currency_whose_symbol_the_font_lacks_is_shown_by_its_code_in_the_pdf(
    tmp_path: Path,
) -> None:
    rupees = document(items=(item("INV-9", 20, "5000", "5000", "INR"),))
    assert "₹5,000.00" in render_message(rupees).text  # the e-mail keeps the symbol
    text = joined(pdf_text(rupees, tmp_path))
    assert "INR 5,000.00" in text
    assert "₹" not in text


@pytest.mark.usefixtures("poppler")
def test_a_long_list_of_items_continues_on_the_next_page(tmp_path: Path) -> None:
    many = tuple(item(f"INV-{n:04}", 20 + n, "100.00", "100.00", "EUR") for n in range(80))
    text = pdf_text(document(items=many), tmp_path)
    assert "\f" in text.rstrip("\f")  # more than one page
    assert "INV-0000" in text
    assert "INV-0079" in text
    assert "€8,000.00" in text  # the total, on the last page


# ---- the HTML letter and the e-mail


def test_the_html_letter_is_a_printable_page_in_the_buyers_language() -> None:
    page = letter_html(document("zh", contact="王经理"))
    assert page.startswith("<!doctype html>")
    assert '<html lang="zh-Hans">' in page
    assert "@page { size: A4" in page
    assert "Acme Trading Ltd" in page
    assert "London E14 5AB" in page
    assert "电子邮件：ar@acme.test" in page
    assert "电话：+44 20 7946 0000" in page
    assert "2025年3月31日" in page
    assert "上海华东贸易有限公司" in page
    assert "联系人：王经理" in page
    assert "逾期发票催款函：€1,234.50 + US$200.00 已逾期" in page
    assert ZH_SENTENCES[0] in page
    for value in ("INV-2025-0042", "INV-2025-0057", "US$500.00", "未付合计", "逾期天数"):
        assert value in page
    rows = re.findall(r'<tr class="total">.*?</tr>', page, re.S)
    assert len(rows) == 2  # one per currency
    assert "€1,234.50" in rows[0]
    assert "未付合计" in rows[0]
    assert "US$200.00" in rows[1]


def test_the_english_html_letter_is_in_english() -> None:
    page = letter_html(document("en"))
    assert '<html lang="en">' in page
    assert "Dear Northwind GmbH," in page  # no contact: the buyer's name
    for value in ("Invoice", "Issue date", "Open amount", "Total open", "31 Mar 2025"):
        assert value in page


def test_the_message_is_the_body_then_the_open_items_and_the_total() -> None:
    message = render_message(document("en", contact="Ms Berger"))
    assert isinstance(message, RenderedMessage)
    assert message.subject == "Overdue invoices: €1,234.50 + US$200.00 is past due"
    body, table = message.text.split("\n\nInvoice", 1)
    assert body.startswith("Dear Ms Berger,\n\nAccording to our records")
    assert body.endswith("Kind regards,\nAcme Trading Ltd")
    lines = table.splitlines()
    assert lines[1].split() == ["INV-2025-0042", "9", "Feb", "2025", "11", "Mar", "2025", "20",
                                "€1,234.50", "€1,234.50"]  # fmt: skip
    assert lines[2].split()[-2:] == ["US$500.00", "US$200.00"]
    assert message.text.rstrip().endswith("Total open: €1,234.50 + US$200.00")
    assert "<p>Dear Ms Berger,</p>" in message.html
    assert "<p>Kind regards,<br>Acme Trading Ltd</p>" in message.html
    assert message.html.index("According to") < message.html.index("INV-2025-0042")


def test_the_chinese_message_aligns_its_table_by_the_width_of_chinese_characters() -> None:
    message = render_message(document("zh"))
    assert message.subject == "逾期发票催款函：€1,234.50 + US$200.00 已逾期"
    assert message.text.startswith("尊敬的上海华东贸易有限公司：\n\n根据我方记录")
    header, first, *_ = message.text.split("\n\n")[-2].splitlines()
    assert header.startswith("发票号")
    # "发票号" is three characters but six columns wide: padded by seven to the ids' 13
    assert header.index("开票日期") == 3 + 7 + 2
    assert first.index("2025年") == 13 + 2
    assert message.text.rstrip().endswith("未付合计：€1,234.50 + US$200.00")


def test_an_invoice_not_yet_due_is_shown_as_due_in_so_many_days() -> None:
    reminder = document(
        "zh", step="pre_due_reminder", items=(item("INV-7", -3, "10", "10", "EUR"),)
    )
    message = render_message(reminder)
    assert message.subject == "付款提醒：€10.00 即将到期"
    assert "3 天后到期" in message.text
    assert (
        "今日到期"
        in render_message(document("zh", items=(item("INV-8", 0, "10", "10", "EUR"),))).text
    )
    assert "due in 3 days" in letter_html(
        document("en", step="pre_due_reminder", items=(item("INV-7", -3, "10", "10", "EUR"),))
    )


def test_one_currency_has_one_total_and_several_are_joined_in_the_items_order() -> None:
    euro = render_message(document(items=ITEMS[:1]))
    assert euro.subject == "Overdue invoices: €1,234.50 is past due"
    three = (
        item("I1", 20, "100", "100", "USD"),
        item("I2", 20, "50.25", "50.25", "EUR"),
        item("I3", 25, "1000", "900.10", "USD"),
    )
    assert render_message(document(items=three)).subject == (
        "Overdue invoices: US$1,000.10 + €50.25 is past due"
    )
    assert render_message(document("zh", items=three)).subject == (
        "逾期发票催款函：US$1,000.10 + €50.25 已逾期"
    )


def test_the_html_escapes_the_fields_and_the_templates_own_text() -> None:
    shady = replace(
        custom("<b>Pay</b> now, {{ buyer_name }}", "{{ buyer_name }}"),
        buyer_name='Müller & <Söhne> "KG"',
    )
    message = render_message(shady)
    assert message.text.startswith('<b>Pay</b> now, Müller & <Söhne> "KG"')  # text: as written
    assert "&lt;b&gt;Pay&lt;/b&gt; now, Müller &amp; &lt;Söhne&gt;" in message.html
    assert "<Söhne>" not in message.html
    assert "<b>" not in message.html
    assert message.subject == 'Müller & <Söhne> "KG"'
    assert "Müller &amp; &lt;Söhne&gt;" in letter_html(shady)


def test_a_custom_template_can_use_every_documented_field() -> None:
    body = (
        "{{ contact_name or buyer_name }} / {{ seller_name }} / {{ seller_email }} / "
        "{{ seller_phone }} / {{ date }} / {{ total }} / {{ max_days_overdue }} / "
        "{{ invoice_count }}\n"
        "{% for i in items %}{{ loop.index }}. {{ i.invoice_id }} {{ i.issue_date }} "
        "{{ i.due_date }} {{ i.days_overdue }} {{ i.amount }} {{ i.open_amount }}"
        "{% if i.days_overdue > 18 %} (late){% endif %}\n{% endfor %}"
        "{{ buyer_name|upper }} {{ items|length }} {{ seller_name.lower() }}"
    )
    message = render_message(custom(body, "{{ invoice_count }} open: {{ total }}"))
    assert message.subject == "2 open: €1,234.50 + US$200.00"
    assert message.text.startswith(
        "Northwind GmbH / Acme Trading Ltd / ar@acme.test / +44 20 7946 0000 / 31 Mar 2025 / "
        "€1,234.50 + US$200.00 / 20 / 2\n"
        "1. INV-2025-0042 9 Feb 2025 11 Mar 2025 20 €1,234.50 €1,234.50 (late)\n"
        "2. INV-2025-0057 13 Feb 2025 15 Mar 2025 16 US$500.00 US$200.00\n"
        "NORTHWIND GMBH 2 acme trading ltd"
    )
    validate_template(StepTemplate("{{ total }}", body), "zh", "custom_step")


@pytest.mark.parametrize(("step", "language"), [
    (step, language) for step, by_language in DEFAULT_TEMPLATES.items() for language in by_language
])  # fmt: skip
def test_the_shipped_wording_validates(step: str, language: str) -> None:
    validate_template(DEFAULT_TEMPLATES[step][language], language, step)


# ---- the sandbox


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ items[0].amount.__class__ }}", "unsafe"),
        ("{{ seller_name.__class__.__base__.__subclasses__() }}", "unsafe"),
        ("{% for x in range(10**9) %}x{% endfor %}", "'range' is undefined"),
        ("{{ lipsum(10**6) }}", "'lipsum' is undefined"),
        ("{{ 'x' * 10**9 }}", f"would pass {MAX_CHARS} characters"),
        ("{{ 9 ** 999999 }}", "too large"),
        ("{{ '%0999999999d' % 1 }}", "%-formatting is not allowed"),
        ("{{ '{:>999999999}'.format(1) }}", "calling format is not allowed"),
        ("{{ buyer_name.center(999999999) }}", "calling center is not allowed"),
        ("{% set s = buyer_name %}{{ s }}", "line 1: {% set %} is not allowed"),
        (
            "Hello\n{% autoescape false %}{{ buyer_name }}{% endautoescape %}",
            "line 2: {% autoescape %}",
        ),
        ("{% macro m() %}{% endmacro %}", "{% macro %} is not allowed"),
        ("{% include 'dunning_letter.html' %}", "{% include %} is not allowed"),
        ("{% for i in items recursive %}{{ loop(items) }}{% endfor %}", "recursive loops"),
        (
            "{% for a in items %}{% for b in items %}{% for c in items %}{% endfor %}"
            "{% endfor %}{% endfor %}",
            "nested at most 2 deep",
        ),
        ("{{ buyer_name|replace('a', 'aaaa') }}", "No filter named 'replace'"),
        ("{{ 'x' * 99999 ~ 'x' * 99999 }}", f"the body passes {MAX_CHARS} characters"),
    ],
)
def test_the_sandbox_refuses_what_a_letter_does_not_need(body: str, problem: str) -> None:
    with pytest.raises(TemplateProblemError, match=re.escape(problem)) as refused:
        render_message(custom(body))
    assert str(refused.value).startswith("step 'custom_step', en template, body: ")
    assert isinstance(refused.value, InvalidInputError)  # answered 422, printed as error:
    assert refused.value.field == "templates.en.body"


def test_an_unknown_field_is_named_with_the_fields_there_are() -> None:
    template = StepTemplate("Reminder for {{ buyer_adress }}", "Dear {{ buyer_name }}")
    with pytest.raises(TemplateProblemError) as refused:
        validate_template(template, "zh", "reminder_letter")
    message = str(refused.value)
    assert message.startswith("step 'reminder_letter', zh template, subject: ")
    assert "'buyer_adress' is undefined" in message
    assert "the fields are buyer_name, contact_name, seller_name" in message
    assert (refused.value.step, refused.value.language, refused.value.part) == (
        "reminder_letter", "zh", "subject",
    )  # fmt: skip


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(TemplateProblemError, match=r"body: line 3: unexpected '}'"):
        validate_template(StepTemplate("s", "Dear\n\n{{ buyer_name }"), "en", "phone_call")


def test_an_error_while_rendering_is_a_template_problem_too() -> None:
    with pytest.raises(TemplateProblemError, match="body: division by zero"):
        render_message(custom("{{ invoice_count / 0 }}"))
    with pytest.raises(TemplateProblemError, match="not supported between"):
        render_message(custom("{{ buyer_name < 3 }}"))
