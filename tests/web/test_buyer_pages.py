"""The buyer page, the buyers list and the pending limit requests, as a browser uses them.

Real HTTP through TestClient with a signed-in session cookie and its CSRF token, on
SQLite and PostgreSQL (the ``world`` fixture): point-in-time views (``as_of``), invoice
filters and paging, the risk columns of the buyers list with sorting and filters, and
the limit and stop-shipment forms with their role checks, refusals and redirects.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import write_csv
from tests.web.conftest import PASSWORD, World
from tradeguard.audit.models import AuditEntry
from tradeguard.credit import service as credit
from tradeguard.imports.service import import_file
from tradeguard.kit.db import unit_of_work
from tradeguard.limits import service as limits
from tradeguard.limits.models import CreditLimit, CreditLimitRequest, StopShipment
from tradeguard.web.app import create_app

HTML = {"Accept": "text/html"}


def _signed_in(world: World, role: str) -> TestClient:
    """A browser-like client signed in as the user of ``role`` in the first organisation."""
    client = TestClient(create_app(world.engine))
    form = client.get("/login", headers=HTML)
    response = client.post(
        "/login",
        data={"email": f"{role}@acme.test", "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _rows(page: str, table: str) -> list[list[str]]:
    """The text of each data row of the table with id ``table``."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)[1:]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        ]
        for row in rows
    ]


def _link(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}" href="([^"]+)"', page)
    assert found is not None, element_id
    return html.unescape(found.group(1))


def _import(world: World, tmp_path: Path, kind: str, text: str) -> None:
    with unit_of_work(world.engine) as session:
        import_file(session, world.org, kind, write_csv(tmp_path, f"{kind}.csv", text), "test")


@pytest.fixture
def busy_buyer(world: World, tmp_path: Path) -> World:
    """B1 gets 60 more invoices (one a day from 2024-03-01, 30 days' terms) and B2 55
    payments of 0.10, so both lists of the buyer page need several pages."""
    start = dt.date(2024, 3, 1)
    invoices = ["invoice_id,buyer_id,issue_date,due_date,amount,currency"] + [
        f"X{n:02d},B1,{start + dt.timedelta(days=n)},{start + dt.timedelta(days=n + 30)},10.00,EUR"
        for n in range(60)
    ]
    payments = ["payment_id,buyer_id,date,amount,currency"] + [
        f"Q{n:02d},B2,{dt.date(2024, 2, 1) + dt.timedelta(days=n)},0.10,EUR" for n in range(55)
    ]
    _import(world, tmp_path, "invoices", "\n".join(invoices))
    _import(world, tmp_path, "payments", "\n".join(payments))
    return world


def test_buyer_page_is_seen_on_as_of_with_open_amounts_and_days_overdue(
    busy_buyer: World,
) -> None:
    client = _signed_in(busy_buyer, "viewer")
    # before the payment of 2024-02-05 and before I1 was due: all of it open, nothing late
    early = client.get("/buyers/B1?as_of=2024-01-15", headers=HTML)
    assert early.status_code == 200
    assert 'id="buyer-open">€100.00<' in early.text
    assert _rows(early.text, "invoices-table") == [
        ["I1", "1 Jan 2024", "31 Jan 2024", "€100.00", "€100.00", ""]
    ]
    assert _rows(early.text, "payments-table") == []
    # on 2024-02-01 I1 is a day late; the payment comes later
    late = client.get("/buyers/B1?as_of=2024-02-01&status=overdue", headers=HTML)
    assert _rows(late.text, "invoices-table") == [
        ["I1", "1 Jan 2024", "31 Jan 2024", "€100.00", "€100.00", "1"]
    ]
    # after the payment of 40.00: 60.00 open, ten days late
    paid = client.get("/buyers/B1?as_of=2024-02-10&status=open", headers=HTML)
    assert _rows(paid.text, "invoices-table") == [
        ["I1", "1 Jan 2024", "31 Jan 2024", "€100.00", "€60.00", "10"]
    ]
    assert _rows(paid.text, "payments-table")[0][:3] == ["P1", "5 Feb 2024", "€40.00"]
    # the invoices issued later are counted on later dates only
    assert "Invoices (1)" in paid.text
    assert "Invoices (61)" in client.get("/buyers/B1?as_of=2024-12-31", headers=HTML).text


def test_buyer_page_filters_and_pages_invoices_and_payments_keeping_the_other_parameters(
    busy_buyer: World,
) -> None:
    client = _signed_in(busy_buyer, "viewer")
    # on 2024-04-15 the X invoices issued by 2024-03-15 (due by 2024-04-14) are overdue
    overdue = client.get("/buyers/B1?as_of=2024-04-15&status=overdue", headers=HTML)
    rows = _rows(overdue.text, "invoices-table")
    assert [r[0] for r in rows] == [f"X{n:02d}" for n in range(14, -1, -1)] + ["I1"]
    assert rows[0][5] == "1"
    assert rows[-1][5] == str((dt.date(2024, 4, 15) - dt.date(2024, 1, 31)).days)
    opened = client.get("/buyers/B1?as_of=2024-04-15&status=open", headers=HTML)
    assert len(_rows(opened.text, "invoices-table")) == 1 + 46  # I1 and X00..X45

    everything = client.get("/buyers/B1?as_of=2024-12-31", headers=HTML)
    first = _rows(everything.text, "invoices-table")
    assert len(first) == 50
    assert first[0][0] == "X59"
    next_page = _link(everything.text, "inv-next")
    assert "as_of=2024-12-31" in next_page
    assert "inv_offset=50" in next_page
    second = client.get(next_page, headers=HTML)
    assert [r[0] for r in _rows(second.text, "invoices-table")] == [
        *(f"X{n:02d}" for n in range(9, -1, -1)),
        "I1",
    ]
    assert 'id="inv-next"' not in second.text
    assert "inv_offset" not in _link(second.text, "inv-previous")
    # the status links keep the date and start the invoices again from the first page
    status_link = _link(second.text, "status-overdue")
    assert "as_of=2024-12-31" in status_link
    assert "inv_offset" not in status_link

    payments = client.get("/buyers/B2?as_of=2024-12-31&status=open", headers=HTML)
    assert len(_rows(payments.text, "payments-table")) == 50
    more = _link(payments.text, "pay-next")
    assert "pay_offset=50" in more
    assert "status=open" in more
    assert "as_of=2024-12-31" in more
    assert len(_rows(client.get(more, headers=HTML).text, "payments-table")) == 5

    for bad in (
        "as_of=2024-13-01",
        "as_of=yesterday",
        "status=late",
        "inv_offset=-1",
        "pay_offset=10000001",
    ):
        assert client.get(f"/buyers/B1?{bad}", headers=HTML).status_code == 422, bad
    assert client.get("/buyers/RB1", headers=HTML).status_code == 404


def test_buyers_list_shows_risk_columns_sorted_filtered_and_paged(
    world: World, tmp_path: Path
) -> None:
    # B2 also owes USD 33.33 and USD 0.01: converted as one sum, exactly, 0.92 a dollar
    _import(
        world,
        tmp_path,
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\n"
        "U1,B2,2024-02-01,2099-12-31,33.33,USD\nU2,B2,2024-02-01,2099-12-31,0.01,USD",
    )
    _import(
        world,
        tmp_path,
        "buyers",
        "buyer_id,name,country,industry\n"
        + "\n".join(f"N{n:02d},Nobody {n:02d},IT,textiles" for n in range(55)),
    )
    with unit_of_work(world.engine) as session:
        credit.score_buyers(session, world.org, dt.date.today())
        request = limits.request_limit(session, world.org, "B1", Decimal(5000), "new", "sales")
        limits.decide(
            session,
            world.org,
            request.id,
            "approve",
            "good payer",
            "cm",
            override_reason="bond",
            today=dt.date.today(),
        )
        grades = {
            b: credit.buyer_score(session, world.org, b, today=dt.date.today())
            for b in ("B1", "B2", "N00")
        }
    client = _signed_in(world, "viewer")
    page = client.get("/buyers?sort=-exposure", headers=HTML)
    assert page.status_code == 200
    assert "<title>Buyers · TradeGuard</title>" in page.text
    rows = _rows(page.text, "buyers-table")
    assert len(rows) == 50
    # 50.00 EUR + (33.34 USD × 0.92 = 30.6728 → 30.67) for B2; 60.00 EUR for B1, all overdue
    assert rows[0] == [
        "B2",
        "Beta",
        "FR",
        "chemicals",
        str(grades["B2"].grade),
        grades["B2"].credit_class,
        "€80.67",
        "–",
        "€50.00",
    ]
    assert rows[1][0] == "B1"
    assert rows[1][6:] == ["€60.00", "€5,000.00", "€60.00"]
    assert rows[2][6:] == ["€0.00", "–", "€0.00"]
    assert "RB1" not in page.text  # never another organisation's buyers
    assert [
        r[0]
        for r in _rows(
            client.get("/buyers?sort=exposure&offset=50", headers=HTML).text, "buyers-table"
        )
    ][-2:] == ["B1", "B2"]
    # the header links: ascending, then descending once sorted ascending; filters kept
    filtered = client.get("/buyers?country=IT&sort=name", headers=HTML)
    assert _link(filtered.text, "sort-name") == "/buyers?country=IT&sort=-name"
    assert _link(filtered.text, "sort-overdue") == "/buyers?country=IT&sort=overdue"
    assert [r[0] for r in _rows(filtered.text, "buyers-table")][:2] == ["N00", "N01"]
    second = client.get(_link(filtered.text, "buyers-next"), headers=HTML)
    assert [r[0] for r in _rows(second.text, "buyers-table")] == [f"N{n}" for n in range(50, 55)]
    descending = client.get("/buyers?country=IT&sort=-name", headers=HTML)
    assert _rows(descending.text, "buyers-table")[0][0] == "N54"

    def ids(query: str) -> list[str]:
        answer = client.get(f"/buyers?{query}", headers=HTML)
        assert answer.status_code == 200, query
        return [r[0] for r in _rows(answer.text, "buyers-table")]

    assert ids("overdue=1&sort=-overdue") == ["B1", "B2"]
    assert ids("country=fr") == ["B2"]
    assert ids("industry=retail") == ["B1"]
    assert ids("q=alp&overdue=1") == ["B1"]
    assert ids("q=&country=&industry=&class=&overdue=") == ids("sort=name")
    klass = grades["N00"].credit_class
    assert "N00" in ids(f"class={klass}")
    assert all(
        r[5] == klass
        for r in _rows(client.get(f"/buyers?class={klass}", headers=HTML).text, "buyers-table")
    )
    by_grade = _rows(client.get("/buyers?sort=-grade&country=", headers=HTML).text, "buyers-table")
    assert [int(r[4]) for r in by_grade] == sorted((int(r[4]) for r in by_grade), reverse=True)
    assert ids("sort=-limit")[0] == "B1"
    for bad in ("sort=risk", "class=D", "overdue=yes", "offset=-1", "offset=10000001"):
        assert client.get(f"/buyers?{bad}", headers=HTML).status_code == 422, bad


def _count(world: World, model: type[object]) -> int:
    with unit_of_work(world.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_limit_and_stop_forms_follow_roles_csrf_and_refusals(world: World) -> None:
    viewer = _signed_in(world, "viewer")
    seen = viewer.get("/buyers/B1", headers=HTML)
    assert "limit-request-form" not in seen.text
    assert "stop-form" not in seen.text
    assert 'href="/limit-requests"' not in seen.text
    csrf = _csrf(seen.text)
    refused = viewer.post("/buyers/B1/limit-requests", data={"amount": "100", "csrf_token": csrf})
    assert refused.status_code == 403
    assert viewer.get("/limit-requests", headers=HTML).status_code == 403

    sales = _signed_in(world, "sales")
    page = sales.get("/buyers/B1", headers=HTML)
    assert 'id="limit-request-form"' in page.text
    assert "stop-form" not in page.text
    csrf = _csrf(page.text)
    # no CSRF token, a wrong one: refused before anything happens
    assert sales.post("/buyers/B1/limit-requests", data={"amount": "100"}).status_code == 403
    assert (
        sales.post(
            "/buyers/B1/limit-requests", data={"amount": "100", "csrf_token": "forged"}
        ).status_code
        == 403
    )
    # refusals: the page again, the message beside the form, what was typed kept
    for amount, message in (
        ("lots", "amount: not a number: &#39;lots&#39;"),
        ("-5", "a limit is an amount of at least 0"),
        ("10.001", "10.001 has more than 2 decimal places for EUR"),
    ):
        bad = sales.post(
            "/buyers/B1/limit-requests",
            data={"amount": amount, "reason": "bigger orders", "csrf_token": csrf},
        )
        assert bad.status_code == 422, amount
        assert re.search(rf'id="request-error">{re.escape(message)}', bad.text), amount
        assert 'value="bigger orders"' in bad.text
    assert _count(world, CreditLimitRequest) == 0
    done = sales.post(
        "/buyers/B1/limit-requests",
        data={"amount": "25000", "reason": "bigger orders", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/buyers/B1?done=limit-requested"
    shown = sales.get(done.headers["location"], headers=HTML)
    assert "Limit requested: it waits for a credit manager" in shown.text
    assert 'id="pending-1"' in shown.text
    assert 'id="approve-1"' not in shown.text  # sales may not decide
    assert (
        sales.post(
            "/limit-requests/1/decision",
            data={"decision": "approve", "reason": "mine", "csrf_token": csrf},
        ).status_code
        == 403
    )
    assert (
        sales.post("/buyers/B1/stop-shipment", data={"reason": "x", "csrf_token": csrf}).status_code
        == 403
    )

    manager = _signed_in(world, "credit_manager")
    page = manager.get("/buyers/B1", headers=HTML)
    assert 'href="/limit-requests"' in page.text
    csrf = _csrf(page.text)
    no_reason = manager.post(
        "/limit-requests/1/decision",
        data={"decision": "approve", "reason": " ", "amount": "20000", "csrf_token": csrf},
    )
    assert no_reason.status_code == 422
    assert 'id="approve-1-error">a decision needs a reason' in no_reason.text
    assert 'value="20000"' in no_reason.text
    approved = manager.post(
        "/limit-requests/1/decision",
        data={
            "decision": "approve",
            "reason": "good payer",
            "amount": "20000",
            "override_reason": "bank guarantee",  # B1 is in default (grade 10)
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/buyers/B1?done=limit-approved"
    after = manager.get(approved.headers["location"], headers=HTML)
    assert "Limit approved: it is now in force." in after.text
    assert 'id="buyer-limit-in-force">€20,000.00<' in after.text
    # deciding it again: a conflict, nothing changed
    again = manager.post(
        "/limit-requests/1/decision",
        data={"decision": "reject", "reason": "changed my mind", "csrf_token": csrf},
    )
    assert again.status_code == 409
    assert 'id="refusal">request 1 is already approved' in again.text
    assert (
        manager.post(
            "/limit-requests/999/decision",
            data={"decision": "reject", "reason": "x", "csrf_token": csrf},
        ).status_code
        == 404
    )

    bad_date = manager.post(
        "/buyers/B1/stop-shipment",
        data={"reason": "insolvency", "until": "31/12/2030", "csrf_token": csrf},
    )
    assert bad_date.status_code == 422
    assert "until: not a date in YYYY-MM-DD form" in bad_date.text
    no_reason = manager.post("/buyers/B1/stop-shipment", data={"reason": "", "csrf_token": csrf})
    assert no_reason.status_code == 422
    assert 'id="stop-error">a stop-shipment needs a reason' in no_reason.text
    assert _count(world, StopShipment) == 0
    stopped = manager.post(
        "/buyers/B1/stop-shipment",
        data={"reason": "insolvency filed", "until": "2099-12-31", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert stopped.headers["location"] == "/buyers/B1?done=shipments-stopped"
    page = manager.get(stopped.headers["location"], headers=HTML)
    assert 'class="flag stop" id="stop-shipment"' in page.text
    assert 'id="lift-form"' in page.text
    unlifted = manager.post(
        "/buyers/B1/stop-shipment/lift", data={"reason": "", "csrf_token": csrf}
    )
    assert unlifted.status_code == 422
    assert 'id="lift-error">lifting a stop-shipment needs a reason' in unlifted.text
    lifted = manager.post(
        "/buyers/B1/stop-shipment/lift",
        data={"reason": "paid in full", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert lifted.headers["location"] == "/buyers/B1?done=stop-lifted"
    after_lift = manager.get(lifted.headers["location"], headers=HTML).text
    assert 'id="stop-shipment" data-status="stopped"' not in after_lift  # the stop is gone
    twice = manager.post(
        "/buyers/B1/stop-shipment/lift", data={"reason": "again", "csrf_token": csrf}
    )
    assert twice.status_code == 409
    assert "has no stop-shipment" in twice.text
    assert (
        manager.post(
            "/buyers/RB1/stop-shipment", data={"reason": "x", "csrf_token": csrf}
        ).status_code
        == 404
    )

    with unit_of_work(world.engine) as session:
        actions = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity).order_by(AuditEntry.id)
        ).all()
        in_force = session.get(CreditLimit, (world.org.id, "B1"))
    assert in_force is not None
    assert in_force.amount == 2_000_000
    assert [tuple(a) for a in actions if a.entity != "buyers" and a.actor.startswith("user:")] == [
        ("user:sales@acme.test", "request", "credit_limit_requests"),
        ("user:credit_manager@acme.test", "insert", "credit_limits"),
        ("user:credit_manager@acme.test", "approve", "credit_limit_requests"),
        ("user:credit_manager@acme.test", "stop_shipment", "stop_shipments"),
        ("user:credit_manager@acme.test", "lift_stop_shipment", "stop_shipments"),
    ]


def test_pending_page_lists_requests_oldest_first_and_decides_them(world: World) -> None:
    with unit_of_work(world.engine) as session:
        credit.score_buyers(session, world.org, dt.date.today())
        grade = credit.buyer_score(session, world.org, "B2", today=dt.date.today())
        for buyer_id, amount, reason in (("B2", 900, "first"), ("B1", 1200, "second")):
            limits.request_limit(
                session, world.org, buyer_id, Decimal(amount), reason, "user:sales@acme.test"
            )
    with unit_of_work(world.engine) as session:
        limits.request_limit(
            session, world.other, "RB1", Decimal(5), "theirs", "user:admin@rival.test"
        )
    manager = _signed_in(world, "credit_manager")
    page = manager.get("/limit-requests", headers=HTML)
    assert page.status_code == 200
    assert "<title>Pending limit requests · TradeGuard</title>" in page.text
    rows = _rows(page.text, "pending-table")
    assert [r[:6] for r in rows] == [
        ["1", "Beta (B2)", "€900.00", "user:sales@acme.test", rows[0][4], "first"],
        ["2", "Alpha (B1)", "€1,200.00", "user:sales@acme.test", rows[1][4], "second"],
    ]
    assert rows[0][6:8] == [str(grade.grade), grade.credit_class]
    assert "theirs" not in page.text
    assert 'href="/buyers/B2"' in page.text
    csrf = _csrf(page.text)
    refused = manager.post(
        "/limit-requests/1/decision",
        data={"decision": "reject", "reason": "", "back": "pending", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert 'id="reject-1-error">a decision needs a reason' in refused.text
    rejected = manager.post(
        "/limit-requests/1/decision",
        data={"decision": "reject", "reason": "too risky", "back": "pending", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert rejected.headers["location"] == "/limit-requests?done=limit-rejected"
    after = manager.get(rejected.headers["location"], headers=HTML)
    assert "Limit request rejected." in after.text
    assert [r[0] for r in _rows(after.text, "pending-table")] == ["2"]
    # the other organisation's request does not exist here
    assert (
        manager.post(
            "/limit-requests/3/decision",
            data={"decision": "approve", "reason": "x", "back": "pending", "csrf_token": csrf},
        ).status_code
        == 404
    )
    with unit_of_work(world.engine) as session:
        rows = session.execute(select(CreditLimitRequest.id, CreditLimitRequest.status))
        statuses = dict(rows.all())
    assert statuses == {1: "rejected", 2: "pending", 3: "pending"}
    assert _signed_in(world, "sales").get("/limit-requests", headers=HTML).status_code == 403


def test_forms_and_messages_are_translated(world: World) -> None:
    manager = _signed_in(world, "credit_manager")
    page = manager.get("/buyers/B1", headers=HTML)
    switched = manager.post(
        "/language",
        data={
            "language": "zh",
            "csrf_token": _csrf(page.text),
            "next": "/buyers/B1?done=stop-lifted",
        },
    )
    assert switched.status_code == 200
    for chinese in ("申请信用额度", "停止发货", "已解除停止发货。", "逾期天数", "额度申请"):
        assert chinese in switched.text, chinese
    assert "<title>Alpha · 买方 · TradeGuard</title>" in switched.text
    listing = manager.get("/buyers", headers=HTML)
    assert "仅显示有逾期金额的买方" in listing.text
    assert "<title>买方 · TradeGuard</title>" in listing.text


def test_buyers_list_names_a_currency_without_fx_rate_and_still_shows_the_others(
    world: World, tmp_path: Path
) -> None:
    _import(
        world,
        tmp_path,
        "invoices",
        "invoice_id,buyer_id,issue_date,due_date,amount,currency\nG1,B1,2024-02-01,2024-03-01,10.00,GBP",
    )
    client = _signed_in(world, "viewer")
    page = client.get("/buyers?sort=-exposure", headers=HTML)
    assert page.status_code == 200
    assert 'id="missing-fx">No FX rate for GBP' in page.text
    rows = {r[0]: r for r in _rows(page.text, "buyers-table")}
    assert rows["B1"][6:] == ["–", "–", "–"]
    assert rows["B2"][6:] == ["€50.00", "–", "€50.00"]
    assert [r[0] for r in _rows(page.text, "buyers-table")] == ["B2", "B1"]  # unknown last
    # the buyer page says why it shows no exposure, and still shows the rest
    buyer = client.get("/buyers/B1", headers=HTML)
    assert buyer.status_code == 200
    assert 'id="buyer-open">no FX rate for GBP' in buyer.text
    assert "G1" in buyer.text
    assert 'id="limit-history"' in buyer.text
