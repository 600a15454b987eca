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
from sqlalchemy.orm import Session

from tradeguard.domain.credit.settings import InvalidSettingsError
from tradeguard.serialisation import to_jsonable
from tradeguard.services import country as countries
from tradeguard.services import credit, credit_reports, limits
from tradeguard.web.bounds import AsOf, Day
from tradeguard.web.deps import Caller, LimitRequester, Reader, Writer
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
    message: str | None = None  # the default triggers say what happened in words


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
async def buyer_score(buyer_id: str, reader: Reader, as_of: AsOf = None) -> ScoreRead:
    """The buyer's score on a date (the latest recorded without one; computed when none
    is recorded for that date): PD, grade, class, recommended limit, Altman, reasons."""
    return _score(await reader.call(credit.buyer_score, buyer_id, as_of))


@router.get("/buyers/{buyer_id}/score-history", tags=["credit"])
async def score_history(buyer_id: str, reader: Reader) -> list[ScorePointRead]:
    """One point per scoring date, oldest first."""
    points = await reader.call(credit.score_history, buyer_id)
    return [ScorePointRead.model_validate(p) for p in points]


@router.get("/credit/grades", tags=["credit"])
async def grade_distribution(reader: Reader, as_of: AsOf = None) -> GradeDistributionRead:
    """Buyers per grade on the latest scoring date (or ``as_of``)."""
    return GradeDistributionRead.model_validate(await reader.call(credit.grade_distribution, as_of))


@router.get("/countries/{code}", tags=["credit"])
async def country(code: str, reader: Reader) -> dict[str, Any]:
    """A country's grade, political risk and indicators, with their sources."""
    result: dict[str, Any] = to_jsonable(
        (await reader.call(countries.country_risk, code)).as_dict()
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
async def country_report(
    code: str,
    reader: Reader,
    format: Literal["html", "pdf"] = "html",
    lang: Literal["en", "zh"] | None = None,
) -> Response:
    """The country's market-risk report: indicators, sources and dates, and a short text;
    HTML or PDF, in ``lang`` (the caller's language without it)."""

    def report(session: Session, caller: Caller) -> Response:  # rendered in the worker thread
        risk = countries.country_risk(session, caller.org, code)
        language = lang or caller.principal.language
        if format == "pdf":
            return Response(
                credit_reports.country_pdf(risk, language),
                media_type="application/pdf",
                headers={
                    "Content-Disposition": f'inline; filename="market-risk-{risk.country}.pdf"'
                },
            )
        return HTMLResponse(credit_reports.country_html(risk, language))

    return await reader.run(report)


# ---- credit settings (the model mode) ---------------------------------------------------


@router.get("/credit/settings", tags=["credit"])
async def get_settings(reader: Reader) -> dict[str, Any]:
    """The organisation's credit settings (defaults where never changed); ``mode`` is
    ``expert`` (the scorecard) or ``fitted`` (the latest model fitted on its history)."""
    return (await reader.call(credit.load_settings)).as_dict()


@router.put("/credit/settings", tags=["credit"])
async def put_settings(
    writer: Writer,
    changes: Annotated[dict[str, Any], Body(examples=[{"mode": "fitted"}])],
) -> dict[str, Any]:
    """Change some settings, e.g. ``{"mode": "fitted"}``; validated as a whole, audited."""
    try:
        saved = await writer.run(
            lambda session, caller: credit.save_settings(session, caller.org, changes, caller.actor)
        )
    except InvalidSettingsError as error:
        raise HTTPException(422, str(error)) from None
    return saved.as_dict()


# ---- limits and stop-shipment -----------------------------------------------------------


MAX_LIMIT = limits.MAX_AMOUNT


class LimitRequestCreate(BaseModel):
    amount: Decimal = Field(ge=0, le=MAX_LIMIT, description="In the base currency")
    reason: str | None = Field(default=None, max_length=2000)


class DecisionCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_LIMIT, description="Approve another amount"
    )
    override_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why to approve a grade 9-10 or class C buyer all the same (required then)",
    )


class StopShipmentSet(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    until: Day | None = Field(
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
    override_reason: str | None


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


class ShippingReasonRead(BaseModel):
    code: str
    message: str


class ShippingRead(BaseModel):
    status: Literal["allowed", "prepayment", "cash_before_delivery", "stopped"]
    reasons: list[ShippingReasonRead]


class BuyerLimitsRead(BaseModel):
    buyer_id: str
    limit: LimitRead | None
    stop_shipment: StopShipmentRead | None
    shipping: ShippingRead
    requests: list[LimitRequestRead]


def _request(row: Any) -> LimitRequestRead:
    return LimitRequestRead.model_validate(to_jsonable(limits.request_as_dict(row)))


@router.get("/buyers/{buyer_id}/limits", tags=["limits"])
async def buyer_limits(buyer_id: str, reader: Reader) -> BuyerLimitsRead:
    """The limit in force, the stop-shipment flag and every limit request with its
    decision (the history), oldest first."""
    return BuyerLimitsRead.model_validate(
        to_jsonable(await reader.call(limits.buyer_limits, buyer_id))
    )


@router.post(
    "/buyers/{buyer_id}/limit-requests", tags=["limits"], status_code=status.HTTP_201_CREATED
)
async def create_limit_request(
    buyer_id: str, body: LimitRequestCreate, requester: LimitRequester
) -> LimitRequestRead:
    """Ask for a credit limit (pending until approved, rejected or withdrawn)."""

    def request(session: Session, caller: Caller) -> LimitRequestRead:
        row = limits.request_limit(
            session, caller.org, buyer_id, body.amount, body.reason, caller.actor
        )
        return _request(row)

    return await requester.run(request)


@router.post("/limit-requests/{request_id}/{decision}", tags=["limits"])
async def decide_limit_request(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Literal["approve", "reject", "withdraw"],
    body: DecisionCreate,
    writer: Writer,
) -> LimitRequestRead:
    """Approve (optionally another amount: the limit comes into force), reject or
    withdraw a pending request, with a reason. Approving a grade 9-10 or class C buyer
    needs ``override_reason``; above the ``four_eyes_amount`` setting the requester may
    not decide; 409 when the request is already decided (or was, meanwhile)."""

    def decide(session: Session, caller: Caller) -> LimitRequestRead:
        if decision != "approve" and body.amount is not None:
            raise HTTPException(422, "only an approval takes an amount")
        row = limits.decide(
            session,
            caller.org,
            request_id,
            decision,
            body.reason,
            caller.actor,
            body.amount,
            override_reason=body.override_reason,
        )
        return _request(row)

    return await writer.run(decide)


@router.put("/buyers/{buyer_id}/stop-shipment", tags=["limits"])
async def set_stop_shipment(
    buyer_id: str, body: StopShipmentSet, writer: Writer
) -> StopShipmentRead:
    """Stop shipments to the buyer: temporarily (``until``, today or later) or
    permanently; a temporary stop never replaces a permanent one (lift it first)."""

    def stop(session: Session, caller: Caller) -> StopShipmentRead:
        row = limits.stop_shipment(
            session, caller.org, buyer_id, body.reason, caller.actor, body.until
        )
        return StopShipmentRead.model_validate(limits.stop_as_dict(row, dt.date.today()))

    return await writer.run(stop)


@router.delete(
    "/buyers/{buyer_id}/stop-shipment",
    tags=["limits"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def lift_stop_shipment(
    buyer_id: str,
    writer: Writer,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> None:
    """Lift the buyer's stop-shipment (with a reason)."""
    await writer.run(
        lambda session, caller: limits.lift_stop(
            session, caller.org, buyer_id, reason, caller.actor
        )
    )
