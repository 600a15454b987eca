"""The batch writer: many requests' rows in one transaction, each request told its own
id only once committed; a bad row fails its own request alone; nothing after closing."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, func, select

from tests.conftest import write_csv
from tradeguard.identity.models import Organisation
from tradeguard.imports.service import import_file
from tradeguard.kit.batch_inserts import BatchInserts
from tradeguard.kit.db import unit_of_work
from tradeguard.screening.models import OrderScreening

TABLE = cast(Table, OrderScreening.__table__)


def _row(org: Organisation, buyer: str, n: int) -> dict[str, Any]:
    return {
        "org_id": org.id,
        "buyer_id": buyer,
        "order_id": f"SO-{n}",
        "screened_on": dt.date(2025, 6, 30),
        "screened_at": dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC),
        "screened_by": "test",
        "amount": 100 * n,
        "currency": "EUR",
        "terms_days": None,
        "decision": "approve",
        "prepayment_share": None,
        "base_currency": "EUR",
        "limit_amount": None,
        "exposure_before": 0,
        "exposure_after": 100 * n,
        "grade": None,
        "credit_class": None,
        "high_risk": False,
        "insured": None,
        "reasons": [],
    }


@pytest.fixture
def buyer(engine: Engine, org: Organisation, tmp_path: Path) -> str:
    with unit_of_work(engine) as session:
        import_file(
            session,
            org,
            "buyers",
            write_csv(tmp_path, "b.csv", "buyer_id,name,country,industry\nB1,A,DE,x"),
            "t",
        )
    return "B1"


def test_concurrent_rows_are_written_and_each_gets_its_own_id(
    engine: Engine, org: Organisation, buyer: str
) -> None:
    writer = BatchInserts(engine, TABLE)

    async def many() -> list[int]:
        return list(
            await asyncio.gather(*(writer.insert(_row(org, buyer, n)) for n in range(1, 201)))
        )

    ids = asyncio.run(many())
    writer.close()
    assert len(set(ids)) == 200
    with unit_of_work(engine) as session:
        stored = dict(session.execute(select(OrderScreening.id, OrderScreening.order_id)).all())
    assert [stored[i] for i in ids] == [f"SO-{n}" for n in range(1, 201)]


def test_a_bad_row_fails_its_own_request_only(
    engine: Engine, org: Organisation, buyer: str
) -> None:
    writer = BatchInserts(engine, TABLE)

    async def mixed() -> list[Any]:
        rows = [_row(org, buyer, 1), _row(org, "NO-SUCH-BUYER", 2), _row(org, buyer, 3)]
        return await asyncio.gather(*(writer.insert(r) for r in rows), return_exceptions=True)

    first, bad, third = asyncio.run(mixed())
    writer.close()
    assert isinstance(first, int)
    assert isinstance(third, int)
    assert isinstance(bad, Exception)  # the foreign key: no such buyer
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(OrderScreening)) == 2


def test_nothing_is_taken_after_closing(engine: Engine, org: Organisation, buyer: str) -> None:
    writer = BatchInserts(engine, TABLE)
    assert isinstance(asyncio.run(writer.insert(_row(org, buyer, 1))), int)
    writer.close()
    with pytest.raises(RuntimeError, match="stopping"):
        asyncio.run(writer.insert(_row(org, buyer, 2)))
