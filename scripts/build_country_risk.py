"""Build the shipped country risk table from the public sources in ../shared/data/country/.

    python scripts/build_country_risk.py [--data ../shared/data/country] \
        [--out src/tradeguard/country/data/country_risk.csv]

One row per ISO 3166-1 country that pycountry knows (249), with the grade and the
political-risk levels of ``tradeguard.domain.country.rating`` and every indicator
behind them, each with its date. Sources, licences and the mapping: docs/country-risk.md.

- OECD country risk classification (the latest review in the file, 11 March 2022);
  a value outside 0–7 (the file has one, "-3" for Israel) is read as "not classified";
  an unclassified country that is not high income keeps its latest earlier category;
- Worldwide Governance Indicators 2023 (estimates; missing ones from the 1996–2021
  panel's latest year), old World Bank codes mapped (ADO AND, ZAR COD, ROM ROU, TMP
  TLS, WBG PSE);
- World Bank country classification FY2025: income group and the list of fragile
  and conflict-affected situations (FCS).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pycountry

from tradeguard.domain.country import rating as rule

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "country"
DEFAULT_OUT = ROOT / "src" / "tradeguard" / "country" / "data" / "country_risk.csv"
INDICATORS = ("va", "pv", "ge", "rq", "rl", "cc")
OLD_CODES = {"ADO": "AND", "ZAR": "COD", "ROM": "ROU", "TMP": "TLS", "WBG": "PSE"}
# Territories with none of the sources take the figures of the state they belong to
# (the Holy See, an enclave with no own data, those of Italy); data = "via:XX".
SOVEREIGN = {
    "AX": "FI", "BL": "FR", "BQ": "NL", "BV": "NO", "CC": "AU", "CX": "AU", "FK": "GB",
    "GG": "GB", "GP": "FR", "GS": "GB", "HM": "AU", "IO": "GB", "MS": "GB", "NF": "AU",
    "PM": "FR", "PN": "GB", "SH": "GB", "SJ": "NO", "TF": "FR", "TK": "NZ", "UM": "US",
    "VA": "IT", "WF": "FR", "YT": "FR",
}  # fmt: skip
COLUMNS = (
    "country",
    "iso3",
    "name",
    "grade",
    "political_risk",
    "transfer_risk",
    "expropriation_risk",
    "war_risk",
    "oecd_category",
    "oecd_date",
    "wgi_year",
    "wgi_governance",
    "wgi_political_stability",
    "wgi_rule_of_law",
    "income_group",
    "fragile",
    "data",
)


def _oecd(path: Path) -> tuple[dt.date, dict[str, tuple[int | None, int | None, dt.date | None]]]:
    """The latest review date, and ISO3 -> (category at it, latest earlier category, its date)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    dates = [dt.datetime.strptime(h, "%d-%b-%y").date() for h in rows[0][3:]]

    def valid(value: str) -> int | None:
        value = value.strip()
        return int(value) if value.isdigit() and 0 <= int(value) <= 7 else None

    result: dict[str, tuple[int | None, int | None, dt.date | None]] = {}
    for row in rows[1:]:
        values = [valid(v) for v in row[3:]]
        earlier = next(
            (
                (v, d)
                for v, d in zip(reversed(values), reversed(dates), strict=True)
                if v is not None
            ),
            (None, None),
        )
        result[row[1]] = (values[-1], earlier[0], earlier[1])
    return dates[-1], result


def _number(text: str) -> float | None:
    text = text.strip()
    if not text or text == "..":
        return None
    return float(text.replace(",", "."))


def _wgi(path_2023: Path, panel: Path) -> dict[str, tuple[int, dict[str, float]]]:
    """ISO3 -> (year, {indicator: estimate}) from 2023, gaps from the panel's last year."""
    found: dict[str, dict[str, tuple[int, float]]] = {}
    with panel.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = OLD_CODES.get(row["code"], row["code"])
            for ind in INDICATORS:
                value = _number(row[f"{ind}e"])
                if value is not None:
                    year = int(row["year"])
                    known = found.setdefault(code, {}).get(ind)
                    if known is None or known[0] < year:
                        found[code][ind] = (year, value)
    with path_2023.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            code = OLD_CODES.get(row["code"], row["code"])
            value = _number(row["estimate"])
            if value is not None:
                found.setdefault(code, {})[row["indicator"]] = (int(row["year"]), value)
    return {
        code: (max(y for y, _ in values.values()), {k: v for k, (_, v) in values.items()})
        for code, values in found.items()
    }


def _world_bank(path: Path) -> tuple[dict[str, str], set[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    income: dict[str, str] = {}
    for row in book["List of economies"].iter_rows(min_row=2, values_only=True):
        if row[1] and row[3]:
            income[str(row[1])] = str(row[3])
    fragile = {
        str(row[2])
        for row in book["compositions"].iter_rows(min_row=2, values_only=True)
        if row[0] == "FCS"
    }
    return income, fragile


def build(data: Path) -> list[dict[str, object]]:
    review, oecd = _oecd(data / "oecd-country-risk-classification-1999-2022.csv")
    wgi = _wgi(data / "wgi-2023.csv", data / "wgi-panel-1996-2021.csv")
    income, fragile_set = _world_bank(data / "worldbank-CLASS-fy2025.xlsx")
    rows = []
    for entry in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        iso3 = entry.alpha_3
        group = income.get(iso3)
        fragile = iso3 in fragile_set
        current, earlier, earlier_date = oecd.get(iso3, (None, None, None))
        category: int | None = None
        oecd_date: dt.date | None = None
        if current is not None:
            category, oecd_date = current, review
        elif group != "High income" and earlier is not None:
            category, oecd_date = earlier, earlier_date
        elif iso3 in oecd:
            oecd_date = review  # in the review, not classified
        year, estimates = wgi.get(iso3, (None, {}))
        mean = (
            sum(estimates.values()) / len(estimates) if len(estimates) == len(INDICATORS) else None
        )
        pv, rl = estimates.get("pv"), estimates.get("rl")
        transfer = rule.transfer_level(category, group)
        expropriation = rule.governance_level(rl)
        war = rule.war_level(pv, fragile)
        sources = [
            name
            for name, present in (
                ("oecd", oecd_date is not None),
                ("wgi", bool(estimates)),
                ("worldbank", group is not None or fragile),
            )
            if present
        ]
        rows.append(
            {
                "country": entry.alpha_2,
                "iso3": iso3,
                "name": getattr(entry, "common_name", None) or entry.name,
                "grade": rule.grade(category, mean, group, fragile),
                "political_risk": rule.worst(transfer, expropriation, war),
                "transfer_risk": transfer or "",
                "expropriation_risk": expropriation or "",
                "war_risk": war or "",
                "oecd_category": "" if category is None else category,
                "oecd_date": "" if oecd_date is None else oecd_date.isoformat(),
                "wgi_year": "" if year is None else year,
                "wgi_governance": "" if mean is None else f"{mean:.3f}",
                "wgi_political_stability": "" if pv is None else f"{pv:.2f}",
                "wgi_rule_of_law": "" if rl is None else f"{rl:.2f}",
                "income_group": group or "",
                "fragile": "yes" if fragile else "no",
                "data": "+".join(sources) or "none",
            }
        )
    by_code = {str(r["country"]): r for r in rows}
    for row in rows:
        sovereign = SOVEREIGN.get(str(row["country"]))
        if sovereign and row["data"] == "none":
            keep = {k: row[k] for k in ("country", "iso3", "name")}
            row.update(by_code[sovereign], **keep, data=f"via:{sovereign}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    rows = build(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    grades = [int(str(r["grade"])) for r in rows]
    print(f"wrote {len(rows)} countries to {args.out}; grades {min(grades)}-{max(grades)}")


if __name__ == "__main__":
    main()
