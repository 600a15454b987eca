"""A country's market-risk report: HTML or PDF, in English or Chinese."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from tradeguard.country.service import SOURCES
from tradeguard.domain.country.rating import CountryRisk
from tradeguard.domain.errors import InvalidInputError
from tradeguard.kit.pdf_fonts import cjk_font_path, registered_font
from tradeguard.locale import N_, translate

REPORT_LANGUAGES = ("en", "zh")


# Values of the country table that reach _tr as data (CountryRisk levels and income
# groups), marked so that extraction keeps them in the catalogue.
_VALUE_MESSAGES = (
    N_("low"),
    N_("medium"),
    N_("high"),
    N_("very high"),
    N_("High income"),
    N_("Upper middle income"),
    N_("Lower middle income"),
    N_("Low income"),
)


def _tr(language: str, text: str) -> str:
    """``text`` in the report's language, from the gettext catalogue (tradeguard.locale)."""
    return translate(language, text)


def country_name(risk: CountryRisk, language: str) -> str:
    """The country's name in the report's language (ISO 3166 names from pycountry)."""
    if language != "zh":
        return risk.name
    import gettext

    import pycountry

    try:
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:
        return risk.name
    return names.gettext(risk.name)


def country_text(risk: CountryRisk, language: str = "en") -> str:
    """A short reading of the figures, for the report."""
    if language == "zh":
        return _country_text_zh(risk)
    level = {1: "very low", 2: "low", 3: "low", 4: "moderate", 5: "moderate", 6: "elevated"}
    grade_words = level.get(risk.grade, "high" if risk.grade < 9 else "very high")
    parts = [
        f"{risk.name} has country grade {risk.grade} of 10 ({grade_words} risk) and "
        f"{risk.political_risk} political risk."
    ]
    category = risk.indicators.oecd_category
    if category is not None:
        parts.append(f"The OECD classifies it in country risk category {category} of 7.")
    elif risk.income_group == "High income":
        parts.append("The OECD does not classify it (high-income economy, lowest premium).")
    if risk.fragile:
        parts.append(
            "The World Bank lists it among fragile and conflict-affected situations: "
            "consider cash before delivery or political-risk cover."
        )
    if risk.source == "override":
        parts.append(
            f"Your organisation overrides the table's grade {risk.table_grade} "
            f"with {risk.grade}" + (f": {risk.note}." if risk.note else ".")
        )
    return " ".join(parts)


def _country_text_zh(risk: CountryRisk) -> str:
    level = {1: "很低", 2: "低", 3: "低", 4: "中等", 5: "中等", 6: "较高"}
    grade_words = level.get(risk.grade, "高" if risk.grade < 9 else "很高")
    name = country_name(risk, "zh")
    parts = [
        f"{name}的国家等级为 {risk.grade}/10（风险{grade_words}），"
        f"政治风险{_tr('zh', risk.political_risk)}。"
    ]
    category = risk.indicators.oecd_category
    if category is not None:
        parts.append(f"经合组织将其列入国家风险类别 {category}/7。")
    elif risk.income_group == "High income":
        parts.append("经合组织未对其分类（高收入经济体，保费最低）。")
    if risk.fragile:
        parts.append("世界银行将其列为脆弱及受冲突影响局势：建议款到发货或投保政治风险。")
    if risk.source == "override":
        parts.append(
            f"本组织将数据表的等级 {risk.table_grade} 覆盖为 {risk.grade}"
            + (f"：{risk.note}。" if risk.note else "。")
        )
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class CountryReport:
    """What the report shows, in its language; the HTML template and the PDF read it."""

    language: str
    country: str
    title: str
    text: str
    rows: list[tuple[str, str]]  # indicator, value
    sources: list[str]
    generated: dt.date
    labels: dict[str, str]  # the headings, translated


def country_report(risk: CountryRisk, language: str, generated: dt.date) -> CountryReport:
    """What the report shows, in ``language`` (en or zh): title, text, indicators, sources."""
    if language not in REPORT_LANGUAGES:
        raise InvalidInputError(f"unknown language {language!r}: en or zh")
    indicators = risk.indicators

    def level(value: str | None) -> str | None:
        return None if value is None else _tr(language, value)

    rows: list[tuple[str, object]] = [
        (N_("country grade (1 lowest risk … 10)"), risk.grade),
        (N_("political risk"), level(risk.political_risk)),
        (N_("transfer and convertibility"), level(risk.transfer_risk)),
        (N_("expropriation"), level(risk.expropriation_risk)),
        (N_("war and civil disturbance"), level(risk.war_risk)),
        (N_("OECD country risk category (0–7)"), indicators.oecd_category),
        (N_("OECD review date"), indicators.oecd_date),
        (N_("WGI governance (mean of six estimates)"), indicators.wgi_governance),
        (N_("WGI political stability"), indicators.wgi_political_stability),
        (N_("WGI rule of law"), indicators.wgi_rule_of_law),
        (N_("WGI year"), indicators.wgi_year),
        (N_("World Bank income group (FY2025)"), level(risk.income_group)),
        (
            N_("fragile or conflict-affected (FY2025)"),
            _tr(language, N_("yes") if risk.fragile else N_("no")),
        ),
        (
            N_("grade source"),
            _tr(
                language,
                N_("your organisation's override")
                if risk.source == "override"
                else N_("shipped table"),
            ),
        ),
    ]
    title = _tr(language, "Market risk report")  # outside the f-string, where extraction looks
    return CountryReport(
        language=language,
        country=risk.country,
        title=f"{title}{'：' if language == 'zh' else ': '}"
        f"{country_name(risk, language)} ({risk.country})",
        text=country_text(risk, language),
        rows=[(_tr(language, label), "" if v is None else str(v)) for label, v in rows],
        sources=[_tr(language, source) for source in SOURCES.values()],
        generated=generated,
        labels={
            key: _tr(language, key)
            for key in (
                N_("Summary"),
                N_("Indicators"),
                N_("Sources"),
                N_("Generated on"),
                N_("indicator"),
                N_("value"),
            )
        },
    )


@cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tradeguard", "country/templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def country_html(risk: CountryRisk, language: str, generated: dt.date) -> str:
    report = country_report(risk, language, generated)
    return _jinja().get_template("country_report.html").render(r=report)


def country_pdf(risk: CountryRisk, language: str, generated: dt.date) -> bytes:
    """The same report as a PDF (A4); the Chinese one in an embedded, subset CJK font
    (``cjk_font_path``), so every reader shows the same glyphs."""
    from xml.sax.saxutils import escape as xml_escape

    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.platypus import (  # type: ignore[import-untyped]
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    report = country_report(risk, language, generated)
    font = registered_font(cjk_font_path()) if language == "zh" else "Helvetica"
    styles = getSampleStyleSheet()
    for name in ("Title", "Heading2", "BodyText"):
        styles[name].fontName = font
        if language == "zh":
            styles[name].wordWrap = "CJK"
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def para(text: str, style: Any = styles["BodyText"]) -> Any:
        return Paragraph(xml_escape(text), style)

    labels = report.labels
    table = Table(
        [[para(labels["indicator"]), para(labels["value"])]]
        + [[para(label), para(value)] for label, value in report.rows],
        colWidths=[100 * mm, 60 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),  # the cells' default, set even for paragraphs
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        para(report.title, styles["Title"]),
        para(labels["Summary"], styles["Heading2"]),
        para(report.text),
        para(labels["Indicators"], styles["Heading2"]),
        table,
        Spacer(1, 4 * mm),
        para(labels["Sources"], styles["Heading2"]),
        *[para(f"• {source}", small) for source in report.sources],
        Spacer(1, 4 * mm),
        para(f"{labels['Generated on']} {report.generated} · TradeGuard", small),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=report.title,
        author="TradeGuard",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        initialFontName=font,  # the canvas's own default font: Helvetica is not embedded
    )
    document.build(story)
    return buffer.getvalue()
