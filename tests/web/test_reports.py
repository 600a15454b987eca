"""``/api/v1/reports/...`` and the ``/reports`` page, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import World, bearer

AS_OF = {"as_of": "2024-03-01"}


def test_ageing_drill_down_kpis_behaviour(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/reports/ageing", params=AS_OF, headers=bearer(world, "viewer"))
    assert response.status_code == 200, response.text
    document = response.json()
    assert (document["currency"], document["total"], document["groups"]) == ("EUR", "110.00", [])
    assert [b["amount"] for b in document["buckets"]] == [
        "50.00",
        "60.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ]
    page = client.get(
        "/api/v1/reports/ageing/1/invoices",
        params={**AS_OF, "limit": 10},
        headers=bearer(world, "viewer"),
    ).json()
    assert page["total"] == 1
    assert [(i["invoice_id"], i["days_overdue"], i["open_base"]) for i in page["items"]] == [
        ("I1", 30, "60.00")
    ]
    by_buyer = client.get(
        "/api/v1/reports/ageing", params={**AS_OF, "by": "buyer"}, headers=bearer(world, "viewer")
    ).json()
    assert [(g["group"], g["name"], g["total"]) for g in by_buyer["groups"]] == [
        ("B1", "Alpha", "60.00"),
        ("B2", "Beta", "50.00"),
    ]

    kpis = client.get(
        "/api/v1/reports/kpis",
        params={**AS_OF, "period_days": 60, "countback_months": "30-day"},
        headers=bearer(world, "viewer"),
    ).json()
    assert (kpis["receivables"], kpis["credit_sales"], kpis["period_days"]) == (
        "110.00",
        "50.00",
        60,
    )
    assert kpis["settings"] == {"countback_months": "30-day", "cei_sales": "total"}
    assert "trend" not in kpis
    behaviour = client.get(
        "/api/v1/reports/behaviour", params=AS_OF, headers=bearer(world, "viewer")
    ).json()
    assert [b["buyer_id"] for b in behaviour["buyers"]] == ["B1", "B2"]

    headers = bearer(world, "viewer")
    bad = client.get("/api/v1/reports/ageing", params={"buckets": "x"}, headers=headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    grade = client.get("/api/v1/reports/ageing", params={"by": "grade"}, headers=headers)
    assert (grade.status_code, grade.json()["detail"]) == (
        409,  # the ledger has no grades yet
        "grades are not computed yet: run scoring",
    )
    assert client.get("/api/v1/reports/ageing/9/invoices", headers=headers).status_code == 422
    fx = client.get("/api/v1/reports/kpis", params={"as_of": "2023-06-30"}, headers=headers)
    assert fx.status_code == 200  # nothing issued yet: no rate needed


def test_page_authentication_and_isolation(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/reports/ageing").status_code == 401
    rival = client.get(
        "/api/v1/reports/ageing", params=AS_OF, headers=bearer(world, "other_admin")
    ).json()
    assert rival["currency"] == "USD"
    # Rival's invoices are its own (100 + 50 EUR at 1.08, 40 paid): 60 × 1.08 and 50 × 1.08.
    assert rival["total"] == "118.80"

    page = client.get("/reports", params={**AS_OF, "bucket": 1}, headers=bearer(world, "viewer"))
    assert page.status_code == 200
    html = page.text
    assert '<script src="/static/plotly.js"></script>' in html
    for element in ("ageing-chart", "dso-chart", "pareto-chart", "plotly_click", "bucket-invoices"):
        assert element in html
    assert "I1" in html
    assert "Open invoices in 1-30" in html
    assert 'href="/buyers"' in html  # the site's navigation: the page uses the common layout
    assert client.get("/static/plotly.js").headers["content-type"].startswith("text/javascript")
    assert "cdn" not in html.lower()


def test_reports_page_in_chinese(client: TestClient, world: World) -> None:
    from tradeguard.identity import service as users
    from tradeguard.kit.db import unit_of_work

    with unit_of_work(world.engine) as session:
        viewer = users.principal_for_token(session, world.tokens["viewer"])
        assert viewer is not None
        users.set_language(session, viewer, "zh")
    page = client.get("/reports", params={**AS_OF, "bucket": 0}, headers=bearer(world, "viewer"))
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in page.text
    for text in (
        "应收账款",
        "账龄",
        "近 8 个季度的 DSO",
        "最大买方",
        "未结发票：",
        "未到期",
        "180 天以上",
    ):
        assert text in page.text


def test_summary_answers_a_snapshot_stored_by_an_earlier_version(
    client: TestClient, world: World
) -> None:
    import datetime as dt

    from tests.cycle.test_service import OLDER_SNAPSHOT
    from tradeguard.cycle.models import CycleRun
    from tradeguard.kit.db import unit_of_work

    with unit_of_work(world.engine) as session:
        session.add(
            CycleRun(
                org_id=world.org.id,
                as_of=dt.date(2024, 2, 29),
                step="exposure_snapshot",
                ran_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                result=OLDER_SNAPSHOT,
            )
        )
    response = client.get("/api/v1/summary", headers=bearer(world, "viewer"))
    assert response.status_code == 200, response.text
    assert response.json() == OLDER_SNAPSHOT
    dated = client.get("/api/v1/summary", params=AS_OF, headers=bearer(world, "viewer")).json()
    assert (dated["as_of"], dated["open_receivables"], dated["open_invoices"]) == (
        "2024-03-01",
        "110.00",
        2,
    )


def test_the_schema_names_every_field_of_the_reports(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def answer(path: str) -> dict[str, object]:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        return schemas[name]["properties"]

    assert list(answer("/api/v1/reports/ageing")) == [
        "as_of",
        "currency",
        "buckets",
        "total",
        "groups",
    ]
    assert answer("/api/v1/reports/ageing")["total"] == {"title": "Total", "type": "string"}
    assert "items" in answer("/api/v1/reports/ageing/{bucket_index}/invoices")
    kpis = answer("/api/v1/reports/kpis")
    assert list(kpis)[:4] == ["currency", "period_days", "settings", "as_of"]
    assert {"dso", "hhi", "trend"} <= set(kpis)
    assert "buyers" in answer("/api/v1/reports/behaviour")
    assert {"open_receivables", "ageing", "largest_buyers"} <= set(answer("/api/v1/summary"))
