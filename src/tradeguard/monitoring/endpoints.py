"""``/api/v1/alerts`` and ``/api/v1/monitoring/settings``.

Reading needs ``read_ledger`` (every role); acknowledging and resolving alerts and
changing the thresholds need ``write_ledger`` (credit managers, admins), audited.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query

from tradeguard.identity.dependencies import Reader, Writer
from tradeguard.kit.bounds import Limit, Offset
from tradeguard.kit.problems import PROBLEM_RESPONSES
from tradeguard.kit.schemas import PageRead
from tradeguard.monitoring import service as monitoring
from tradeguard.monitoring.schemas import AlertMove, AlertRead, MonitoringSettingsRead

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/alerts", tags=["monitoring"])
async def list_alerts(
    reader: Reader,
    status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = None,
    buyer: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageRead[AlertRead]:
    """The organisation's alerts, newest first; filter by status and buyer."""
    page = await reader.call(
        monitoring.list_alerts, status=status, buyer_id=buyer, limit=limit, offset=offset
    )
    return PageRead(
        items=[AlertRead.of(a) for a in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/alerts/{alert_id}", tags=["monitoring"])
async def get_alert(alert_id: AlertId, reader: Reader) -> AlertRead:
    return AlertRead.of(await reader.call(monitoring.get_alert, alert_id))


@router.post("/alerts/{alert_id}/{move}", tags=["monitoring"])
async def move_alert(
    alert_id: AlertId,
    move: Literal["ack", "resolve"],
    writer: Writer,
    body: AlertMove | None = None,
) -> AlertRead:
    """``ack``: open → acknowledged; ``resolve``: open or acknowledged → resolved; with an
    optional comment. Any other move is refused (409)."""
    comment = None if body is None else body.comment
    action = monitoring.acknowledge if move == "ack" else monitoring.resolve
    moved = await writer.run(
        lambda session, caller: action(session, caller.org, alert_id, comment, caller.actor)
    )
    return AlertRead.of(moved)


@router.get("/monitoring/settings", tags=["monitoring"])
async def get_settings(reader: Reader) -> MonitoringSettingsRead:
    """The alert and limit-rule thresholds (defaults where never changed)."""
    return MonitoringSettingsRead.model_validate(
        (await reader.call(monitoring.load_settings)).as_dict()
    )


@router.put("/monitoring/settings", tags=["monitoring"])
async def put_settings(
    writer: Writer,
    changes: Annotated[dict[str, Any], Body(examples=[{"overdue_days": 45}])],
) -> MonitoringSettingsRead:
    """Change some thresholds, e.g. ``{"overdue_days": 45}``; validated whole, audited."""
    saved = await writer.run(
        lambda session, caller: monitoring.save_settings(session, caller.org, changes, caller.actor)
    )
    return MonitoringSettingsRead.model_validate(saved.as_dict())
