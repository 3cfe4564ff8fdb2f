"""Webhook endpoints through the API: the secret shown once, changes, audit, SSRF refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant, TenantFactory
from tests.webhooks.receiver import subscribe


def _patch(api: Api, url: str, body: dict[str, Any]) -> Any:
    return api.client.patch(url, json=body, headers=api.headers)


def _delete(api: Api, url: str) -> Any:
    return api.client.delete(url, headers=api.headers)


def _audit(api: Api) -> list[tuple[str, str]]:
    return [(e["action"], e["target"]) for e in api.get("/v1/audit-log").json()["data"]]


def test_create_shows_the_secret_once(admin: Api) -> None:
    response = admin.post("/v1/webhook-endpoints", json={
        "url": "https://example.com/hooks", "events": ["promise.at_risk", "promise.broken"],
        "description": "support tool"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"].startswith("whe_")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["promise.at_risk", "promise.broken"]
    assert created["enabled"] is True
    assert response.headers["location"].endswith(f"/v1/webhook-endpoints/{created['id']}")
    read = admin.get(f"/v1/webhook-endpoints/{created['id']}")
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert {**read.json(), "secret": created["secret"]} == created
    assert admin.get(f"/v1/webhook-endpoints/{created['id']}",
                     headers={"If-None-Match": read.headers["etag"]}).status_code == 304
    listed = admin.get("/v1/webhook-endpoints").json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert all("secret" not in e for e in listed)


def test_events_default_to_all(admin: Api) -> None:
    assert subscribe(admin, "https://example.com/all")["events"] == ["*"]


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/x"}, "body.url"),
    ({"url": "not a url"}, "body.url"),
    ({"url": "https://example.com/" + "x" * 2001}, "body.url"),
    ({"url": "https://example.com/x", "events": ["promise.kept"]}, "body.events"),
    ({"url": "https://example.com/x", "events": []}, "body.events"),
    ({"url": "https://example.com/x", "secret": "mine"}, "body.secret"),
])
def test_bad_bodies_are_422_naming_the_field(admin: Api, body: dict[str, Any],
                                             field: str) -> None:
    response = admin.post("/v1/webhook-endpoints", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://api.localhost/x",
    "http://10.1.2.3/hooks", "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hooks", "http://[::ffff:127.0.0.1]/hooks", "http://0.0.0.0/",
])
def test_private_targets_are_refused_unless_allowed(app_client: TestClient, tenant: Tenant,
                                                    url: str) -> None:
    strict = Api(app_client, tenant.keys["admin"])  # KEPT_WEBHOOK_ALLOW_PRIVATE unset
    response = strict.post("/v1/webhook-endpoints", json={"url": url})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body.url"
    assert "KEPT_WEBHOOK_ALLOW_PRIVATE" in error["message"]


def test_update_changes_only_what_is_given_and_is_audited(admin: Api) -> None:
    endpoint = subscribe(admin, "https://example.com/a", ["promise.met"])
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    changed = _patch(admin, path, {"events": ["promise.met", "promise.voided"],
                                   "description": "ops"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["promise.met", "promise.voided"]
    assert changed.json()["url"] == "https://example.com/a"
    assert changed.json()["description"] == "ops"
    assert _patch(admin, path, {"enabled": None}).status_code == 422
    assert _patch(admin, path, {"colour": "red"}).status_code == 422
    disabled = _patch(admin, path, {"enabled": False}).json()
    assert disabled["enabled"] is False
    assert _audit(admin)[:3] == [("webhook_endpoint.updated", endpoint["id"]),
                                 ("webhook_endpoint.updated", endpoint["id"]),
                                 ("webhook_endpoint.created", endpoint["id"])]


def test_rotate_returns_a_new_secret_and_keeps_the_old_one_for_a_day(admin: Api) -> None:
    endpoint = subscribe(admin, "https://example.com/r")
    rotated = admin.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != endpoint["secret"]
    assert body["previous_secret_expires_at"] is not None
    assert _audit(admin)[0] == ("webhook_endpoint.secret_rotated", endpoint["id"])


def test_delete_removes_it_and_is_audited(admin: Api) -> None:
    endpoint = subscribe(admin, "https://example.com/d")
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    assert _delete(admin, path).status_code == 204
    assert admin.get(path).status_code == 404
    assert _delete(admin, path).status_code == 404
    assert _audit(admin)[0] == ("webhook_endpoint.deleted", endpoint["id"])


def test_endpoints_need_an_admin_key_and_stay_in_their_tenant(
    hooks_client: TestClient, tenant: Tenant, make_tenant: TenantFactory, admin: Api
) -> None:
    endpoint = subscribe(admin, "https://example.com/t")
    writer = Api(hooks_client, tenant.keys["rw"])
    assert writer.post("/v1/webhook-endpoints",
                       json={"url": "https://example.com/x"}).status_code == 403
    assert writer.get("/v1/webhook-endpoints").status_code == 403
    other = Api(hooks_client, make_tenant().keys["admin"])
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    assert other.get(path).status_code == 404
    assert _patch(other, path, {"enabled": False}).status_code == 404
    assert other.post(f"{path}/rotate-secret").status_code == 404
    assert other.post(f"{path}/test").status_code == 404
    assert other.get(f"{path}/deliveries").status_code == 404
    assert _delete(other, path).status_code == 404
    assert other.get("/v1/webhook-endpoints").json()["data"] == []


def test_malformed_ids_are_refused_before_the_database(admin: Api) -> None:
    assert admin.get("/v1/webhook-endpoints/a%00b").status_code == 400  # NUL, refused first
    for response in (admin.get("/v1/webhook-endpoints/a%20b"),
                     admin.get("/v1/webhook-endpoints/a%3Bb/deliveries"),
                     admin.post("/v1/deliveries/a%20b/redeliver")):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
