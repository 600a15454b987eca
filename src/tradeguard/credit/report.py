"""The credit model's validation report (HTML): its metrics, calibration and factors."""

from __future__ import annotations

from html import escape

from tradeguard.domain.credit.validation import FitReport

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


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def model_html(model_id: int, report: FitReport) -> str:
    test = report.evaluation
    metrics: list[list[object]] = [
        [name, m.auc, m.gini, m.ks, m.brier]
        for name, m in (("fitted model", test.fitted), ("expert scorecard", test.expert))
    ]
    calibration: list[list[object]] = [
        [i + 1, r.buyers, f"{r.mean_pd:.2%}", f"{r.default_rate:.2%}"]
        for i, r in enumerate(test.calibration)
    ]
    factors: list[list[object]] = [
        [f.code, "yes" if f.used else "no", f.bins] for f in report.factors
    ]
    # reports kept by older versions lack the training figures
    rows = "?" if report.train_rows is None else report.train_rows
    defaults = "?" if report.train_defaults is None else report.train_defaults
    body = (
        f"<p>Model {model_id}, fitted on {rows} buyer-years ({defaults} defaults) "
        f"observed on {', '.join(day.isoformat() for day in report.train_dates)}; tested out "
        f"of time on {test.test_date}: {test.test_buyers} buyers, "
        f"{test.test_defaults} defaults within 12 months.</p>"
        + "<h2>Discrimination and accuracy (out of time)</h2>"
        + _table(["model", "AUC", "Gini", "KS", "Brier"], metrics)
        + "<h2>Calibration (ten groups of equal size by PD)</h2>"
        + _table(["group", "buyers", "mean PD", "observed default rate"], calibration)
        + ("<h2>Factors</h2>" + _table(["factor", "used", "bins"], factors) if factors else "")
    )
    return _page("Credit model validation report", body)
