"""``tradeguard screen`` and ``tradeguard screenings list|kpi`` as real processes, on both
databases: the answer as JSON, refusals with exit code 1, roles by token, the log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.screening.conftest import Seller

ORG = ("--org", "Acme Exports")


def test_screen_answers_json_and_records_it(db_url: str, seller: Seller, tmp_path: Path) -> None:
    done = run_cli(
        db_url,
        tmp_path,
        *("screen", "--buyer", "A1", "--amount", "6080.00", "--as-of", "2026-11-02"),
        *("--order-id", "PO-9", "--terms-days", "30", "--format", "json", *ORG),
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["decision"], answer["prepayment_share"]) == ("approve_with_prepayment", 0.1645)
    assert (answer["limit"], answer["exposure_before"], answer["exposure_after"]) == (
        "10000.00",
        "4920.00",
        "11000.00",
    )
    assert (answer["currency"], answer["insured"], answer["grade"], answer["credit_class"]) == (
        "EUR",
        None,
        3,
        "A",
    )
    assert answer["reasons"] == [
        {
            "code": "OVER_HEADROOM",
            "message": "the order is 1000.00 EUR above the headroom of 5080.00 EUR:"
            " 16.4% of the order paid in advance",
        }
    ]
    chinese = run_cli(
        db_url,
        tmp_path,
        *("screen", "--buyer", "ST", "--amount", "5", "--as-of", "2026-11-02", "--lang", "zh"),
        *("--format", "json", *ORG),
        token=seller.tokens["sales"],
    )
    assert chinese.returncode == 0, chinese.stderr
    held = json.loads(chinese.stdout)
    assert (held["decision"], held["screened_by"]) == ("hold", "user:sales@acme.test")
    assert held["reasons"] == [
        {"code": "STOP_SHIPMENT", "message": "已永久停止发货：insolvency filed"}
    ]
    listed = run_cli(
        db_url, tmp_path, "screenings", "list", "--buyer", "A1", "--format", "json", *ORG
    )
    assert listed.returncode == 0, listed.stderr
    assert [(s["buyer_id"], s["order_id"], s["terms_days"]) for s in json.loads(listed.stdout)] == [
        ("A1", "PO-9", 30)
    ]
    kpi = run_cli(db_url, tmp_path, "screenings", "kpi", "--format", "json", *ORG)
    assert kpi.returncode == 0, kpi.stderr
    # both high risk (over the limit after the order; stopped), neither approved as asked
    assert json.loads(kpi.stdout) == {
        "quarters": [{"quarter": "2026-Q4", "high_risk_orders": 2, "intercepted": 2, "share": 1.0}]
    }


def test_refusals_exit_1_without_a_traceback(db_url: str, seller: Seller, tmp_path: Path) -> None:
    cases = {
        ("--buyer", "NOPE", "--amount", "10"): "error: no buyer 'NOPE'",
        ("--buyer", "RB1", "--amount", "10"): "error: no buyer 'RB1'",  # the rival's
        ("--buyer", "A1", "--amount", "0"): "error: amount: an order amount is more than 0, not 0",
        ("--buyer", "A1", "--amount", "-5"): "error: amount: an order amount is more than 0",
        ("--buyer", "A1", "--amount", "lots"): "error: amount: not a number: 'lots'",
        ("--buyer", "A1", "--amount", "1", "--currency", "JPY", "--as-of", "2026-11-02"): (
            "error: no FX rate for JPY on or before 2026-11-02"
        ),
    }
    for args, message in cases.items():
        done = run_cli(db_url, tmp_path, "screen", *args, *ORG)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert done.stderr.startswith(message), (args, done.stderr)
        assert "Traceback" not in done.stderr
    viewer = run_cli(
        db_url, tmp_path, "screen", "--buyer", "A1", "--amount", "1", token=seller.tokens["viewer"]
    )
    assert viewer.returncode == 1
    assert "may not do this" in viewer.stderr
    nothing = run_cli(db_url, tmp_path, "screenings", "list", "--format", "json", *ORG)
    assert json.loads(nothing.stdout) == []
