"""The transactional outbox: every state change writes its webhook rows in its transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.db import Database
from api.models import WebhookDelivery, WebhookMessage
from tests.builders import iso, now, promise_body
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import subscribe


def _messages(database: Database, tenant_id: str) -> list[WebhookMessage]:
    with database.session() as session:
        return list(session.exec(select(WebhookMessage).where(
            col(WebhookMessage.tenant_id) == tenant_id).order_by(col(WebhookMessage.id))).all())


def _types(database: Database, tenant_id: str) -> list[str]:
    return [m.type for m in _messages(database, tenant_id)]


def _writer(hooks_client: TestClient, tenant: Tenant) -> Api:
    return Api(hooks_client, tenant.keys["rw"])


def test_nothing_is_written_without_a_subscribed_endpoint(
    hooks_client: TestClient, tenant: Tenant, database: Database, admin: Api
) -> None:
    writer = _writer(hooks_client, tenant)
    writer.post("/v1/promises", json=promise_body())
    assert _messages(database, tenant.id) == []
    subscribe(admin, "https://example.com/only-met", ["promise.met"])
    writer.post("/v1/promises", json=promise_body())
    assert _messages(database, tenant.id) == []


def test_a_created_promise_is_announced_with_the_promise_as_the_api_returns_it(
    hooks_client: TestClient, tenant: Tenant, database: Database, admin: Api
) -> None:
    endpoint = subscribe(admin, "https://example.com/all")
    writer = _writer(hooks_client, tenant)
    created = writer.post("/v1/promises", json=promise_body()).json()
    [message] = _messages(database, tenant.id)
    assert message.id.startswith("msg_")
    assert message.type == "promise.created"
    assert message.promise_id == created["id"]
    assert set(message.payload) == {"type", "timestamp", "data"}
    assert message.payload["type"] == "promise.created"
    assert message.payload["timestamp"].endswith("Z")
    # The same document GET returns, but for the seconds remaining, which run on.
    read = writer.get(f"/v1/promises/{created['id']}").json()
    data = message.payload["data"]
    assert {k: v for k, v in data.items() if k != "time_remaining_seconds"} == \
        {k: v for k, v in read.items() if k != "time_remaining_seconds"}
    with database.session() as session:
        [delivery] = session.exec(select(WebhookDelivery).where(
            col(WebhookDelivery.message_id) == message.id)).all()
    assert (delivery.endpoint_id, delivery.state, delivery.attempt_count) == (
        endpoint["id"], "pending", 0)
    assert delivery.next_attempt_at == message.created_at


def test_events_announce_outcomes_revisions_and_voids(
    hooks_client: TestClient, tenant: Tenant, database: Database, admin: Api
) -> None:
    subscribe(admin, "https://example.com/all")
    writer = _writer(hooks_client, tenant)

    def promise() -> dict[str, Any]:
        return dict(writer.post("/v1/promises", json=promise_body(
            made_ago=timedelta(days=1), due_in=timedelta(days=9))).json())

    def event(promise_id: str, **body: Any) -> int:
        return writer.post(f"/v1/promises/{promise_id}/events", json=body).status_code

    early, on_time, voided, revised = promise(), promise(), promise(), promise()
    assert event(early["id"], type="fulfilled", occurred_at=iso(now())) == 201
    assert event(on_time["id"], type="note", note="packed", occurred_at=iso(now())) == 201
    assert event(voided["id"], type="cancelled", by="customer", occurred_at=iso(now())) == 201
    assert event(revised["id"], type="revised", due_at=iso(now() + timedelta(days=20)),
                 requested_by="customer", occurred_at=iso(now())) == 201
    by_promise: dict[str | None, list[str]] = {}
    for message in _messages(database, tenant.id):
        by_promise.setdefault(message.promise_id, []).append(message.type)
    assert by_promise[early["id"]] == ["promise.created", "promise.exceeded"]
    assert by_promise[on_time["id"]] == ["promise.created"]  # a note changes no status
    assert by_promise[voided["id"]] == ["promise.created", "promise.voided"]
    assert by_promise[revised["id"]] == ["promise.created", "promise.revised"]
    # Recorded at risk (due in an hour), kept, then an extra turns met into exceeded.
    kept = dict(writer.post("/v1/promises", json=promise_body(
        made_ago=timedelta(days=9), due_in=timedelta(hours=1))).json())
    assert event(kept["id"], type="fulfilled", occurred_at=iso(now())) == 201
    assert event(kept["id"], type="extra", note="free upgrade", occurred_at=iso(now())) == 201
    assert [m.type for m in _messages(database, tenant.id) if m.promise_id == kept["id"]] == [
        "promise.created", "promise.at_risk", "promise.met", "promise.exceeded"]
    # A refused event (cancelling a fulfilled promise) writes nothing.
    met = promise()
    assert writer.post(f"/v1/promises/{met['id']}/events", json={
        "type": "fulfilled", "occurred_at": iso(now())}).status_code == 201
    before = len(_messages(database, tenant.id))
    assert event(met["id"], type="cancelled", by="business", occurred_at=iso(now())) == 409
    assert len(_messages(database, tenant.id)) == before


def test_an_overdue_promise_recorded_late_is_announced_broken_at_once(
    hooks_client: TestClient, tenant: Tenant, database: Database, admin: Api
) -> None:
    subscribe(admin, "https://example.com/all")
    writer = _writer(hooks_client, tenant)
    writer.post("/v1/promises", json=promise_body(made_ago=timedelta(days=5),
                                                  due_in=timedelta(days=-1)))
    assert _types(database, tenant.id) == ["promise.created", "promise.broken"]
    [_, broken] = _messages(database, tenant.id)
    assert broken.payload["data"]["status"] == "broken"
    assert broken.payload["data"]["broken_reason"] == "overdue"


def test_batches_announce_each_stored_item_once(
    hooks_client: TestClient, tenant: Tenant, database: Database, admin: Api
) -> None:
    subscribe(admin, "https://example.com/all")
    writer = _writer(hooks_client, tenant)
    existing = writer.post("/v1/promises", json=promise_body()).json()
    items = [promise_body() for _ in range(5)]
    items.append({"kind": "delivery"})  # invalid: no due_at
    items.append({**promise_body(), "external_id": existing["external_id"],
                  "due_at": existing["due_at"], "made_at": existing["made_at"]})
    response = writer.post("/v1/promises/batch", json={"items": items})
    assert response.status_code == 207
    assert [r["status"] for r in response.json()["results"]] == [201] * 5 + [422, 200]
    assert _types(database, tenant.id) == ["promise.created"] * 6
    ids = [r["id"] for r in response.json()["results"][:5]]
    events = [{"promise_id": pid, "type": "fulfilled", "occurred_at": iso(now())}
              for pid in ids]
    events.append({"promise_id": "prm_nope", "type": "fulfilled", "occurred_at": iso(now())})
    batch = writer.post("/v1/events/batch", json={"items": events})
    assert [r["status"] for r in batch.json()["results"]] == [201] * 5 + [404]
    assert _types(database, tenant.id) == ["promise.created"] * 6 + ["promise.exceeded"] * 5
