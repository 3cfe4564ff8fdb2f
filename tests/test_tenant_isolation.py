"""Tenant isolation: every route, called with tenant A's admin key on tenant B's objects, is a
404, and no list, scorecard, summary or log of A ever shows B's rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from tests.builders import iso, now, promise_body
from tests.conftest import Api, TenantFactory

HOURS = {"mon": [["09:00", "17:00"]]}


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rate_limit_per_second=0,
                        webhook_allow_private=True)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in {200, 201}, response.text
    return dict(response.json())


@pytest.fixture
def theirs(client: TestClient, make_tenant: TenantFactory) -> dict[str, str]:
    """Tenant B with one object of every kind."""
    b = Api(client, make_tenant().keys["admin"])
    endpoint = _ok(b.post("/v1/webhook-endpoints", json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}))
    promise = _ok(b.post("/v1/promises", json=promise_body(
        order_id="iso-order", customer_id="iso-customer", labels={"carrier": "iso"})))
    event = _ok(b.post(f"/v1/promises/{promise['id']}/events", json={
        "type": "note", "note": "b's note", "occurred_at": iso(now())}))
    calendar = _ok(b.post("/v1/calendars", json={
        "name": "iso-calendar", "timezone": "UTC", "weekly_hours": HOURS}))
    _ok(b.post("/v1/policies", json={"key": "iso-policy", "kind": "delivery",
                                     "target": {"calendar_time": "P1D"}}))
    objective = _ok(b.post("/v1/objectives", json={
        "name": "iso-objective", "target": 0.9, "window": {"type": "rolling", "days": 30}}))
    deliveries = _ok(b.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"))["data"]
    tokens = _ok(b.get("/v1/status-tokens"))["data"]
    return {
        "promise_id": promise["id"], "external_id": promise["external_id"],
        "event_id": event["id"], "order_id": "iso-order", "customer_id": "iso-customer",
        "calendar_id": calendar["id"], "key": "iso-policy", "objective_id": objective["id"],
        "endpoint_id": endpoint["id"], "delivery_id": deliveries[0]["id"],
        "token_id": tokens[0]["id"], "token": promise["status_token"],
    }


# Collections named by a client-chosen string: another tenant's value names nothing here.
_SHARED_NAMES = {"order_id", "customer_id"}
_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/promises/{promise_id}/events"): {"type": "note", "note": "x",
                                                   "occurred_at": "2026-01-01T00:00:00Z"},
    ("PATCH", "/v1/calendars/{calendar_id}"): {"name": "renamed"},
    ("PATCH", "/v1/webhook-endpoints/{endpoint_id}"): {"description": "mine now"},
    ("POST", "/v1/policies/{key}/quote"): {},
}


def _operations(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return [(method.upper(), path) for path, item in schema["paths"].items()
            for method in item if "{" in path and path.startswith("/v1/")
            and not path.startswith("/v1/public/")]


def test_every_route_on_another_tenants_objects_is_404(
    client: TestClient, make_tenant: TenantFactory, theirs: dict[str, str]
) -> None:
    a = Api(client, make_tenant().keys["admin"])
    operations = _operations(client)
    assert len(operations) >= 20
    checked = 0
    for method, path in operations:
        names = re.findall(r"{(\w+)}", path)
        if set(names) & _SHARED_NAMES:
            continue
        url = path.format(**{name: theirs[name] for name in names})
        params = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z",
                  "start": "2026-01-01T00:00:00Z", "duration": "PT1H"}
        body = _BODIES.get((method, path), {})
        response = a.client.request(method, url, headers=a.headers, params=params,
                                    json=body if method in {"POST", "PATCH"} else None)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        assert response.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked >= 20


def test_nothing_of_another_tenant_shows_in_lists_or_aggregates(
    client: TestClient, make_tenant: TenantFactory, theirs: dict[str, str]
) -> None:
    a = Api(client, make_tenant().keys["admin"])
    _ok(a.post("/v1/promises", json=promise_body(order_id="iso-order",
                                                 customer_id="iso-customer")))
    secret_ids = {theirs[name] for name in ("promise_id", "event_id", "calendar_id",
                                            "objective_id", "endpoint_id", "delivery_id",
                                            "token_id")}
    urls = ["/v1/promises", "/v1/promises?label.carrier=iso", "/v1/calendars",
            "/v1/policies", "/v1/objectives", "/v1/webhook-endpoints", "/v1/status-tokens",
            "/v1/audit-log", "/v1/scorecard?group_by=label:carrier",
            "/v1/orders/iso-order/promises", "/v1/customers/iso-customer/summary",
            f"/v1/promises?external_id={theirs['external_id']}"]
    for url in urls:
        response = a.get(url)
        assert response.status_code == 200, f"{url}: {response.text}"
        assert not any(secret in response.text for secret in secret_ids), url
        assert "iso-policy" not in response.text and "iso-calendar" not in response.text
    scorecard = a.get("/v1/scorecard?group_by=label:carrier").json()
    assert scorecard["totals"]["total"] == 1
    order_token = a.post("/v1/orders/iso-order/status-token", json={})
    assert order_token.status_code == 201
    public = client.get(f"/v1/public/status/{order_token.json()['token']}").json()
    assert len(public["promises"]) == 1
    # B's own token shows only B's promise to anyone holding it, and nothing of A's.
    assert len(client.get(f"/v1/public/status/{theirs['token']}").json()["promises"]) == 1
