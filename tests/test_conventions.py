"""API conventions of DESIGN §3: auth, scopes, tenants, problems, limits, idempotency."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from api.db import Database
from api.models import ApiKey
from tests.builders import iso, now, promise_body
from tests.conftest import Api, Tenant, TenantFactory


def test_missing_bad_and_revoked_keys_are_401(app_client: TestClient, tenant: Tenant,
                                              database: Database) -> None:
    assert app_client.get("/v1/promises").status_code == 401
    bad = app_client.get("/v1/promises", headers={"Authorization": "Bearer kept_nope"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.headers["www-authenticate"].startswith("Bearer")
    from api.tenancy import service as tenancy

    key = tenant.keys["read"]
    with database.session() as session:
        tenancy.revoke_key(session, key[:12], datetime.now(UTC))
    revoked = app_client.get("/v1/promises", headers={"Authorization": f"Bearer {key}"})
    assert revoked.status_code == 401


def test_keys_are_stored_only_as_hashes(tenant: Tenant, database: Database) -> None:
    key = tenant.keys["rw"]
    with database.session() as session:
        stored = session.exec(select(ApiKey).where(ApiKey.tenant_id == tenant.id)).all()
    assert all(key not in (row.key_hash, row.prefix) for row in stored)
    assert hashlib.sha256(key.encode()).hexdigest() in {row.key_hash for row in stored}
    assert key[:12] in {row.prefix for row in stored}
    assert key.startswith("kept_") and len(key) >= 37


def test_scopes(app_client: TestClient, tenant: Tenant) -> None:
    reader = Api(app_client, tenant.keys["read"])
    writer = Api(app_client, tenant.keys["write"])
    admin = Api(app_client, tenant.keys["admin"])
    assert reader.post("/v1/promises", json=promise_body()).status_code == 403
    created = writer.post("/v1/promises", json=promise_body())
    assert created.status_code == 201
    assert writer.get(f"/v1/promises/{created.json()['id']}").status_code == 403
    assert reader.get(f"/v1/promises/{created.json()['id']}").status_code == 200
    assert admin.post("/v1/promises", json=promise_body()).status_code == 201


def test_another_tenants_promise_is_404(app_client: TestClient,
                                        make_tenant: TenantFactory) -> None:
    a = Api(app_client, make_tenant().keys["rw"])
    b = Api(app_client, make_tenant().keys["rw"])
    theirs = b.post("/v1/promises", json=promise_body(order_id="shared-order")).json()
    assert a.get(f"/v1/promises/{theirs['id']}").status_code == 404
    assert a.get(f"/v1/promises/{theirs['id']}/events").status_code == 404
    event = {"type": "fulfilled", "occurred_at": iso(now())}
    assert a.post(f"/v1/promises/{theirs['id']}/events", json=event).status_code == 404
    assert a.post("/v1/events", json={**event, "external_id": theirs["external_id"]}
                  ).status_code == 404
    assert a.get("/v1/promises").json()["data"] == []
    assert a.get("/v1/orders/shared-order/promises").json()["data"] == []
    # The same external_id is free in every tenant.
    mine = a.post("/v1/promises", json={**promise_body(), "external_id": theirs["external_id"]})
    assert mine.status_code == 201


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    response = api.post("/v1/promises", content=b'{"kind": "delivery",',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "JSON" in response.json()["detail"]


def test_oversized_body_is_a_413_problem(api: Api) -> None:
    huge = json.dumps(promise_body(labels={"x": "y" * 100}) | {"pad": "z" * (3 * 1024 * 1024)})
    response = api.post("/v1/promises", content=huge.encode(),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_unknown_routes_and_methods_are_problems(app_client: TestClient) -> None:
    missing = app_client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = app_client.delete("/v1/promises")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"


def test_idempotency_key_replays_the_first_response(api: Api) -> None:
    body = promise_body()
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/v1/promises", json=body, headers=headers)
    again = api.post("/v1/promises", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() | {"status_token": None}
    assert again.headers["idempotent-replayed"] == "true"
    different = api.post("/v1/promises", json=promise_body(), headers=headers)
    assert different.status_code == 422
    assert different.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_idempotency_keys_are_per_tenant(app_client: TestClient,
                                         make_tenant: TenantFactory) -> None:
    headers = {"Idempotency-Key": "same-key"}
    a = Api(app_client, make_tenant().keys["rw"]).post("/v1/promises", json=promise_body(),
                                                       headers=headers)
    b = Api(app_client, make_tenant().keys["rw"]).post("/v1/promises", json=promise_body(),
                                                       headers=headers)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_promise_batch_stores_valid_items_and_reports_invalid_ones(api: Api) -> None:
    existing = promise_body()
    api.post("/v1/promises", json=existing)
    items = [
        promise_body(),
        {"kind": "delivery"},
        existing,
        {**existing, "kind": "refund"},
        promise_body(due_at="2099-01-01T00:00:00"),
        promise_body(),
    ]
    response = api.post("/v1/promises/batch", json={"items": items})
    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(6))
    assert [r["status"] for r in results] == [201, 422, 200, 409, 422, 201]
    assert {e["field"] for e in results[1]["problem"]["errors"]} == {"items[1].due_at"}
    assert results[4]["problem"]["errors"][0]["field"] == "items[4].due_at"
    stored = {p["external_id"] for p in api.get("/v1/promises").json()["data"]}
    assert {items[0]["external_id"], items[5]["external_id"]} <= stored


def test_batch_limits(api: Api) -> None:
    too_many = api.post("/v1/promises/batch", json={"items": [promise_body()] * 1001})
    assert too_many.status_code == 422
    empty = api.post("/v1/promises/batch", json={"items": []})
    assert empty.status_code == 422


def test_health_docs_and_openapi(app_client: TestClient) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    assert app_client.get("/readyz").status_code == 200
    assert app_client.get("/docs").status_code == 200
    schema = app_client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
    assert "Problem" in schema["components"]["schemas"]


def test_nul_characters_are_refused_up_front(api: Api) -> None:
    in_path = api.get("/v1/promises/prm_a%00b")
    assert in_path.status_code == 400
    assert in_path.headers["content-type"] == "application/problem+json"
    in_query = api.get("/v1/promises", params={"kind": "a\x00b"})
    assert in_query.status_code == 400
    in_body = api.post("/v1/promises", json=promise_body(kind="deliv\x00ery"))
    assert in_body.status_code == 400
    assert "NUL" in in_body.json()["detail"]
