"""The model fitted on the seller's own (generated) history, out of time, beats the expert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine

from tradeguard.credit import model as credit_model
from tradeguard.credit import report as credit_report
from tradeguard.credit import service as credit
from tradeguard.demo.generator import DemoSpec, generate
from tradeguard.demo.service import load_demo
from tradeguard.domain.credit.scorecard import FACTORS
from tradeguard.identity.models import Organisation
from tradeguard.identity.organisations import create_or_get
from tradeguard.kit.db import get_engine, migrate, unit_of_work

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Organisation]]:
    folder = tmp_path_factory.mktemp("credit-model")
    engine = get_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate(engine)
    files = generate(DemoSpec(seed=1, buyers=300, years=3, as_of=AS_OF), folder / "files")
    with unit_of_work(engine) as session:
        org, _ = create_or_get(session, "Demo Exports", "EUR", "test")
        load_demo(session, org, files, "test")
    yield engine, org
    engine.dispose()


def test_fitted_model_beats_the_expert_out_of_time_and_is_monotonic(
    demo: tuple[Engine, Organisation],
) -> None:
    engine, org = demo
    with unit_of_work(engine) as session:
        kept = credit_model.fit_model(session, org, AS_OF, "test")
        report, params, model_id = kept.report.as_dict(), kept.scorecard.as_dict(), kept.id
    assert report["test_date"] == "2024-06-30"
    assert report["train_dates"][-1] < report["test_date"]
    assert report["test_defaults"] > 20
    assert report["fitted"]["auc"] > report["expert"]["auc"] > 0.6
    assert report["fitted"]["brier"] < report["expert"]["brier"]
    assert len(report["calibration"]) == 10
    for factor, binning in zip(FACTORS, params["binnings"], strict=True):
        if binning is None:
            continue
        steps = np.diff(binning["woe"])
        assert np.all(steps <= 1e-12) if factor.scale > 0 else np.all(steps >= -1e-12)
    assert all(c > 0 for c in params["coefficients"])
    html = credit_report.model_html(model_id, kept.report)
    assert "tested out of time on 2024-06-30" in html
    with unit_of_work(engine) as session:
        checked = credit_model.validate_model(session, org, AS_OF).as_dict()
        assert checked["fitted"] == report["fitted"]
        credit.save_settings(session, org, {"mode": "fitted"}, "test")
        rows = credit.score_buyers(session, org, AS_OF, save=False)
        credit.save_settings(session, org, {"mode": "expert"}, "test")
    assert {r.model for r in rows} == {f"fitted:{model_id}"}
    assert len({r.grade for r in rows}) > 3
