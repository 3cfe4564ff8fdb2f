"""Status tokens for API keys: issue, list, read, revoke; only hashes are stored."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.db import Database
from api.models import AuditEntry, StatusToken
from api.public.tokens import find_live_token, issue_order_token, issue_promise_token
from tests.builders import iso, now
from tests.conftest import Api, Tenant, TenantFactory
from tests.public.scenarios import issue_token, make_promise, scenarios


def test_issuing_a_token_for_a_promise(api: Api, public_client: TestClient,
                                       database: Database, tenant: Tenant) -> None:
    promise = make_promise(api, scenarios()["on_track"])
    response = api.post(f"/v1/promises/{promise['id']}/status-token")
    assert response.status_code == 201, response.text
    issued = response.json()
    token = issued["token"]
    assert token.startswith("kst_") and len(token) == 47
    assert issued["scope"] == "promise"
    assert issued["promise_id"] == promise["id"]
    assert issued["order_id"] is None
    assert issued["state"] == "active"
    assert issued["expires_at"] is None
    assert issued["status_url"].endswith(f"/v1/public/status/{token}")
    assert "/widget.js?v=" in issued["widget_url"]
    assert f'data-kept-status="{token}"' in issued["embed_html"]
    assert issued["widget_url"] in issued["embed_html"]
    assert response.headers["location"].endswith(f"/v1/status-tokens/{issued['id']}")
    assert response.headers["cache-control"] == "no-store"
    assert public_client.get(issued["status_url"]).status_code == 200
    with database.session() as session:
        row = session.get(StatusToken, (tenant.id, issued["id"]))
    assert row is not None
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in row.model_dump().values()}


def test_each_request_issues_a_new_token(api: Api) -> None:
    promise = make_promise(api, scenarios()["on_track"])
    first = issue_token(api, promise["id"])
    second = issue_token(api, promise["id"])
    assert first["token"] != second["token"]
    assert first["id"] != second["id"]


def test_expiry_is_optional_and_must_be_in_the_future(api: Api) -> None:
    promise = make_promise(api, scenarios()["on_track"])
    later = iso(now() + timedelta(days=30))
    issued = issue_token(api, promise["id"], expires_at=later)
    assert issued["expires_at"] == later
    for bad, field in (({"expires_at": iso(now() - timedelta(minutes=1))}, "body.expires_at"),
                       ({"expires_at": "2030-01-01T00:00:00"}, "body.expires_at"),
                       ({"expires_in": "P1D"}, "body.expires_in")):
        response = api.post(f"/v1/promises/{promise['id']}/status-token", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == field


def test_tokens_of_unknown_or_other_tenants_promises_and_orders_are_404(
    app_client: TestClient, make_tenant: TenantFactory
) -> None:
    mine = Api(app_client, make_tenant().keys["rw"])
    theirs = Api(app_client, make_tenant().keys["rw"])
    their_promise = make_promise(theirs, scenarios()["on_track"], order_id="their-order")
    assert mine.post(f"/v1/promises/{their_promise['id']}/status-token").status_code == 404
    assert mine.post("/v1/promises/prm_nope/status-token").status_code == 404
    assert mine.post("/v1/orders/their-order/status-token").status_code == 404
    their_token = issue_token(theirs, their_promise["id"])
    assert mine.get(f"/v1/status-tokens/{their_token['id']}").status_code == 404
    assert mine.client.delete(f"/v1/status-tokens/{their_token['id']}",
                              headers=mine.headers).status_code == 404
    assert mine.get("/v1/status-tokens").json()["data"] == []


def test_scopes(app_client: TestClient, tenant: Tenant) -> None:
    writer = Api(app_client, tenant.keys["write"])
    reader = Api(app_client, tenant.keys["read"])
    promise = make_promise(writer, scenarios()["on_track"])
    assert reader.post(f"/v1/promises/{promise['id']}/status-token").status_code == 403
    issued = issue_token(writer, promise["id"])
    assert writer.get("/v1/status-tokens").status_code == 403
    assert reader.get(f"/v1/status-tokens/{issued['id']}").status_code == 200
    assert reader.client.delete(f"/v1/status-tokens/{issued['id']}",
                                headers=reader.headers).status_code == 403
    assert app_client.post(f"/v1/promises/{promise['id']}/status-token").status_code == 401


def test_listing_reading_and_revoking(api: Api, public_client: TestClient,
                                      database: Database, tenant: Tenant) -> None:
    order = f"order-{now().timestamp()}"
    promise = make_promise(api, scenarios()["on_track"], order_id=order)
    for_promise = issue_token(api, promise["id"])
    for_order = api.post(f"/v1/orders/{order}/status-token").json()
    listed = api.get("/v1/status-tokens").json()
    # The first token is the one the create response carried.
    assert [item["id"] for item in listed["data"]][1:] == [for_promise["id"], for_order["id"]]
    assert all("token" not in item for item in listed["data"])
    by_promise = api.get("/v1/status-tokens", params={"promise_id": promise["id"]}).json()
    assert [item["id"] for item in by_promise["data"]][1:] == [for_promise["id"]]
    by_order = api.get("/v1/status-tokens", params={"order_id": order}).json()
    assert [item["scope"] for item in by_order["data"]] == ["order"]
    page = api.get("/v1/status-tokens", params={"limit": 1})
    assert page.json()["next_cursor"] and 'rel="next"' in page.headers["link"]

    delete = api.client.delete(f"/v1/status-tokens/{for_order['id']}", headers=api.headers)
    assert delete.status_code == 204
    revoked = api.get(f"/v1/status-tokens/{for_order['id']}").json()
    assert revoked["state"] == "revoked"
    assert public_client.get(f"/v1/public/status/{for_order['token']}").status_code == 404
    assert public_client.get(f"/v1/public/status/{for_promise['token']}").status_code == 200
    again = api.client.delete(f"/v1/status-tokens/{for_order['id']}", headers=api.headers)
    assert again.status_code == 204
    assert api.get(f"/v1/status-tokens/{for_order['id']}").json()["revoked_at"] == (
        revoked["revoked_at"])
    with database.session() as session:
        audit = session.exec(select(AuditEntry).where(
            col(AuditEntry.tenant_id) == tenant.id,
            col(AuditEntry.action) == "status_token.revoked")).all()
    assert [entry.target for entry in audit] == [for_order["id"]]


def test_an_order_token_needs_the_order_to_exist(api: Api) -> None:
    response = api.post("/v1/orders/no-such-order/status-token")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_issue_functions_add_without_committing(api: Api, database: Database,
                                                tenant: Tenant) -> None:
    """Callers (creating a promise) issue tokens inside their own transaction."""
    promise = make_promise(api, scenarios()["on_track"], order_id="o-uncommitted")
    at = datetime.now(UTC)
    with database.session() as session:
        token = issue_promise_token(session, tenant.id, promise["id"], at)
        order_token = issue_order_token(session, tenant.id, "o-uncommitted", at,
                                        expires_at=at + timedelta(days=1))
        session.rollback()
    with database.session() as session:
        assert find_live_token(session, token, at) is None
        assert find_live_token(session, order_token, at) is None
        kept = issue_promise_token(session, tenant.id, promise["id"], at)
        session.commit()
    with database.session() as session:
        row = find_live_token(session, kept, at)
        assert row is not None
        assert row.promise_id == promise["id"]
        assert find_live_token(session, kept, at - timedelta(seconds=1)) is not None
