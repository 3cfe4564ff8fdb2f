"""`kept demo`'s loaders: a tenant full of promises, generated or the Olist sample's, whose key
opens the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.dashboard.demo import load_demo, load_olist_demo
from api.dashboard.olist_sample import taken_at
from tests.builders import iso, now
from tests.conftest import Api
from tests.dashboard.conftest import sign_in
from tests.dashboard.olist import olist_directory, orders_file

ROWS = 2000  # the first orders of the sample, to stay quick on PostgreSQL


def test_the_demo_fills_a_tenant_the_dashboard_can_show(
    database_url: str, app_client: TestClient, visitor: TestClient
) -> None:
    loaded = load_demo(database_url, 2_000, 60, now())
    assert loaded.promises == 2_000
    card = Api(app_client, loaded.key).get("/v1/scorecard").json()["totals"]
    assert card["total"] == 2_000
    assert card["exceeded"] and card["met"] and card["broken"]
    sign_in(visitor, loaded.key)
    overview = visitor.get("/dashboard")
    assert overview.status_code == 200
    assert "Deliveries on time" in overview.text
    assert visitor.get("/dashboard/breakdown?by=label:carrier").status_code == 200


def test_the_olist_demo_moves_the_sample_to_this_week(
    database_url: str, app_client: TestClient, visitor: TestClient
) -> None:
    orders = orders_file()
    if not orders.is_file():
        pytest.skip(f"the Olist sample is not at {olist_directory()} (KEPT_OLIST_DIR)")
    moment = now()
    loaded = load_olist_demo(database_url, orders.parent, moment, rows=ROWS)
    assert loaded.weeks_moved > 0
    assert 0 < loaded.promises <= ROWS - loaded.rejected
    # The sample's last day falls in the week before now: the last 90 days hold its summer.
    assert moment - timedelta(days=7) < taken_at(orders, ROWS) + timedelta(
        weeks=loaded.weeks_moved) <= moment
    api = Api(app_client, loaded.key)
    card = api.get("/v1/scorecard").json()["totals"]
    assert card["total"] == loaded.promises
    recent = api.get("/v1/scorecard", params={
        "time_field": "resolved", "from": iso(moment - timedelta(days=90)),
        "to": iso(moment)}).json()["totals"]
    assert recent["exceeded"] + recent["met"] + recent["broken"] > 50
    sign_in(visitor, loaded.key)
    overview = visitor.get("/dashboard", params={"days": 90})
    assert overview.status_code == 200
    assert f'data-value="{recent["exceeded"] + recent["met"] + recent["broken"]}"' in (
        overview.text)
