"""Odd values answer 4xx, never 500: dates, offsets, ids, upload names, body sizes;
and creating a user never tells which organisation holds an e-mail address."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import PASSWORD, World, bearer
from tests.web.live import serve
from tradeguard.audit.models import AuditEntry
from tradeguard.imports.uploads import MAX_UPLOAD_ENV
from tradeguard.kit.db import unit_of_work
from tradeguard.ledger.models import Buyer
from tradeguard.web.app import create_app

DATED = [
    "/api/v1/reports/ageing",
    "/api/v1/reports/ageing/0/invoices",
    "/api/v1/reports/kpis",
    "/api/v1/reports/behaviour",
    "/reports",
    "/api/v1/buyers/B1",
    "/api/v1/buyers/B1/score",
    "/api/v1/credit/grades",
]
BUYERS = "buyer_id,name,country,industry\nB9,Nine,DE,retail\n"


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_dates_out_of_range_answer_422(client: TestClient, world: World, day: str) -> None:
    for path in DATED:
        answer = client.get(path, params={"as_of": day}, headers=bearer(world, "admin"))
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["invalid_params"][0]["name"] == "as_of"
    # the range's own ends are fine (reports refuse any future date: see test_error_pages)
    for day_ in ("1900-01-01", "2200-12-31"):
        answer = client.get(
            "/api/v1/buyers/B1", params={"as_of": day_}, headers=bearer(world, "admin")
        )
        assert answer.status_code == 200, answer.text
    answer = client.get(DATED[0], params={"as_of": "1900-01-01"}, headers=bearer(world, "admin"))
    assert answer.status_code == 200, answer.text


def test_offsets_and_ids_out_of_range_answer_422(client: TestClient, world: World) -> None:
    huge = "9" * 25  # beyond 64 bits
    for path in (
        f"/buyers?offset={huge}",
        f"/audit?offset={huge}",
        f"/reports?offset={huge}",
        "/buyers?offset=-1",
        "/audit?offset=10000001",
        f"/api/v1/reports/ageing/{huge}/invoices",
        "/api/v1/reports/ageing/51/invoices",
        "/api/v1/reports/ageing/-1/invoices",
    ):
        answer = client.get(path, headers=bearer(world, "admin"))
        assert answer.status_code == 422, (path, answer.text)


@pytest.mark.parametrize(
    "name", ["..", ".", "a\0b.csv", "x" * 300 + ".csv", "../../b.csv", "a\nb\x7f.CSV", "买家.csv"]
)
def test_odd_upload_names_are_stored_under_a_safe_name(
    client: TestClient, world: World, name: str
) -> None:
    answer = client.post(
        "/api/v1/imports/buyers",
        headers=bearer(world, "admin"),
        files={"file": (name, BUYERS.encode())},
    )
    assert answer.status_code == 200, answer.text
    with unit_of_work(world.engine) as session:
        shown = session.scalars(
            select(AuditEntry.entity_key)
            .where(AuditEntry.action == "import")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert shown is not None
    assert re.fullmatch(r"[\w.-]{1,60}\.csv", shown), shown
    assert not shown.startswith(".")


def test_an_unsupported_suffix_answers_422(client: TestClient, world: World) -> None:
    for name in ("a.exe", "b.csv.sh", "c.\0"):
        answer = client.post(
            "/api/v1/imports/buyers",
            headers=bearer(world, "admin"),
            files={"file": (name, BUYERS.encode())},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["invalid_params"][0]["name"] == "file"


def test_user_creation_does_not_reveal_other_organisations_e_mails(
    client: TestClient, world: World
) -> None:
    """Own organisation's address and another's: the very same answer, no organisation."""

    def create(email: str) -> httpx2.Response:
        return client.post(
            "/api/v1/users",
            json={"email": email, "role": "viewer", "password": PASSWORD},
            headers=bearer(world, "admin"),
        )

    other_org, own_org = create("admin@rival.test"), create("viewer@acme.test")
    assert other_org.status_code == own_org.status_code == 409
    assert other_org.json() == own_org.json()
    assert "rival" not in other_org.text.lower()
    assert create("new@acme.test").status_code == 201


# ---- request size --------------------------------------------------------------------

LIMIT_MB = 1


@pytest.fixture
def limited(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real server that accepts bodies up to 1 MB."""
    monkeypatch.setenv(MAX_UPLOAD_ENV, str(LIMIT_MB))
    with serve(create_app(world.engine)) as url:
        yield url


def _buyers_csv(megabytes: float) -> bytes:
    rows = int(megabytes * 1024 * 1024 / 24)
    return (
        "buyer_id,name,country,industry\n"
        + "".join(f"X{n:08d},Name,DE,retail\n" for n in range(rows))
    ).encode()


def _multipart(content: bytes) -> tuple[bytes, str]:
    boundary = "tradeguard-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(
    world: World, limited: str
) -> None:
    with httpx2.Client(base_url=limited, trust_env=False, timeout=60) as client:
        answer = client.post(
            "/api/v1/imports/buyers",
            headers=bearer(world, "admin"),
            files={"file": ("b.csv", _buyers_csv(LIMIT_MB * 2))},
        )
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert MAX_UPLOAD_ENV in answer.json()["detail"]


def test_a_chunked_body_is_counted_as_it_streams_and_refused_at_the_limit(
    world: World, limited: str
) -> None:
    body, content_type = _multipart(_buyers_csv(LIMIT_MB * 3))

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    with httpx2.Client(base_url=limited, trust_env=False, timeout=60) as client:
        try:
            answer = client.post(
                "/api/v1/imports/buyers",
                headers={**bearer(world, "admin"), "Content-Type": content_type},
                content=chunks(),
            )
        except httpx2.TransportError:  # the server may close while the client still sends
            answer = None
    if answer is not None:
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    with unit_of_work(world.engine) as session:  # nothing was imported
        assert session.scalar(select(Buyer.buyer_id).where(Buyer.buyer_id == "X00000000")) is None


def test_a_body_under_the_limit_is_imported(world: World, limited: str) -> None:
    with httpx2.Client(base_url=limited, trust_env=False, timeout=60) as client:
        answer = client.post(
            "/api/v1/imports/buyers",
            headers=bearer(world, "admin"),
            files={"file": ("b.csv", _buyers_csv(LIMIT_MB * 0.8))},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["inserted"] > 30_000


def test_the_import_page_is_limited_too(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, str(LIMIT_MB))
    client = TestClient(create_app(world.engine))
    answer = client.post(
        "/import",
        data={"kind": "buyers", "csrf_token": "x"},
        files={"file": ("b.csv", _buyers_csv(LIMIT_MB * 2))},
    )
    assert answer.status_code == 413


@pytest.mark.parametrize("configured", ["0", "-5", "lots"])
def test_a_wrong_limit_setting_stops_the_server_from_starting(
    world: World, monkeypatch: pytest.MonkeyPatch, configured: str
) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, configured)
    with pytest.raises(ValueError, match=MAX_UPLOAD_ENV):
        create_app(world.engine)
