"""A dunning document rendered: the e-mail (subject, text, HTML), the letter (HTML, PDF).

The wording is an organisation's own Jinja source, so it runs in a sandbox that sees only
the documented fields (``domain.collections.templates``), already formatted in the
buyer's language, and allows only what a letter needs: the fields, ``if``, ``for`` (two
deep, not recursive) and a few filters and string methods that cannot grow the text.
Assignments, macros, includes, ``autoescape`` blocks, unsafe attributes and unknown
fields are refused as a ``TemplateProblemError`` naming the step, language and problem;
``validate_template`` runs the same checks when the settings are saved.

The wording is plain text: the HTML versions escape all of it (the template's own text as
well as the fields), so neither a template nor a buyer's name can add markup. The table
of open items and the total follow the body in every version. The PDF sets both languages
in the one embedded TrueType font (``kit.pdf_fonts``), so every font in it is embedded.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import jinja2
from babel.numbers import format_currency
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tradeguard.domain.collections.documents import DocumentItem, DunningDocument
from tradeguard.domain.collections.policy import Letterhead
from tradeguard.domain.collections.templates import StepTemplate
from tradeguard.domain.errors import InvalidInputError
from tradeguard.kit import i18n
from tradeguard.kit.pdf_fonts import cjk_font_path, registered_font

FIELDS = (
    "buyer_name",
    "contact_name",
    "seller_name",
    "seller_email",
    "seller_phone",
    "date",
    "total",
    "max_days_overdue",
    "invoice_count",
    "items",
)
MAX_CHARS = 100_000  # what one subject or body may render to
MAX_LOOP_DEPTH = 2

_LABELS = {
    "en": {
        "invoice": "Invoice",
        "issue_date": "Issue date",
        "due_date": "Due date",
        "days_overdue": "Days overdue",
        "amount": "Amount",
        "open_amount": "Open amount",
        "total": "Total open",
        "email": "E-mail",
        "phone": "Phone",
        "contact": "Attn.",
        "due_today": "due today",
        "due_in": "due in {days} days",
    },
    "zh": {
        "invoice": "发票号",
        "issue_date": "开票日期",
        "due_date": "到期日",
        "days_overdue": "逾期天数",
        "amount": "发票金额",
        "open_amount": "未付金额",
        "total": "未付合计",
        "email": "电子邮件",
        "phone": "电话",
        "contact": "联系人",
        "due_today": "今日到期",
        "due_in": "{days} 天后到期",
    },
}


class TemplateProblemError(InvalidInputError):
    """A step's wording that cannot be rendered: a syntax error, something the sandbox
    refuses, or a field that does not exist."""

    def __init__(self, step: str, language: str, part: str, problem: str) -> None:
        super().__init__(
            f"step {step!r}, {language} template, {part}: {problem}",
            field=f"templates.{language}.{part}",
        )
        self.step = step
        self.language = language
        self.part = part
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class _Item:
    """One invoice as a template sees it: every figure formatted, but the days a number."""

    invoice_id: str
    issue_date: str
    due_date: str
    days_overdue: int
    amount: str
    open_amount: str


@dataclass(frozen=True, slots=True)
class _Row:
    item: _Item
    days: str  # the days overdue as the table shows them


@dataclass(frozen=True, slots=True)
class _View:
    """What every version of the document shows, formatted and rendered."""

    language: str
    html_lang: str
    labels: dict[str, str]
    date: str
    seller: Letterhead
    seller_address: list[str]
    buyer_name: str
    contact_name: str
    subject: str
    text: str  # the body as rendered
    paragraphs: list[list[str]]  # the body: paragraphs of lines
    rows: list[_Row]
    totals: list[str]  # one per currency
    total: str  # joined


Money = Callable[[str, Decimal, str], str]


class _Sandbox(ImmutableSandboxedEnvironment):
    """Bounded: no global functions, growth-proof filters and methods, capped operators."""

    intercepted_binops = frozenset({"*", "**", "%"})
    _FILTERS = frozenset(
        {
            "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "int",
            "join", "last", "length", "lower", "reverse", "round", "sort", "striptags",
            "title", "trim", "truncate", "upper", "wordcount",
        }
    )  # fmt: skip
    _METHODS = frozenset(
        {
            "capitalize", "casefold", "endswith", "lower", "lstrip", "rstrip", "startswith",
            "strip", "swapcase", "title", "upper",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=False)
        self.globals.clear()
        self.filters = {k: v for k, v in self.filters.items() if k in self._FILTERS}

    def call(
        __self,  # noqa: N805 (Jinja's own signature, positional-only by its dunder names)
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        allowed = (isinstance(owner, str) and name in __self._METHODS) or (
            isinstance(owner, LoopContext) and name in {"cycle", "changed"}
        )
        if not (allowed or isinstance(__obj, jinja2.Undefined)):  # undefined: named below
            raise SecurityError(f"calling {name or type(__obj).__name__} is not allowed")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("%-formatting is not allowed; write the fields themselves")
        if operator == "**" and _too_big(left, right):
            raise SecurityError(f"{left} ** {right} is too large")
        if operator == "*" and _repeated(left, right) > MAX_CHARS:
            raise SecurityError(f"the result of * would pass {MAX_CHARS} characters")
        return super().call_binop(context, operator, left, right)


def _repeated(left: Any, right: Any) -> int:
    """The length of a text or list repeated ``*`` a number of times (0 for numbers)."""
    sequence, times = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(sequence, str | tuple | list) and isinstance(times, int):
        return len(sequence) * times
    return 0


def _too_big(base: Any, exponent: Any) -> bool:
    if not isinstance(exponent, int | float) or exponent <= 0:
        return False
    bits = base.bit_length() if isinstance(base, int) else 64
    return max(bits, 1) * exponent > 100_000


_SANDBOX = _Sandbox()
_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.For, nodes.If, nodes.FilterBlock,
    nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Filter,
    nodes.Test, nodes.Call, nodes.Keyword, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not,
    nodes.Neg, nodes.Pos, nodes.Compare, nodes.Operand, nodes.Concat, nodes.Add, nodes.Sub,
    nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Tuple, nodes.List,
    nodes.Dict, nodes.Pair,
)  # fmt: skip
_TAGS: dict[type[nodes.Node], str] = {
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.With: "{% with %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.Scope: "{% autoescape %}",  # the scope around its modifier
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
}


def _check(node: nodes.Node, loops: int = 0, line: int = 1) -> None:
    """Refuses what a letter does not need and could grow without bound."""
    line = next(
        (n.lineno for n in (node, *node.find_all(nodes.Node)) if getattr(n, "lineno", None)),
        line,
    )  # an autoescape's scope has none: its modifier's
    if not isinstance(node, _ALLOWED_NODES):
        what = _TAGS.get(type(node), type(node).__name__)
        raise jinja2.TemplateSyntaxError(
            f"{what} is not allowed in a dunning template (only fields, if, for, filters)",
            line,
        )
    if isinstance(node, nodes.For):
        if node.recursive:
            raise jinja2.TemplateSyntaxError("recursive loops are not allowed", line)
        loops += 1
        if loops > MAX_LOOP_DEPTH:
            raise jinja2.TemplateSyntaxError(
                f"loops may be nested at most {MAX_LOOP_DEPTH} deep", line
            )
    for child in node.iter_child_nodes():
        _check(child, loops, line)


@lru_cache(maxsize=256)
def _compiled(source: str) -> jinja2.Template:
    tree = _SANDBOX.parse(source)
    _check(tree)
    return _SANDBOX.from_string(tree)


def _problem(error: Exception) -> str:
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"line {error.lineno}: {error.message}"
    if isinstance(error, jinja2.UndefinedError):
        return f"{error.message} (the fields are {', '.join(FIELDS)})"
    if isinstance(error, SecurityError):
        return f"refused by the sandbox: {error}"
    return str(error) or type(error).__name__


def _render(source: str, fields: dict[str, Any], step: str, language: str, part: str) -> str:
    try:
        chunks: Iterator[str] = _compiled(source).generate(fields)
        written: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_CHARS:
                raise SecurityError(f"the {part} passes {MAX_CHARS} characters")
            written.append(chunk)
    except (
        jinja2.TemplateError,
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
        RecursionError,
    ) as error:
        raise TemplateProblemError(step, language, part, _problem(error)) from error
    return "".join(written)


def _labels(language: str) -> dict[str, str]:
    return _LABELS.get(language, _LABELS["en"])


def _days(labels: dict[str, str], days: int) -> str:
    if days > 0:
        return str(days)
    return labels["due_today"] if days == 0 else labels["due_in"].format(days=-days)


def _item(language: str, item: DocumentItem, money: Money) -> _Item:
    return _Item(
        invoice_id=item.invoice_id,
        issue_date=i18n.date(language, item.issue_date),
        due_date=i18n.date(language, item.due_date),
        days_overdue=item.days_overdue,
        amount=money(language, item.amount, item.currency),
        open_amount=money(language, item.open_amount, item.currency),
    )


def _view(document: DunningDocument, money: Money = i18n.money) -> _View:
    language = document.language
    labels = _labels(language)
    totals = [money(language, amount, cur) for cur, amount in document.totals().items()]
    items = [_item(language, item, money) for item in document.items]
    fields: dict[str, Any] = {
        "buyer_name": document.buyer_name,
        "contact_name": document.contact_name or "",
        "seller_name": document.seller.name,
        "seller_email": document.seller.email,
        "seller_phone": document.seller.phone,
        "date": i18n.date(language, document.date),
        "total": " + ".join(totals),
        "max_days_overdue": document.max_days_overdue,
        "invoice_count": len(items),
        "items": tuple(items),
    }
    template, step = document.template, document.step
    subject = _render(template.subject, fields, step, language, "subject")
    body = _render(template.body, fields, step, language, "body").strip()
    paragraphs = [
        [line.rstrip() for line in block.strip().splitlines()]
        for block in re.split(r"\n[ \t]*\n", body)
        if block.strip()
    ]
    return _View(
        language=language,
        html_lang="zh-Hans" if language == "zh" else "en",
        labels=labels,
        date=fields["date"],
        seller=document.seller,
        seller_address=[line.strip() for line in document.seller.address.splitlines()],
        buyer_name=document.buyer_name,
        contact_name=fields["contact_name"],
        subject=" ".join(subject.split()),  # one line: a header cannot hold more
        text=body,
        paragraphs=paragraphs,
        rows=[_Row(item, _days(labels, item.days_overdue)) for item in items],
        totals=totals,
        total=fields["total"],
    )


def _width(text: str) -> int:
    """Columns on a terminal or in a monospaced e-mail: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _text_table(view: _View) -> str:
    labels = view.labels
    header = [
        labels[k]
        for k in ("invoice", "issue_date", "due_date", "days_overdue", "amount", "open_amount")
    ]
    lines = [header] + [
        [r.item.invoice_id, r.item.issue_date, r.item.due_date, r.days, r.item.amount,
         r.item.open_amount]
        for r in view.rows
    ]  # fmt: skip
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]

    def cell(i: int, value: str) -> str:
        pad = " " * (widths[i] - _width(value))
        return value + pad if i < 3 else pad + value  # the figures right-aligned

    table = ["  ".join(cell(i, v) for i, v in enumerate(line)).rstrip() for line in lines]
    colon = "：" if view.language == "zh" else ": "
    return "\n".join([*table, "", f"{labels['total']}{colon}{view.total}"])


@cache
def _jinja() -> jinja2.Environment:
    """The module's own (trusted) templates."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tradeguard", "collections/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_message(document: DunningDocument) -> RenderedMessage:
    """The e-mail of the step: its subject, the text and the HTML version."""
    view = _view(document)
    return RenderedMessage(
        subject=view.subject,
        text=f"{view.text}\n\n{_text_table(view)}\n",
        html=_jinja().get_template("dunning_message.html").render(v=view),
    )


_SAMPLE_ITEMS = (
    DocumentItem(
        invoice_id="INV-1001",
        issue_date=dt.date(2025, 1, 15),
        due_date=dt.date(2025, 2, 14),
        days_overdue=45,
        amount=Decimal("1234.50"),
        open_amount=Decimal("1234.50"),
        currency="EUR",
    ),
    DocumentItem(
        invoice_id="INV-1002",
        issue_date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 4, 3),
        days_overdue=-3,
        amount=Decimal("800.00"),
        open_amount=Decimal("200.00"),
        currency="USD",
    ),
)


def validate_template(template: StepTemplate, language: str, step: str) -> None:
    """Renders the wording against a sample document; a problem raises TemplateProblemError."""
    sample = DunningDocument(
        step=step,
        language=language,
        date=dt.date(2025, 3, 31),
        seller=Letterhead(
            "Example Trading Ltd", "1 Example Street\nLondon", "ar@example.com", "+44 20 7946 0000"
        ),
        buyer_id="SAMPLE",
        buyer_name="Example Buyer GmbH",
        contact_name="Alex Example",
        items=_SAMPLE_ITEMS,
        template=template,
    )
    _view(sample)


def letter_html(document: DunningDocument) -> str:
    """The letter as one printable HTML page (A4), in the buyer's language."""
    return _jinja().get_template("dunning_letter.html").render(v=_view(document))


def letter_pdf(document: DunningDocument) -> bytes:
    """The letter as an A4 PDF, every font embedded (the one TrueType font of the PDFs)."""
    from xml.sax.saxutils import escape as xml_escape

    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.enums import TA_RIGHT  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.platypus import (  # type: ignore[import-untyped]
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = registered_font(cjk_font_path())
    glyphs = pdfmetrics.getFont(font).face.charToGlyph

    def money(language: str, amount: Decimal, currency: str) -> str:
        """The amount with its symbol where the font has it (not ₹ or ₩), else its code."""
        shown = i18n.money(language, amount, currency)
        if all(ord(c) in glyphs for c in shown):
            return shown
        return format_currency(
            amount, currency, format="¤¤\u00a0#,##0.00", locale=i18n.locale(language)
        )

    view = _view(document, money)
    wrap = "CJK" if view.language == "zh" else None
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap=wrap)
    small = body.clone("small", fontSize=8.5, leading=11)
    figure = small.clone("figure", alignment=TA_RIGHT)
    seller = body.clone("seller", fontSize=14, leading=18)
    subject = body.clone("subject", fontSize=12, leading=16, spaceBefore=6, spaceAfter=6)
    dated = body.clone("dated", alignment=TA_RIGHT)
    paragraph_style = body.clone("paragraph", spaceAfter=8)

    def para(text: str, style: Any = body) -> Any:
        return Paragraph(xml_escape(text), style)

    def lines(texts: list[str], style: Any = paragraph_style) -> Any:
        return Paragraph("<br/>".join(xml_escape(t) for t in texts), style)

    labels = view.labels
    header = ["invoice", "issue_date", "due_date", "days_overdue", "amount", "open_amount"]
    data: list[list[Any]] = [
        [para(labels[k], small if i < 3 else figure) for i, k in enumerate(header)]
    ]
    for row in view.rows:
        item = row.item
        data.append(
            [para(item.invoice_id, small), para(item.issue_date, small), para(item.due_date, small),
             para(row.days, figure), para(item.amount, figure), para(item.open_amount, figure)]
        )  # fmt: skip
    first_total = len(data)
    for i, amount in enumerate(view.totals):
        data.append([para(labels["total"] if i == 0 else "", small), "", "", "", "",
                     para(amount, figure)])  # fmt: skip
    table = Table(data, colWidths=[32 * mm, 27 * mm, 27 * mm, 24 * mm, 30 * mm, 30 * mm],
                  repeatRows=1)  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),  # the cells' default, set even for paragraphs
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, first_total - 1), 0.25, colors.lightgrey),
                ("LINEABOVE", (0, first_total), (-1, first_total), 0.75, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *[("SPAN", (0, r), (4, r)) for r in range(first_total, len(data))],
            ]
        )
    )
    letterhead = [view.seller.name, *view.seller_address]
    contact = [
        f"{labels[key]}{'：' if view.language == 'zh' else ': '}{value}"
        for key, value in (("email", view.seller.email), ("phone", view.seller.phone))
        if value
    ]
    addressee = [view.buyer_name]
    if view.contact_name:
        addressee.append(f"{labels['contact']}{'：' if view.language == 'zh' else ' '}"
                         f"{view.contact_name}")  # fmt: skip
    story = [
        lines(letterhead[:1], seller),
        *([lines(letterhead[1:], small)] if letterhead[1:] else []),
        *([lines(contact, small)] if contact else []),
        Spacer(1, 10 * mm),
        para(view.date, dated),
        lines(addressee),
        Spacer(1, 6 * mm),
        para(view.subject, subject),
        *[lines(p) for p in view.paragraphs],
        Spacer(1, 4 * mm),
        table,
    ]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=view.subject,
        author=view.seller.name or "TradeGuard",
        lang=view.html_lang,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        initialFontName=font,  # the canvas's own default font: Helvetica is not embedded
    )
    pdf.build(story)
    return buffer.getvalue()
