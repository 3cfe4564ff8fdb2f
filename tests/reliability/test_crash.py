"""SIGKILL `kept serve` in the middle of a stream of creates: after a restart every
acknowledged promise is there, nothing is half-written, and retrying the requests whose
answers were lost neither loses nor doubles a promise."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from api.config import Settings
from api.db import Database
from api.models import Promise, PromiseEvent, PromiseLabel, WebhookDelivery, WebhookMessage
from tests.reliability.conftest import ServerTenant
from tests.reliability.kept_server import KeptServer

WRITERS = 4
KILL_AFTER_ACKNOWLEDGED = 150  # a few hundred requests in all, about a second or two of load
MAX_PER_WRITER = 1000  # a bound: writers stop at the first transport error after the kill
MADE_AT = "2026-01-05T09:00:00Z"
DUE_AT = "2099-01-05T09:00:00Z"
CARRIERS = ("ups", "dhl", "dpd")


def _body(writer: int, sequence: int) -> dict[str, Any]:
    return {
        "external_id": f"crash-{writer}-{sequence}",
        "kind": "delivery",
        "order_id": f"order-{writer}-{sequence}",
        "made_at": MADE_AT,
        "due_at": DUE_AT,
        "labels": {"carrier": CARRIERS[sequence % 3], "writer": str(writer),
                   "sequence": str(sequence)},
    }


@dataclass
class Stream:
    """Creates sent from several threads; what was sent and what was acknowledged (2xx)."""

    base_url: str
    key: str
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)  # external_id -> promise id
    refused: list[str] = field(default_factory=list)  # non-2xx answers: none expected
    ended_by: list[str] = field(default_factory=list)  # the transport error each writer met
    changed: threading.Condition = field(default_factory=threading.Condition)

    def write(self, writer: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as client:
            for sequence in range(MAX_PER_WRITER):
                body = _body(writer, sequence)
                with self.changed:
                    self.sent[body["external_id"]] = body
                try:
                    response = client.post("/v1/promises", json=body)
                except httpx.TransportError as error:
                    with self.changed:
                        self.ended_by.append(type(error).__name__)
                    return
                with self.changed:
                    if response.is_success:
                        self.acknowledged[body["external_id"]] = response.json()["id"]
                    else:
                        self.refused.append(f"{response.status_code} {response.text[:200]}")
                    self.changed.notify_all()

    def wait_for_acknowledged(self, count: int) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: len(self.acknowledged) >= count or bool(self.refused), timeout=120)


def _stored(database_url: str, tenant_id: str) -> dict[str, Any]:
    """Everything the database holds for the tenant, read directly."""
    database = Database(Settings(database_url=database_url))
    try:
        with database.session() as session:
            promises = session.exec(
                select(Promise).where(col(Promise.tenant_id) == tenant_id)).all()
            labels = session.exec(
                select(PromiseLabel).where(col(PromiseLabel.tenant_id) == tenant_id)).all()
            events = session.exec(
                select(PromiseEvent).where(col(PromiseEvent.tenant_id) == tenant_id)).all()
            messages = session.exec(
                select(WebhookMessage).where(col(WebhookMessage.tenant_id) == tenant_id)).all()
            deliveries = session.exec(
                select(WebhookDelivery).where(col(WebhookDelivery.tenant_id) == tenant_id)).all()
    finally:
        database.dispose()
    label_rows: dict[str, dict[str, str]] = {}
    for label in labels:
        label_rows.setdefault(label.promise_id, {})[label.key] = label.value
    return {"promises": list(promises), "labels": label_rows, "events": list(events),
            "messages": list(messages), "deliveries": list(deliveries)}


def _assert_whole(stored: dict[str, Any], sent: dict[str, dict[str, Any]]) -> None:
    """Each stored promise is exactly what was sent, with its labels rows and the one
    `promise.created` webhook message (and delivery) written in the same transaction."""
    promises: list[Promise] = stored["promises"]
    assert not stored["events"], "creates write no events"
    messages = {m.promise_id: m for m in stored["messages"]}
    assert len(messages) == len(stored["messages"]) == len(promises)
    deliveries_per_message: dict[str, int] = {}
    for delivery in stored["deliveries"]:
        deliveries_per_message[delivery.message_id] = (
            deliveries_per_message.get(delivery.message_id, 0) + 1)
    for promise in promises:
        body = sent.get(promise.external_id)
        assert body is not None, f"{promise.external_id} was never sent"
        assert promise.kind == body["kind"] and promise.order_id == body["order_id"]
        assert promise.labels == body["labels"]
        assert stored["labels"].get(promise.id) == body["labels"], promise.external_id
        assert promise.resolved_status is None and promise.resolved_at is None
        assert promise.revision_count == 0 and promise.fulfilled_at is None
        message = messages.get(promise.id)
        assert message is not None and message.type == "promise.created", promise.external_id
        assert deliveries_per_message.get(message.id) == 1, promise.external_id


def _assert_served(client: httpx.Client, promise_id: str, body: dict[str, Any]) -> None:
    response = client.get(f"/v1/promises/{promise_id}")
    assert response.status_code == 200, (body["external_id"], response.text)
    read = response.json()
    assert {name: read[name] for name in ("external_id", "kind", "order_id", "labels")} == {
        name: body[name] for name in ("external_id", "kind", "order_id", "labels")}
    assert (read["made_at"], read["due_at"]) == (MADE_AT, DUE_AT)
    assert read["status"] == "pending"


def test_sigkill_during_creates_loses_and_half_writes_nothing(
    fresh_database_url: str, server_tenant: ServerTenant, tmp_path: Path
) -> None:
    server = KeptServer(fresh_database_url, tmp_path / "logs", KEPT_RATE_LIMIT_PER_SECOND="0")
    server.start()
    try:
        # With an endpoint subscribed, every create also writes a webhook message.
        endpoint = httpx.post(f"{server.url}/v1/webhook-endpoints", json={
            "url": "https://example.com/kept-hooks"},
            headers={"Authorization": f"Bearer {server_tenant.admin_key}"}, timeout=30)
        assert endpoint.status_code == 201, endpoint.text

        stream = Stream(server.url, server_tenant.rw_key)
        writers = [threading.Thread(target=stream.write, args=(n,)) for n in range(WRITERS)]
        for writer in writers:
            writer.start()
        reached = stream.wait_for_acknowledged(KILL_AFTER_ACKNOWLEDGED)
        server.kill()
        for writer in writers:
            writer.join(timeout=60)
        assert reached and not stream.refused, stream.refused[:3]
        assert len(stream.ended_by) == WRITERS, "every writer was still sending at the kill"

        server.start()
        stored = _stored(fresh_database_url, server_tenant.id)
        _assert_whole(stored, stream.sent)
        ids = {p.external_id: p.id for p in stored["promises"]}
        for external_id, promise_id in stream.acknowledged.items():
            assert ids.get(external_id) == promise_id, f"acknowledged {external_id} was lost"

        headers = {"Authorization": f"Bearer {server_tenant.rw_key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            for external_id, promise_id in stream.acknowledged.items():
                _assert_served(client, promise_id, stream.sent[external_id])
            # The client's side of it: resend every create whose answer never came.
            in_doubt = sorted(set(stream.sent) - set(stream.acknowledged))
            assert in_doubt
            for external_id in in_doubt:
                again = client.post("/v1/promises", json=stream.sent[external_id])
                assert again.status_code == (200 if external_id in ids else 201), again.text
    finally:
        server.stop()

    after = _stored(fresh_database_url, server_tenant.id)
    _assert_whole(after, stream.sent)
    assert sorted(p.external_id for p in after["promises"]) == sorted(stream.sent)
