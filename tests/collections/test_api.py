"""The collections API on both databases: the dunning run and its worklist, letters
printed once, calls and the promises they bring, the agency's file, the contact history,
the effectiveness per step, the settings; roles and organisations kept apart."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.web.conftest import World, bearer
from tradeguard.audit.models import AuditEntry
from tradeguard.collections.models import DunningAction, Promise
from tradeguard.kit.db import unit_of_work

# The world's ledger: I1 (B1, 100 EUR due 31 January 2024, 40 paid), I2 (B2, 50 EUR due
# 2 March 2024). No buyer has an e-mail address, so every e-mail step becomes a letter.
RUNS = ("2024-03-15", "2024-03-25", "2024-04-10")


def _run(client: TestClient, world: World, *days: str) -> list[dict[str, Any]]:
    answers = []
    for day in days:
        answer = client.post(
            "/api/v1/dunning/run", json={"as_of": day}, headers=bearer(world, "credit_manager")
        )
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    return answers


def _worklist(client: TestClient, world: World, day: str, who: str = "viewer") -> Any:
    answer = client.get(f"/api/v1/dunning/worklist?as_of={day}", headers=bearer(world, who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_run_answers_its_actions_and_the_worklist_lists_the_letter(
    client: TestClient, world: World
) -> None:
    [run] = _run(client, world, "2024-03-15")
    assert run["as_of"] == "2024-03-15"
    assert (run["done"], run["skipped"], run["documents"]) == (1, 1, 1)
    letter = next(a for a in run["actions"] if a["status"] == "done")
    assert letter == {
        "buyer_id": "B1",
        "invoice_id": "I1",
        "step": "reminder_letter",
        "channel": "letter",
        "days_overdue": 44,
        "amount": "60.00",
        "currency": "EUR",
        "status": "done",
        "escalated": False,
    }
    # the same day again takes nothing twice
    [again] = _run(client, world, "2024-03-15")
    assert again["actions"] == []
    work = _worklist(client, world, "2024-03-15")
    [item] = work["letters"]
    assert (item["buyer_id"], item["buyer_name"], item["step"]) == (
        "B1",
        "Alpha",
        "reminder_letter",
    )
    assert item["amounts"] == {"EUR": "60.00"}
    assert work["calls"] == work["handovers"] == work["promises"] == work["emails"] == []
    # a day before the run sees nothing of it
    assert _worklist(client, world, "2024-03-14")["letters"] == []
    # the rival's ledger was not touched
    assert _worklist(client, world, "2024-03-15", "other_admin")["letters"] == []

    writer = bearer(world, "credit_manager")
    printed = client.post(f"/api/v1/dunning/documents/{item['id']}/printed", headers=writer)
    assert printed.status_code == 204
    twice = client.post(f"/api/v1/dunning/documents/{item['id']}/printed", headers=writer)
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"
    assert _worklist(client, world, "2024-03-15")["letters"] == []
    history = client.get("/api/v1/buyers/B1/contact-history", headers=bearer(world, "sales"))
    assert history.status_code == 200
    assert history.json() == [
        {
            "on": "2024-03-15",
            "kind": "letter",
            "step": "reminder_letter",
            "summary": f"letter {item['id']}",
            "status": "printed",
        }
    ]


def test_the_letter_as_pdf_and_as_html(client: TestClient, world: World) -> None:
    _run(client, world, "2024-03-15")
    [letter] = _worklist(client, world, "2024-03-15")["letters"]
    pdf = client.get(
        f"/api/v1/dunning/documents/{letter['id']}/letter.pdf", headers=bearer(world, "viewer")
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = client.get(
        f"/api/v1/dunning/documents/{letter['id']}/letter.html", headers=bearer(world, "viewer")
    )
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "Alpha" in html.text
    assert "I1" in html.text
    assert "Acme Exports" in html.text  # the letterhead defaults to the organisation's name


def test_a_call_that_brings_a_promise_records_it(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    [call] = _worklist(client, world, "2024-04-10")["calls"]
    assert (call["buyer_id"], call["step"]) == ("B2", "phone_call")
    assert call["detail"]["assignee"] == "credit_manager@acme.test"
    writer = bearer(world, "credit_manager")
    url = f"/api/v1/phone-tasks/{call['id']}/outcome"
    by = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    half = client.post(url, json={"outcome": "promise", "promise_amount": "20"}, headers=writer)
    assert half.status_code == 422  # a promise needs its date too
    assert "promised amount and date" in half.json()["detail"]
    elsewhere = client.post(
        url,
        json={
            "outcome": "promise",
            "promise_amount": "20",
            "promise_date": by,
            "promise_invoice_id": "I1",
        },
        headers=writer,
    )
    assert elsewhere.status_code == 404  # I1 is B1's, the call is about B2: nothing is kept
    answer = client.post(
        url,
        json={
            "outcome": "promise",
            "note": "pays next week",
            "promise_amount": "50.00",
            "promise_date": by,
        },
        headers=writer,
    )
    assert answer.status_code == 200, answer.text
    recorded = answer.json()
    assert (recorded["status"], recorded["outcome"], recorded["buyer_id"]) == (
        "done",
        "promise",
        "B2",
    )
    assert recorded["done_by"] == "user:credit_manager@acme.test"
    assert recorded["promise_id"] is not None
    promises = client.get("/api/v1/promises?buyer=B2", headers=bearer(world, "viewer")).json()
    assert promises == [
        {
            "id": recorded["promise_id"],
            "buyer_id": "B2",
            "amount": "50.00",
            "currency": "EUR",
            "made_on": dt.date.today().isoformat(),
            "promised_for": by,
            "status": "open",
            "settled_on": None,
            "invoice_ids": ["I2"],
            "note": "pays next week",
        }
    ]
    assert client.post(url, json={"outcome": "no_answer"}, headers=writer).status_code == 409
    assert _worklist(client, world, "2024-04-10")["calls"] == []


def test_a_call_that_raises_a_dispute_opens_it(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    [call] = _worklist(client, world, "2024-04-10")["calls"]
    writer = bearer(world, "credit_manager")
    url = f"/api/v1/phone-tasks/{call['id']}/outcome"
    wrong = client.post(
        url,
        json={"outcome": "dispute", "dispute_invoice_id": "I1", "dispute_reason": "damaged"},
        headers=writer,
    )
    assert wrong.status_code == 404  # I1 is B1's, the call is about B2
    answer = client.post(
        url,
        json={"outcome": "dispute", "dispute_invoice_id": "I2", "dispute_reason": "damaged"},
        headers=writer,
    )
    assert answer.status_code == 200, answer.text
    dispute_id = answer.json()["dispute_id"]
    disputes = client.get("/api/v1/disputes?buyer=B2", headers=writer).json()
    assert [d["dispute_id"] for d in disputes] == [dispute_id]
    kinds = [
        c["kind"] for c in client.get("/api/v1/buyers/B2/contact-history", headers=writer).json()
    ]
    assert {"call", "dispute", "letter"} <= set(kinds)


def test_the_hand_over_file_as_csv_and_xlsx(client: TestClient, world: World) -> None:
    _run(client, world, "2024-03-15", "2024-03-25")
    [handover] = _worklist(client, world, "2024-03-25")["handovers"]
    assert handover["buyer_id"] == "B1"
    reader = bearer(world, "viewer")
    answer = client.get(f"/api/v1/agency-handovers/{handover['id']}/file.csv", headers=reader)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="handover-{handover["id"]}.csv"' in answer.headers["content-disposition"]
    [row] = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert (row["buyer_id"], row["buyer_name"], row["invoice_id"]) == ("B1", "Alpha", "I1")
    assert (row["amount"], row["open_amount"], row["currency"]) == ("100.00", "60.00", "EUR")
    assert (row["issue_date"], row["due_date"], row["days_overdue"]) == (
        "2024-01-01",
        "2024-01-31",
        "54",
    )
    assert "reminder_letter" in row["documents"]
    assert "letter" in row["contact_history"]

    workbook = client.get(f"/api/v1/agency-handovers/{handover['id']}/file.xlsx", headers=reader)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("buyer_id", "buyer_name", "registration_number")
    [values] = [dict(zip(header, r, strict=True)) for r in rows]
    assert values["invoice_id"] == "I1"
    assert values["amount"] == 100  # numbers, not text
    assert values["open_amount"] == 60
    assert isinstance(values["open_amount"], float | int | Decimal)
    assert values["due_date"].date() == dt.date(2024, 1, 31)  # type: ignore[union-attr]

    writer = bearer(world, "credit_manager")
    url = f"/api/v1/agency-handovers/{handover['id']}/sent"
    assert client.post(url, headers=writer).status_code == 204
    assert client.post(url, headers=writer).status_code == 409
    assert _worklist(client, world, "2024-03-25")["handovers"] == []
    # the file can still be read once sent
    assert (
        client.get(
            f"/api/v1/agency-handovers/{handover['id']}/file.csv", headers=reader
        ).status_code
        == 200
    )


def test_a_promise_made_today(client: TestClient, world: World) -> None:
    writer = bearer(world, "credit_manager")
    by = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    made = client.post(
        "/api/v1/promises",
        json={"buyer_id": "B1", "amount": "60", "promised_for": by},
        headers=writer,
    )
    assert made.status_code == 201, made.text
    promise = made.json()
    assert (promise["amount"], promise["currency"], promise["invoice_ids"]) == (
        "60.00",
        "EUR",
        ["I1"],
    )
    assert promise["made_on"] == dt.date.today().isoformat()
    past = client.post(
        "/api/v1/promises",
        json={"buyer_id": "B1", "amount": "60", "promised_for": "2024-01-01"},
        headers=writer,
    )
    assert past.status_code == 422
    for buyer in ("B9", "RB1"):  # unknown, and the rival's
        missing = client.post(
            "/api/v1/promises",
            json={"buyer_id": buyer, "amount": "1", "promised_for": by},
            headers=writer,
        )
        assert missing.status_code == 404
    negative = client.post(
        "/api/v1/promises",
        json={"buyer_id": "B1", "amount": "-1", "promised_for": by},
        headers=writer,
    )
    assert negative.status_code == 422
    assert [p["id"] for p in client.get("/api/v1/promises?status=open", headers=writer).json()] == [
        promise["id"]
    ]
    assert client.get("/api/v1/promises", headers=bearer(world, "other_admin")).json() == []


def test_effectiveness_per_quarter_and_step(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    answer = client.get(
        "/api/v1/dunning/effectiveness?as_of=2024-06-01", headers=bearer(world, "sales")
    )
    assert answer.status_code == 200
    rows = {(e["quarter"], e["step"]): e for e in answer.json()}
    letters = rows[("2024Q1", "reminder_letter")]
    assert (letters["steps"], letters["amount"], letters["collected"]) == (2, "110.00", "0.00")
    assert (letters["currency"], letters["share"], letters["complete"]) == ("EUR", 0.0, True)
    assert rows[("2024Q2", "phone_call")]["steps"] == 1
    # the rival has taken no step
    assert (
        client.get("/api/v1/dunning/effectiveness", headers=bearer(world, "other_admin")).json()
        == []
    )


def test_the_settings_document_is_replaced_whole(client: TestClient, world: World) -> None:
    writer = bearer(world, "credit_manager")
    shown = client.get("/api/v1/dunning/settings", headers=bearer(world, "viewer")).json()
    assert shown["letterhead"]["name"] == "Acme Exports"
    assert [s["name"] for s in shown["policies"]["A"]["steps"]] == [
        "pre_due_reminder",
        "reminder_letter",
        "phone_call",
        "agency_handover",
    ]
    document = {
        "letterhead": {"name": "Acme Exports Ltd", "email": "ar@acme.test"},
        "promise_grace_days": 4,
        "policies": {
            "C": {
                "catch_up": "one_step",
                "min_gap_days": 3,
                "steps": [
                    {"name": "first_letter", "days": 5, "channel": "letter", "required": True},
                    {"name": "agency", "days": 20, "channel": ["agency"]},
                ],
            }
        },
    }
    saved = client.put("/api/v1/dunning/settings", json=document, headers=writer)
    assert saved.status_code == 200, saved.text
    after = client.get("/api/v1/dunning/settings", headers=writer).json()
    assert after == saved.json()
    assert after["letterhead"] == {
        "name": "Acme Exports Ltd",
        "address": "",
        "email": "ar@acme.test",
        "phone": "",
    }
    assert after["promise_grace_days"] == 4
    assert after["effectiveness_window_days"] == 15  # left out: the default
    assert after["policies"]["C"]["catch_up"] == "one_step"
    assert [s["name"] for s in after["policies"]["C"]["steps"]] == ["first_letter", "agency"]
    assert after["policies"]["A"] == shown["policies"]["A"]
    bad = client.put(
        "/api/v1/dunning/settings",
        json={"policies": {"D": {}}, "promise_grace_days": -1},
        headers=writer,
    )
    assert bad.status_code == 422
    assert "unknown credit classes D" in bad.json()["detail"]
    assert "promise_grace_days" in bad.json()["detail"]
    assert client.get("/api/v1/dunning/settings", headers=writer).json() == after
    with unit_of_work(world.engine) as session:
        actors = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.entity == "dunning_settings")
        ).all()
    assert actors == ["user:credit_manager@acme.test"]
    rival = client.get("/api/v1/dunning/settings", headers=bearer(world, "other_admin")).json()
    assert rival["letterhead"]["name"] == "Rival Trading"


def _changes(world: World) -> tuple[int, int, int]:
    with unit_of_work(world.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(DunningAction)) or 0,
            session.scalar(select(func.count()).select_from(Promise)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_only_credit_managers_and_admins_change_anything(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    work = _worklist(client, world, "2024-04-10")
    [call], [handover] = work["calls"], work["handovers"]
    letter = work["letters"][0]
    by = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    changes: list[tuple[str, str, Any]] = [
        ("post", "/api/v1/dunning/run", {"as_of": "2024-05-01"}),
        ("post", "/api/v1/promises", {"buyer_id": "B1", "amount": "10", "promised_for": by}),
        ("post", f"/api/v1/phone-tasks/{call['id']}/outcome", {"outcome": "reached"}),
        ("post", f"/api/v1/dunning/documents/{letter['id']}/printed", None),
        ("post", f"/api/v1/agency-handovers/{handover['id']}/sent", None),
        ("put", "/api/v1/dunning/settings", {"promise_grace_days": 5}),
    ]
    before = _changes(world)
    for role in ("viewer", "sales"):
        for method, url, body in changes:
            answer = client.request(method, url, json=body, headers=bearer(world, role))
            assert answer.status_code == 403, (role, url, answer.text)
    for method, url, body in changes:
        assert client.request(method, url, json=body).status_code == 401
    assert _changes(world) == before
    # every role reads
    for role in ("viewer", "sales", "credit_manager", "admin"):
        headers = bearer(world, role)
        for url in (
            "/api/v1/dunning/worklist?as_of=2024-04-10",
            "/api/v1/dunning/effectiveness",
            "/api/v1/promises",
            "/api/v1/buyers/B1/contact-history",
            "/api/v1/dunning/settings",
            f"/api/v1/agency-handovers/{handover['id']}/file.csv",
        ):
            assert client.get(url, headers=headers).status_code == 200, (role, url)
    # an admin may
    for method, url, body in changes:
        answer = client.request(method, url, json=body, headers=bearer(world, "admin"))
        assert answer.status_code < 300, (url, answer.text)


def test_another_organisations_documents_tasks_and_hand_overs_are_not_found(
    client: TestClient, world: World
) -> None:
    _run(client, world, *RUNS)
    work = _worklist(client, world, "2024-04-10")
    [call], [handover], letter = work["calls"], work["handovers"], work["letters"][0]
    rival = bearer(world, "other_admin")
    for method, url, body in [
        ("post", f"/api/v1/phone-tasks/{call['id']}/outcome", {"outcome": "reached"}),
        ("post", f"/api/v1/dunning/documents/{letter['id']}/printed", None),
        ("get", f"/api/v1/dunning/documents/{letter['id']}/letter.pdf", None),
        ("get", f"/api/v1/dunning/documents/{letter['id']}/letter.html", None),
        ("get", f"/api/v1/agency-handovers/{handover['id']}/file.csv", None),
        ("get", f"/api/v1/agency-handovers/{handover['id']}/file.xlsx", None),
        ("post", f"/api/v1/agency-handovers/{handover['id']}/sent", None),
        ("get", "/api/v1/buyers/B1/contact-history", None),
        ("post", "/api/v1/phone-tasks/999999/outcome", {"outcome": "reached"}),
    ]:
        answer = client.request(method, url, json=body, headers=rival)
        assert answer.status_code == 404, (url, answer.text)
    # and the call, the letter and the hand-over are still to do
    still = _worklist(client, world, "2024-04-10")
    assert (len(still["calls"]), len(still["handovers"])) == (1, 1)
    assert letter in still["letters"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/dunning/worklist?as_of=2024-02-30",
        "/api/v1/dunning/effectiveness?as_of=0001-01-01",
        "/api/v1/promises?status=late",
        "/api/v1/dunning/documents/0/letter.pdf",
    ],
)
def test_odd_parameters_are_refused(client: TestClient, world: World, url: str) -> None:
    assert client.get(url, headers=bearer(world, "viewer")).status_code == 422
