"""The collections pages on both databases: the worklist and its forms (call outcomes,
letters printed, hand-overs sent, a run), the effectiveness table, the dunning settings
(the form and the whole TOML document), the Collections section of /today and the buyer
page's contact history and promise form; in English and Chinese, roles and
organisations kept apart."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from html import unescape

from fastapi.testclient import TestClient

from tests.collections.test_api import RUNS, _run, _worklist
from tests.web.conftest import World
from tests.web.test_error_pages import HTML, sign_in
from tradeguard.collections import service as collections
from tradeguard.collections.pages import settings_toml
from tradeguard.domain.collections.policy import DunningSettings
from tradeguard.kit.db import unit_of_work


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _row(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(?:(?!</tr>).)*', page, re.S)
    assert found is not None, page
    return found.group(0)


def test_the_worklist_and_its_forms(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    work = _worklist(client, world, "2024-04-10")
    [call], [handover] = work["calls"], work["handovers"]
    letter = work["letters"][0]
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/collections?as_of=2024-04-10", headers=HTML)
    assert page.status_code == 200
    assert 'id="nav-collections"' in page.text
    assert 'id="count-calls">1<' in page.text
    row = _row(page.text, f"call-{call['id']}")
    assert 'href="/buyers/B2"' in row
    assert "credit_manager@acme.test" in row
    assert f'action="/collections/calls/{call["id"]}/outcome"' in page.text
    row = _row(page.text, f"letter-{letter['id']}")
    assert f'href="/api/v1/dunning/documents/{letter["id"]}/letter.pdf"' in row
    assert f'href="/api/v1/dunning/documents/{letter["id"]}/letter.html"' in row
    row = _row(page.text, f"handover-{handover['id']}")
    assert f'href="/api/v1/agency-handovers/{handover["id"]}/file.csv"' in row
    assert f'href="/api/v1/agency-handovers/{handover["id"]}/file.xlsx"' in row
    # the links work with the browser's session
    assert client.get(f"/api/v1/agency-handovers/{handover['id']}/file.csv").status_code == 200

    csrf = _csrf(page.text)
    by = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    outcome = f"/collections/calls/{call['id']}/outcome"
    half = client.post(
        outcome,
        data={
            "csrf_token": csrf,
            "outcome": "promise",
            "promise_amount": "25",
            "as_of": "2024-04-10",
        },
        headers=HTML,
    )
    assert half.status_code == 422
    assert f'id="call-{call["id"]}-error"' in half.text
    assert "Nothing was changed." in half.text
    assert (
        f'id="call-{call["id"]}-promise-amount" inputmode="decimal" maxlength="40" size="10" value="25"'
        in half.text
    )
    recorded = client.post(
        outcome,
        data={
            "csrf_token": csrf,
            "outcome": "promise",
            "note": "next week",
            "promise_amount": "25",
            "promise_date": by,
            "as_of": "2024-04-10",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert recorded.headers["location"] == "/collections?as_of=2024-04-10&done=call-recorded"
    with unit_of_work(world.engine) as session:
        [promise] = collections.list_promises(session, world.org, buyer_id="B2")
    assert (str(promise.amount), promise.promised_for.isoformat(), promise.note) == (
        "25.00",
        by,
        "next week",
    )
    after = client.get(recorded.headers["location"], headers=HTML)
    assert "Call outcome recorded." in after.text
    assert f'id="call-{call["id"]}"' not in after.text
    again = client.post(outcome, data={"csrf_token": csrf, "outcome": "reached"}, headers=HTML)
    assert again.status_code == 409

    printed = f"/collections/letters/{letter['id']}/printed"
    done = client.post(
        printed,
        data={"csrf_token": csrf, "as_of": "2024-04-10"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.headers["location"] == "/collections?as_of=2024-04-10&done=letter-printed"
    twice = client.post(printed, data={"csrf_token": csrf, "as_of": "2024-04-10"}, headers=HTML)
    assert twice.status_code == 409
    assert "already printed" in twice.text
    sent = f"/collections/handovers/{handover['id']}/sent"
    assert (
        client.post(
            sent, data={"csrf_token": csrf}, headers=HTML, follow_redirects=False
        ).status_code
        == 303
    )
    assert client.post(sent, data={"csrf_token": csrf}, headers=HTML).status_code == 409
    left = client.get("/collections?as_of=2024-04-10", headers=HTML).text
    assert f'id="letter-{letter["id"]}"' not in left
    assert "No hand-over to send." in left
    assert client.post(sent, data={}, headers=HTML).status_code == 403  # no CSRF token


def test_a_run_from_the_page(client: TestClient) -> None:
    sign_in(client, "admin@acme.test")
    page = client.get("/collections?as_of=2024-03-15", headers=HTML)
    assert "No letter to print." in page.text
    ran = client.post(
        "/collections/run",
        data={"csrf_token": _csrf(page.text), "as_of": "2024-03-15"},
        headers=HTML,
        follow_redirects=False,
    )
    assert ran.headers["location"] == "/collections?as_of=2024-03-15&done=dunning-run"
    page = client.get(ran.headers["location"], headers=HTML)
    assert "Dunning run done." in page.text
    assert "reminder_letter" in _row(page.text, "letter-1")
    bad = client.post(
        "/collections/run",
        data={"csrf_token": _csrf(page.text), "as_of": "15/03/2024"},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert 'id="run-error"' in bad.text
    assert client.get("/collections?as_of=2024-13-01", headers=HTML).status_code == 422


def test_the_worklist_in_chinese_for_a_viewer(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    call = _worklist(client, world, "2024-04-10")["calls"][0]
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/collections?as_of=2024-04-10", headers=HTML)
    assert page.status_code == 200
    assert "<title>催收 · TradeGuard</title>" in page.text
    assert "待拨电话" in page.text
    assert "电话催收" in page.text  # the shipped step's name
    assert "催款函" in page.text
    assert "/collections/calls/" not in page.text  # a viewer sees the work, without the forms
    assert 'id="run-form"' not in page.text
    refused = client.post(
        f"/collections/calls/{call['id']}/outcome",
        data={"csrf_token": _csrf(page.text), "outcome": "reached"},
        headers=HTML,
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/collections/run", data={"csrf_token": _csrf(page.text)}, headers=HTML
        ).status_code
        == 403
    )


def test_the_other_organisation_sees_none_of_it(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    work = _worklist(client, world, "2024-04-10")
    sign_in(client, "admin@rival.test")
    page = client.get("/collections?as_of=2024-04-10", headers=HTML)
    assert "No call to make." in page.text
    assert "No letter to print." in page.text
    csrf = _csrf(page.text)
    for url, data in (
        (f"/collections/calls/{work['calls'][0]['id']}/outcome", {"outcome": "reached"}),
        (f"/collections/letters/{work['letters'][0]['id']}/printed", {}),
        (f"/collections/handovers/{work['handovers'][0]['id']}/sent", {}),
    ):
        assert client.post(url, data={"csrf_token": csrf, **data}, headers=HTML).status_code == 404
    assert client.get("/buyers/B1", headers=HTML).status_code == 404
    assert _worklist(client, world, "2024-04-10") == work


def test_the_effectiveness_page(client: TestClient, world: World) -> None:
    _run(client, world, *RUNS)
    sign_in(client, "sales@acme.test")
    page = client.get("/collections/effectiveness?as_of=2024-06-01", headers=HTML)
    assert page.status_code == 200
    row = _row(page.text, "effect-2024Q1-reminder_letter")
    assert "€110.00" in row
    assert "0.0%" in row
    assert 'id="window-days">15<' in page.text
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/collections/effectiveness?as_of=2024-06-01", headers=HTML)
    assert "催收效果" in page.text
    assert "季度" in page.text
    assert "催款函" in _row(page.text, "effect-2024Q1-reminder_letter")
    empty = client.get("/collections/effectiveness?as_of=2024-01-01", headers=HTML)
    assert "尚未执行任何催收步骤。" in empty.text


def test_the_settings_form_and_the_toml_document(client: TestClient, world: World) -> None:
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/settings/dunning", headers=HTML)
    assert page.status_code == 200
    assert 'id="ladder-A"' in page.text
    assert "reminder_letter" in page.text
    document = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert document is not None
    with unit_of_work(world.engine) as session:
        shown = collections.load_settings(session, world.org).as_dict()
    assert tomllib.loads(unescape(document.group(1))) == shown  # the page's TOML is the settings
    csrf = _csrf(page.text)
    bad = client.post(
        "/settings/dunning",
        data={"csrf_token": csrf, "letterhead.name": "Acme Ltd", "C.min_gap_days": "soon"},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "policies.C.min_gap_days: not a whole number" in bad.text
    assert 'value="soon"' in bad.text  # what was typed, shown again
    assert 'value="Acme Ltd"' in bad.text
    saved = client.post(
        "/settings/dunning",
        data={
            "csrf_token": csrf,
            "letterhead.name": "Acme Exports Ltd",
            "letterhead.address": "1 Harbour Road\nLondon",
            "letterhead.email": "ar@acme.test",
            "letterhead.phone": "+44 20 0000",
            "promise_grace_days": "4",
            "effectiveness_window_days": "20",
            "C.catch_up": "one_step",
            "C.min_gap_days": "3",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        "/settings/dunning?done=settings-saved",
    )
    with unit_of_work(world.engine) as session:
        settings = collections.load_settings(session, world.org)
    assert settings.letterhead.address == "1 Harbour Road\nLondon"
    assert (settings.promise_grace_days, settings.effectiveness_window_days) == (4, 20)
    assert settings.policies["C"].catch_up.value == "one_step"
    assert settings.policies["C"].min_gap_days == 3
    assert settings.policies["A"].min_gap_days == 7
    assert settings.policies["C"].steps[0].name == "pre_due_reminder"  # kept

    broken = client.post(
        "/settings/dunning/document",
        data={"csrf_token": csrf, "document": "policies = [oops"},
        headers=HTML,
    )
    assert broken.status_code == 422
    assert "TOML:" in broken.text
    assert "policies = [oops</textarea>" in broken.text
    invalid = client.post(
        "/settings/dunning/document",
        data={"csrf_token": csrf, "document": "promise_grace_days = -1\n[policies.D]\n"},
        headers=HTML,
    )
    assert invalid.status_code == 422
    assert "unknown credit classes D" in invalid.text
    replaced = client.post(
        "/settings/dunning/document",
        data={
            "csrf_token": csrf,
            "document": '[letterhead]\nname = "Acme 出口"\n\n[[policies.A.steps]]\nname = "only_letter"\n'
            'days = 10\nchannel = "letter"\n',
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert replaced.status_code == 303
    with unit_of_work(world.engine) as session:
        settings = collections.load_settings(session, world.org)
    assert settings.letterhead.name == "Acme 出口"
    assert settings.letterhead.email == ""  # the document replaced everything
    assert settings.promise_grace_days == 2
    assert [s.name for s in settings.policies["A"].steps] == ["only_letter"]
    page = client.get("/settings/dunning?done=settings-saved", headers=HTML)
    assert "Settings saved." in page.text
    assert "only_letter" in page.text


def test_the_settings_in_chinese_for_a_viewer(client: TestClient) -> None:
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/settings/dunning", headers=HTML)
    assert "催收设置" in page.text
    assert "信头" in page.text
    assert "到期前提醒" in page.text
    assert 'id="save-settings"' not in page.text
    assert 'id="replace-settings"' not in page.text
    refused = client.post(
        "/settings/dunning",
        data={"csrf_token": _csrf(page.text), "promise_grace_days": "5"},
        headers=HTML,
    )
    assert refused.status_code == 403
    refused = client.post(
        "/settings/dunning/document",
        data={"csrf_token": _csrf(page.text), "document": "promise_grace_days = 5"},
        headers=HTML,
    )
    assert refused.status_code == 403


def test_today_has_a_collections_section(client: TestClient, world: World) -> None:
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/today", headers=HTML)
    assert "Nothing to do in collections today." in page.text
    _run(client, world, *RUNS)
    page = client.get("/today", headers=HTML)
    assert 'id="collections-calls">1<' in page.text
    assert 'id="collections-letters">2<' in page.text
    assert 'id="collections-handovers">1<' in page.text
    assert 'href="/collections" id="collections-link"' in page.text
    call = _worklist(client, world, "2024-04-10")["calls"][0]
    row = _row(page.text, f"collections-call-{call['id']}")
    assert f'href="/collections#call-{call["id"]}"' in row
    assert 'href="/buyers/B2"' in row
    sign_in(client, "viewer@acme.test", "zh")
    page = client.get("/today", headers=HTML)
    assert "催收" in page.text
    assert "待打印的信函" in page.text


def test_the_buyer_page_has_the_contact_history_and_a_promise_form(
    client: TestClient, world: World
) -> None:
    sign_in(client, "credit_manager@acme.test")
    page = client.get("/buyers/B1", headers=HTML)
    assert "Contact history" in page.text
    assert "No letter, e-mail, call, promise or dispute yet." in page.text
    _run(client, world, "2024-03-15")
    page = client.get("/buyers/B1", headers=HTML)
    history = re.search(r'<table id="contact-history-table">(.*?)</table>', page.text, re.S)
    assert history is not None
    assert "reminder_letter" in history.group(1)
    assert "to print" in history.group(1)
    csrf = _csrf(page.text)
    by = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    bad = client.post(
        "/buyers/B1/promises",
        data={"csrf_token": csrf, "amount": "lots", "promised_for": by},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert 'id="promise-error"' in bad.text
    assert (
        'id="promise-amount" inputmode="decimal" maxlength="40" size="12" required value="lots"'
        in bad.text
    )
    wrong_invoice = client.post(
        "/buyers/B1/promises",
        data={"csrf_token": csrf, "amount": "10", "promised_for": by, "invoice_id": "I2"},
        headers=HTML,
    )
    assert wrong_invoice.status_code == 422
    assert "no invoice" in wrong_invoice.text
    made = client.post(
        "/buyers/B1/promises",
        data={"csrf_token": csrf, "amount": "60", "promised_for": by, "note": "by phone"},
        headers=HTML,
        follow_redirects=False,
    )
    assert (made.status_code, made.headers["location"]) == (303, "/buyers/B1?done=promise-recorded")
    page = client.get(made.headers["location"], headers=HTML)
    assert "Promise to pay recorded." in page.text
    history = re.search(r'<table id="contact-history-table">(.*?)</table>', page.text, re.S)
    assert history is not None
    assert "promised 60.00 EUR" in history.group(1)
    assert (
        client.post(
            "/buyers/RB1/promises",
            data={"csrf_token": csrf, "amount": "1", "promised_for": by},
            headers=HTML,
        ).status_code
        == 404
    )

    sign_in(client, "sales@acme.test", "zh")
    page = client.get("/buyers/B1", headers=HTML)
    assert "联系记录" in page.text
    assert '<td class="text">承诺</td>' in page.text  # the promise in the history
    assert 'id="promise-form"' not in page.text
    refused = client.post(
        "/buyers/B1/promises",
        data={"csrf_token": _csrf(page.text), "amount": "1", "promised_for": by},
        headers=HTML,
    )
    assert refused.status_code == 403


def test_the_settings_toml_reads_back_as_the_settings() -> None:
    settings = DunningSettings.from_dict(
        {
            "letterhead": {
                "name": 'Acme "Exports" 出口',
                "address": "1 Harbour Road\n\tLondon\\E14",
            },
            "policies": {
                "A": {
                    "steps": [
                        {
                            "name": "first",
                            "days": 1,
                            "channel": ["letter", "email"],
                            "templates": {
                                "zh": {
                                    "subject": "提醒",
                                    "body": "尊敬的{{ buyer_name }}：\n\n请付款。",
                                }
                            },
                        }
                    ]
                }
            },
        }
    )
    values = settings.as_dict()
    text = settings_toml(values)
    assert "[policies.A.steps.templates.zh]" in text
    assert tomllib.loads(text) == values
