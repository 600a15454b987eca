"""``/api/v1``: buyer scores and their history, grades, credit settings (the model
mode), country risk and its market-risk report, the limit workflow and stop-shipments.

Reading needs ``read_ledger`` (every role); requesting, deciding limits, stopping
shipments and changing settings need ``write_ledger`` (admin, credit_manager). Every
change is audited by the service with the user (``user:<email>``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from tradeguard.domain.credit.settings import InvalidSettingsError
from tradeguard.serialisation import to_jsonable
from tradeguard.services import country as countries
from tradeguard.services import credit, credit_reports, limits
from tradeguard.web.deps import Caller, LimitRequester, Reader, SessionDep, Writer
from tradeguard.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


class AltmanRead(BaseModel):
    variant: str
    value: float
    zone: str


class ReasonRead(BaseModel):
    code: str
    factor: str
    value: float | None
    subscore: float | None
    impact: float
    direction: str


class ScoreRead(BaseModel):
    buyer_id: str
    as_of: dt.date
    model: str
    score: float
    confidence: float
    pd: float
    grade: int
    credit_class: str
    limit_recommended: str  # a decimal string in ``currency``
    currency: str
    altman: AltmanRead | None
    country_grade: int | None
    reasons: list[ReasonRead]


class ScorePointRead(BaseModel):
    as_of: dt.date
    pd: float
    grade: int
    credit_class: str


class GradeCountRead(BaseModel):
    grade: int
    credit_class: str
    buyers: int


class GradeDistributionRead(BaseModel):
    as_of: dt.date | None
    grades: list[GradeCountRead]


def _score(row: dict[str, Any]) -> ScoreRead:
    return ScoreRead.model_validate({**row, "limit_recommended": str(row["limit_recommended"])})


@router.get("/buyers/{buyer_id}/score", tags=["credit"])
def buyer_score(
    buyer_id: str, caller: Reader, session: SessionDep, as_of: dt.date | None = None
) -> ScoreRead:
    """The buyer's score on a date (the latest recorded without one; computed when none
    is recorded for that date): PD, grade, class, recommended limit, Altman, reasons."""
    return _score(credit.buyer_score(session, caller.org, buyer_id, as_of))


@router.get("/buyers/{buyer_id}/score-history", tags=["credit"])
def score_history(buyer_id: str, caller: Reader, session: SessionDep) -> list[ScorePointRead]:
    """One point per scoring date, oldest first."""
    return [
        ScorePointRead.model_validate(p)
        for p in credit.score_history(session, caller.org, buyer_id)
    ]


@router.get("/credit/grades", tags=["credit"])
def grade_distribution(
    caller: Reader, session: SessionDep, as_of: dt.date | None = None
) -> GradeDistributionRead:
    """Buyers per grade on the latest scoring date (or ``as_of``)."""
    return GradeDistributionRead.model_validate(
        credit.grade_distribution(session, caller.org, as_of)
    )


@router.get("/countries/{code}", tags=["credit"])
def country(code: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """A country's grade, political risk and indicators, with their sources."""
    result: dict[str, Any] = to_jsonable(
        countries.country_risk(session, caller.org, code).as_dict()
    )
    return result


@router.get(
    "/countries/{code}/report",
    tags=["credit"],
    response_class=Response,
    responses={
        200: {
            "description": "The report",
            "content": {"text/html": {}, "application/pdf": {}},
        }
    },
)
def country_report(
    code: str,
    caller: Reader,
    session: SessionDep,
    format: Literal["html", "pdf"] = "html",
    lang: Literal["en", "zh"] | None = None,
) -> Response:
    """The country's market-risk report: indicators, sources and dates, and a short text;
    HTML or PDF, in ``lang`` (the caller's language without it)."""
    risk = countries.country_risk(session, caller.org, code)
    language = lang or caller.principal.language
    if format == "pdf":
        return Response(
            credit_reports.country_pdf(risk, language),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="market-risk-{risk.country}.pdf"'},
        )
    return HTMLResponse(credit_reports.country_html(risk, language))


# ---- credit settings (the model mode) ---------------------------------------------------


@router.get("/credit/settings", tags=["credit"])
def get_settings(caller: Reader, session: SessionDep) -> dict[str, Any]:
    """The organisation's credit settings (defaults where never changed); ``mode`` is
    ``expert`` (the scorecard) or ``fitted`` (the latest model fitted on its history)."""
    return credit.load_settings(session, caller.org).as_dict()


@router.put("/credit/settings", tags=["credit"])
def put_settings(
    caller: Writer,
    session: SessionDep,
    changes: Annotated[dict[str, Any], Body(examples=[{"mode": "fitted"}])],
) -> dict[str, Any]:
    """Change some settings, e.g. ``{"mode": "fitted"}``; validated as a whole, audited."""
    try:
        return credit.save_settings(session, caller.org, changes, _actor(caller)).as_dict()
    except InvalidSettingsError as error:
        raise HTTPException(422, str(error)) from None


# ---- limits and stop-shipment -----------------------------------------------------------


MAX_LIMIT = Decimal(10) ** 12


class LimitRequestCreate(BaseModel):
    amount: Decimal = Field(ge=0, le=MAX_LIMIT, description="In the base currency")
    reason: str | None = Field(default=None, max_length=2000)


class DecisionCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_LIMIT, description="Approve another amount"
    )


class StopShipmentSet(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    until: dt.date | None = Field(
        default=None, description="Temporary, up to and including this date; none: permanent"
    )


class LimitRequestRead(BaseModel):
    id: int
    buyer_id: str
    amount: str
    currency: str
    reason: str | None
    requested_by: str
    requested_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    decision_reason: str | None
    approved_amount: str | None


class LimitRead(BaseModel):
    amount: str
    currency: str
    request_id: int | None
    set_by: str
    set_at: str


class StopShipmentRead(BaseModel):
    kind: str
    until: dt.date | None
    reason: str
    set_by: str
    set_at: str
    active: bool


class BuyerLimitsRead(BaseModel):
    buyer_id: str
    limit: LimitRead | None
    stop_shipment: StopShipmentRead | None
    requests: list[LimitRequestRead]


def _actor(caller: Caller) -> str:
    return f"user:{caller.principal.email}"


def _request(row: Any) -> LimitRequestRead:
    return LimitRequestRead.model_validate(to_jsonable(limits.request_as_dict(row)))


@router.get("/buyers/{buyer_id}/limits", tags=["limits"])
def buyer_limits(buyer_id: str, caller: Reader, session: SessionDep) -> BuyerLimitsRead:
    """The limit in force, the stop-shipment flag and every limit request with its
    decision (the history), oldest first."""
    return BuyerLimitsRead.model_validate(
        to_jsonable(limits.buyer_limits(session, caller.org, buyer_id))
    )


@router.post(
    "/buyers/{buyer_id}/limit-requests", tags=["limits"], status_code=status.HTTP_201_CREATED
)
def create_limit_request(
    buyer_id: str, body: LimitRequestCreate, caller: LimitRequester, session: SessionDep
) -> LimitRequestRead:
    """Ask for a credit limit (pending until approved, rejected or withdrawn)."""
    row = limits.request_limit(
        session, caller.org, buyer_id, body.amount, body.reason, _actor(caller)
    )
    return _request(row)


@router.post("/limit-requests/{request_id}/{decision}", tags=["limits"])
def decide_limit_request(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Literal["approve", "reject", "withdraw"],
    body: DecisionCreate,
    caller: Writer,
    session: SessionDep,
) -> LimitRequestRead:
    """Approve (optionally another amount: the limit comes into force), reject or
    withdraw a pending request, with a reason."""
    if decision != "approve" and body.amount is not None:
        raise HTTPException(422, "only an approval takes an amount")
    row = limits.decide(
        session, caller.org, request_id, decision, body.reason, _actor(caller), body.amount
    )
    return _request(row)


@router.put("/buyers/{buyer_id}/stop-shipment", tags=["limits"])
def set_stop_shipment(
    buyer_id: str, body: StopShipmentSet, caller: Writer, session: SessionDep
) -> StopShipmentRead:
    """Stop shipments to the buyer: temporarily (``until``) or permanently."""
    row = limits.stop_shipment(
        session, caller.org, buyer_id, body.reason, _actor(caller), body.until
    )
    return StopShipmentRead.model_validate(limits.stop_as_dict(row, dt.date.today()))


@router.delete(
    "/buyers/{buyer_id}/stop-shipment",
    tags=["limits"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def lift_stop_shipment(
    buyer_id: str,
    caller: Writer,
    session: SessionDep,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> None:
    """Lift the buyer's stop-shipment (with a reason)."""
    limits.lift_stop(session, caller.org, buyer_id, reason, _actor(caller))
