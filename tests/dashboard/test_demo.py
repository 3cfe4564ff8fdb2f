"""`kept demo`'s loader: a tenant full of promises whose key opens the dashboard."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.dashboard.demo import load_demo
from tests.builders import now
from tests.conftest import Api
from tests.dashboard.conftest import sign_in


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
