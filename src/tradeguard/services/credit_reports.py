"""HTML reports of the credit assessment: a country's market risk, a model's validation."""

from __future__ import annotations

from html import escape
from typing import Any

from tradeguard.services.country import SOURCES, CountryRisk

_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:60rem;margin:2rem auto;"
    "color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;"
    "padding:.3rem .6rem;text-align:right}th{background:#f3f3f3}td:first-child,"
    "th:first-child{text-align:left}.note{color:#666;font-size:.9em}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def country_text(risk: CountryRisk) -> str:
    """A short reading of the figures, for the report."""
    level = {1: "very low", 2: "low", 3: "low", 4: "moderate", 5: "moderate", 6: "elevated"}
    grade_words = level.get(risk.grade, "high" if risk.grade < 9 else "very high")
    parts = [
        f"{risk.name} has country grade {risk.grade} of 10 ({grade_words} risk) and "
        f"{risk.political_risk} political risk."
    ]
    category = risk.indicators.get("oecd_category")
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


def country_html(risk: CountryRisk) -> str:
    data = risk.as_dict()
    detail = data["political_risk_detail"]
    rows: list[list[Any]] = [
        ["country grade (1 lowest risk … 10)", risk.grade],
        ["political risk", risk.political_risk],
        ["transfer and convertibility", detail["transfer_and_convertibility"]],
        ["expropriation", detail["expropriation"]],
        ["war and civil disturbance", detail["war_and_civil_disturbance"]],
        ["OECD country risk category (0–7)", data["indicators"]["oecd_category"]],
        ["OECD review date", data["indicators"]["oecd_date"]],
        ["WGI governance (mean of six estimates)", data["indicators"]["wgi_governance"]],
        ["WGI political stability", data["indicators"]["wgi_political_stability"]],
        ["WGI rule of law", data["indicators"]["wgi_rule_of_law"]],
        ["WGI year", data["indicators"]["wgi_year"]],
        ["World Bank income group (FY2025)", risk.income_group],
        ["fragile or conflict-affected (FY2025)", "yes" if risk.fragile else "no"],
    ]
    sources = "".join(f"<li>{escape(v)}</li>" for v in SOURCES.values())
    body = (
        f"<p>{escape(country_text(risk))}</p>"
        + _table(["indicator", "value"], rows)
        + f'<p class="note">Sources:</p><ul class="note">{sources}</ul>'
    )
    return _page(f"Market risk report: {risk.name} ({risk.country})", body)


def model_html(model_id: int, report: dict[str, Any]) -> str:
    metrics = [
        [name, m["auc"], m["gini"], m["ks"], m["brier"]]
        for name, m in (("fitted model", report["fitted"]), ("expert scorecard", report["expert"]))
    ]
    calibration = [
        [i + 1, r["buyers"], f"{r['mean_pd']:.2%}", f"{r['default_rate']:.2%}"]
        for i, r in enumerate(report["calibration"])
    ]
    factors = [
        [f["code"], "yes" if f["used"] else "no", f["bins"]] for f in report.get("factors", [])
    ]
    body = (
        f"<p>Model {model_id}, fitted on {report.get('train_rows', '?')} buyer-years "
        f"({report.get('train_defaults', '?')} defaults) observed on "
        f"{', '.join(report.get('train_dates', []))}; tested out of time on "
        f"{report['test_date']}: {report['test_buyers']} buyers, "
        f"{report['test_defaults']} defaults within 12 months.</p>"
        + "<h2>Discrimination and accuracy (out of time)</h2>"
        + _table(["model", "AUC", "Gini", "KS", "Brier"], metrics)
        + "<h2>Calibration (ten groups of equal size by PD)</h2>"
        + _table(["group", "buyers", "mean PD", "observed default rate"], calibration)
        + ("<h2>Factors</h2>" + _table(["factor", "used", "bins"], factors) if factors else "")
    )
    return _page("Credit model validation report", body)
