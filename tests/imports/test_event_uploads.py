"""The new kinds through the API and the upload page: unmatched events are shown."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, World, bearer, client, world  # noqa: F401 (fixtures)

HTML = {"Accept": "text/html"}
EVENTS = (
    "event_id,date,type,buyer_id,registration_number\n"
    "E1,2024-05-01,insolvency,B1,\n"
    "E2,2024-05-02,rating_downgrade,,XX999\n"
)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_api_imports_each_new_kind_and_lists_unmatched_events(
    client: TestClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    admin = bearer(world, "admin")
    events = client.post(
        "/api/v1/imports/events", headers=admin, files={"file": ("events.csv", EVENTS.encode())}
    )
    assert events.status_code == 200, events.text
    assert events.json() == {
        "kind": "events",
        "rows": 2,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "unmatched": [
            {"row": 3, "event_id": "E2", "message": "no buyer has registration number 'XX999'"}
        ],
    }
    orders = "order_id,buyer_id,date,amount,currency\nO1,B2,2024-05-01,10.00,EUR\n"
    answer = client.post(
        "/api/v1/imports/orders", headers=admin, files={"file": ("o.csv", orders.encode())}
    )
    assert answer.json() == {
        "kind": "orders",
        "rows": 1,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
    }
    disputes = "dispute_id,invoice_id,opened_on,reason\nD1,I1,2024-03-01,quality\n"
    answer = client.post(
        "/api/v1/imports/disputes", headers=admin, files={"file": ("d.csv", disputes.encode())}
    )
    assert answer.json()["inserted"] == 1
    listed = client.get("/api/v1/disputes", headers=admin).json()
    assert [(d["dispute_id"], d["amount"]) for d in listed] == [("D1", "60.00")]  # 100 - 40 paid
    viewer = client.post(
        "/api/v1/imports/events",
        headers=bearer(world, "viewer"),
        files={"file": ("events.csv", EVENTS.encode())},
    )
    assert viewer.status_code == 403


def test_the_upload_page_shows_the_skipped_events_in_the_readers_language(
    client: TestClient,  # noqa: F811
) -> None:
    form = client.get("/login", headers=HTML)
    client.post(
        "/login",
        data={"email": "admin@acme.test", "password": PASSWORD, "csrf_token": _csrf(form.text)},
    )
    page = client.get("/import", headers=HTML)
    for kind in ("orders", "disputes", "events"):
        assert f'<option value="{kind}"' in page.text
    done = client.post(
        "/import",
        headers=HTML,
        data={"kind": "events", "csrf_token": _csrf(page.text)},
        files={"file": ("events.csv", EVENTS.encode())},
    )
    assert done.status_code == 200
    assert "These events were skipped: no buyer matches them." in done.text
    assert "no buyer has registration number &#39;XX999&#39;" in done.text
    client.post("/language", data={"language": "zh", "csrf_token": _csrf(page.text), "next": "/"})
    page = client.get("/import", headers=HTML)
    again = client.post(
        "/import",
        headers=HTML,
        data={"kind": "events", "csrf_token": _csrf(page.text)},
        files={"file": ("events.csv", EVENTS.encode())},
    )
    assert "以下事件已跳过：没有与之匹配的买方。" in again.text
    assert "没有买方的注册号为 &#39;XX999&#39;" in again.text
