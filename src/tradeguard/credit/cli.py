"""``tradeguard score``, ``model fit|validate|report`` and ``credit-settings show|set``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tradeguard.country.cli import OutOption
from tradeguard.credit import model as credit_model
from tradeguard.credit import report as credit_report
from tradeguard.credit import service as credit
from tradeguard.credit.schemas import CreditSettingsRead
from tradeguard.domain.credit.scores import BuyerScore
from tradeguard.domain.credit.validation import Evaluation
from tradeguard.domain.identity.access import Permission
from tradeguard.identity.commands import STATE, org_session
from tradeguard.kit.options import (
    AsOfOption,
    BuyerOption,
    DbOption,
    FormatOption,
    OrgOption,
    as_of_date,
    setting_changes,
)
from tradeguard.kit.output import (
    AmountFormat,
    OutputFormat,
    emit_json,
    key_value_table,
    rows_table,
    stderr,
)

model_app = typer.Typer(help="The credit model fitted on your own history.", no_args_is_help=True)


settings_app = typer.Typer(help="Credit settings of the organisation.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``score``, ``model`` and ``credit-settings`` to the ``tradeguard`` application."""
    app.command("score")(score)
    app.add_typer(model_app, name="model")
    app.add_typer(settings_app, name="credit-settings")


def score(
    as_of: AsOfOption = None,
    buyer: BuyerOption = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Record the score history (default)")
    ] = True,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Score buyers: PD, grade 1-10, class A/B/C, recommended limit, Altman, reasons."""
    day = as_of_date(as_of)
    permission = Permission.WRITE_LEDGER if save else Permission.READ_LEDGER
    with org_session(db, org, permission) as (session, organisation):
        scores = credit.score_buyers(session, organisation, day, buyer_id=buyer, save=save)
        numbers = AmountFormat(organisation.base_currency, organisation.locale)
    if output is OutputFormat.JSON:
        emit_json({"as_of": day, "buyers": [_score_json(s) for s in scores]})
        return
    rows_table(
        f"Credit scores on {day.isoformat()} (limits in {numbers.currency})",
        ["buyer", "PD", "grade", "class", "limit", "Altman", "ctry", "main reason"],
        [
            [
                s.buyer_id,
                f"{s.pd:.2%}",
                s.grade,
                s.credit_class,
                numbers.amount(s.limit_recommended),
                "" if s.altman is None else f"{s.altman.variant} {s.altman.value}",
                s.country_grade,
                s.reasons[0].code if s.reasons else "",
            ]
            for s in scores
        ],
        notes=1,
    )


def _score_json(s: BuyerScore) -> dict[str, Any]:
    """A score as ``score --format json`` prints it (with the class's terms)."""
    return {
        "buyer_id": s.buyer_id,
        "as_of": s.as_of,
        "model": s.model,
        "score": s.score,
        "confidence": s.confidence,
        "pd": s.pd,
        "grade": s.grade,
        "credit_class": s.credit_class,
        "terms": s.terms,
        "limit_recommended": s.limit_recommended,
        "currency": s.currency,
        "altman": None
        if s.altman is None
        else {"variant": s.altman.variant, "value": s.altman.value, "zone": s.altman.zone},
        "country_grade": s.country_grade,
        "reasons": [r.as_dict() for r in s.reasons],
    }


@model_app.command("fit")
def model_fit(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Fit the model on your history (out-of-time test on the latest year) and keep it."""
    day = as_of_date(as_of)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        kept = credit_model.fit_model(session, organisation, day, STATE.actor)
    if output is OutputFormat.JSON:
        emit_json({"model_id": kept.id, **kept.report.as_dict()})
        return
    _print_evaluation(kept.report.evaluation)


@model_app.command("validate")
def model_validate(
    as_of: AsOfOption = None,
    output: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The latest model on the latest out-of-time year, beside the expert scorecard."""
    with org_session(db, org) as (session, organisation):
        validation = credit_model.validate_model(session, organisation, as_of_date(as_of))
    if output is OutputFormat.JSON:
        emit_json(validation.as_dict())
        return
    _print_evaluation(validation.evaluation)


@model_app.command("report")
def model_report(
    out: OutOption,
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """The latest model's validation report as HTML."""
    with org_session(db, org) as (session, organisation):
        kept = credit_model.latest_model(session, organisation)
    html = credit_report.model_html(kept.id, kept.report)
    out.write_text(html, encoding="utf-8")
    stderr.print(f"wrote {out}")


def _print_evaluation(test: Evaluation) -> None:
    rows_table(
        f"Out-of-time test {test.test_date}: {test.test_buyers} buyers, "
        f"{test.test_defaults} defaults",
        ["model", "AUC", "Gini", "KS", "Brier"],
        [
            [name, m.auc, m.gini, m.ks, m.brier]
            for name, m in (("fitted", test.fitted), ("expert", test.expert))
        ],
    )


@settings_app.command("show")
def settings_show(
    output: FormatOption = OutputFormat.TABLE, db: DbOption = None, org: OrgOption = None
) -> None:
    """The organisation's credit settings (defaults where never changed)."""
    with org_session(db, org) as (session, organisation):
        values = CreditSettingsRead.of(credit.load_settings(session, organisation))
    if output is OutputFormat.JSON:
        emit_json(values.model_dump(mode="json"))
    else:
        key_value_table("Credit settings", list(values.model_dump(mode="json").items()))


@settings_app.command("set")
def settings_set(
    values: Annotated[list[str], typer.Argument(help="NAME=JSON_VALUE, e.g. mode='\"fitted\"'")],
    db: DbOption = None,
    org: OrgOption = None,
) -> None:
    """Change settings, e.g. `mode=fitted class_a_max_grade=4` (audited)."""
    changes = setting_changes(values)
    with org_session(db, org, Permission.WRITE_LEDGER) as (session, organisation):
        credit.save_settings(session, organisation, changes, STATE.actor)
    stderr.print(f"changed {', '.join(sorted(changes))}")
