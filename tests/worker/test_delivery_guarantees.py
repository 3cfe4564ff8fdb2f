"""Delivery guarantees against real receivers on 127.0.0.1 that verify signatures with the
`standardwebhooks` package. The worker's clock is moved by hand: no test waits for a retry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.db import Database
from api.models import WebhookAttempt, WebhookDelivery
from tests.builders import iso, now, promise_body
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import (
    Answer,
    FakeClock,
    Receiver,
    WorkerFactory,
    drain,
    free_port,
    subscribe,
)


def _deliveries(database: Database, endpoint_id: str) -> list[WebhookDelivery]:
    with database.session() as session:
        return list(session.exec(select(WebhookDelivery).where(
            col(WebhookDelivery.endpoint_id) == endpoint_id).order_by(
            col(WebhookDelivery.id))).all())


def _attempts(database: Database, delivery_id: str) -> list[WebhookAttempt]:
    with database.session() as session:
        return list(session.exec(select(WebhookAttempt).where(
            col(WebhookAttempt.delivery_id) == delivery_id).order_by(
            col(WebhookAttempt.id))).all())


def _writer(hooks_client: TestClient, tenant: Tenant) -> Api:
    return Api(hooks_client, tenant.keys["rw"])


def test_a_receiver_down_then_up_gets_every_event(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    port = free_port()
    receiver = Receiver(port)  # not listening yet
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    writer = _writer(hooks_client, tenant)
    promises = [writer.post("/v1/promises", json=promise_body()).json() for _ in range(5)]
    for promise in promises[:3]:
        writer.post(f"/v1/promises/{promise['id']}/events",
                    json={"type": "fulfilled", "occurred_at": iso(now())})
    worker = make_worker()
    drain(worker)  # connection refused: every delivery waits 5 s
    clock.advance(5)
    drain(worker)  # still down: now 5 min
    pending = _deliveries(database, endpoint["id"])
    assert len(pending) == 8
    assert {(d.state, d.attempt_count, d.last_status_code) for d in pending} == {
        ("pending", 2, None)}
    assert all(d.last_error for d in pending)
    receiver.start()
    try:
        clock.advance(299)
        drain(worker)
        assert receiver.received == []  # not yet due
        clock.advance(1)
        drain(worker)
        received = receiver.verified()
    finally:
        receiver.stop()
    assert [r.error for r in received] == [None] * 8
    assert sorted(r.id for r in received) == sorted(d.message_id for d in pending)
    types = sorted(r.payload["type"] for r in received)
    assert types == ["promise.created"] * 5 + ["promise.exceeded"] * 3
    assert {r.payload["data"]["id"] for r in received} == {p["id"] for p in promises}
    assert {d.state for d in _deliveries(database, endpoint["id"])} == {"succeeded"}


def test_500_twice_then_200_is_delivered_on_the_third_attempt(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.script(500, 500, 200)
    _writer(hooks_client, tenant).post("/v1/promises", json=promise_body())
    worker = make_worker()
    drain(worker)
    clock.advance(4.9)
    drain(worker)
    assert len(receiver.received) == 1
    clock.advance(0.1)  # 5 s after the first attempt (jitter 0.5: the delay exactly)
    drain(worker)
    assert len(receiver.received) == 2
    [delivery] = _deliveries(database, endpoint["id"])
    assert delivery.state == "pending"
    assert delivery.next_attempt_at == clock() + timedelta(minutes=5)
    clock.advance(300)
    drain(worker)
    received = receiver.verified()
    assert len(received) == 3
    assert len({r.id for r in received}) == 1  # the same webhook-id on every retry
    assert len({r.body for r in received}) == 1  # and the same body
    assert [r.error for r in received] == [None] * 3
    [delivery] = _deliveries(database, endpoint["id"])
    assert (delivery.state, delivery.attempt_count, delivery.last_status_code) == (
        "succeeded", 3, 200)
    assert [a.status_code for a in _attempts(database, delivery.id)] == [500, 500, 200]
    listed = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries").json()["data"]
    assert [a["status_code"] for a in listed[0]["attempts"]] == [500, 500, 200]
    assert listed[0]["state"] == "succeeded"
    assert all(a["latency_ms"] is not None for a in listed[0]["attempts"])
    assert admin.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()["failing_since"] is None


def test_retry_after_is_honoured_on_429(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.script(Answer(429, {"Retry-After": "120"}))
    _writer(hooks_client, tenant).post("/v1/promises", json=promise_body())
    worker = make_worker()
    drain(worker)
    [delivery] = _deliveries(database, endpoint["id"])
    assert delivery.next_attempt_at == clock() + timedelta(seconds=120)
    listed = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries").json()["data"]
    assert listed[0]["next_attempt_at"] is not None
    assert listed[0]["last_status_code"] == 429
    clock.advance(119)
    drain(worker)
    assert len(receiver.received) == 1
    clock.advance(1)
    drain(worker)
    assert len(receiver.received) == 2
    assert _deliveries(database, endpoint["id"])[0].state == "succeeded"


def test_redirects_are_failures_and_never_followed(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.script(Answer(302, {"Location": receiver.url + "/elsewhere"}))
    _writer(hooks_client, tenant).post("/v1/promises", json=promise_body())
    drain(make_worker())
    assert len(receiver.received) == 1
    [delivery] = _deliveries(database, endpoint["id"])
    assert (delivery.state, delivery.last_status_code) == ("pending", 302)
    assert delivery.last_error is not None and "redirect" in delivery.last_error


def test_410_disables_the_endpoint_and_gives_up_its_deliveries(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.script(410)
    writer = _writer(hooks_client, tenant)
    writer.post("/v1/promises", json=promise_body())
    worker = make_worker(batch=1, concurrency=1)
    worker.deliver_due()
    writer.post("/v1/promises", json=promise_body())  # after the 410: not even queued
    drain(worker)
    assert len(receiver.received) == 1
    read = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()
    assert read["enabled"] is False
    assert read["disabled_reason"] == "the endpoint answered 410 Gone"
    assert [d.state for d in _deliveries(database, endpoint["id"])] == ["failed"]


def _follow_retries(worker: Any, clock: FakeClock, database: Database,
                    endpoint_id: str) -> WebhookDelivery:
    """Run the worker at each moment the newest delivery is due, until it is done."""
    while True:
        drain(worker)
        newest = _deliveries(database, endpoint_id)[-1]
        if newest.state != "pending" or newest.next_attempt_at is None:
            return newest
        clock.set(newest.next_attempt_at)


def test_retries_give_up_after_3_days_and_a_failing_endpoint_is_disabled(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    dead = Receiver(free_port())  # never listens
    endpoint = subscribe(admin, dead.url, receiver=dead)
    writer = _writer(hooks_client, tenant)
    writer.post("/v1/promises", json=promise_body(due_in=timedelta(days=30)))
    worker = make_worker()
    started = clock()
    delivery = _follow_retries(worker, clock, database, endpoint["id"])
    assert delivery.state == "failed"
    assert delivery.attempt_count == 12
    assert delivery.last_error is not None and "gave up after 3 days" in delivery.last_error
    assert clock() - started < timedelta(days=3)
    read = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()
    assert read["enabled"] is True
    assert read["failing_since"] is not None
    # A later message keeps failing until 3 days after the first failure: then disabled.
    writer.post("/v1/promises", json=promise_body(due_in=timedelta(days=30)))
    delivery = _follow_retries(worker, clock, database, endpoint["id"])
    assert delivery.state == "failed"
    assert clock() - started >= timedelta(days=3)
    read = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()
    assert read["enabled"] is False
    assert read["disabled_reason"].startswith("failing without a success since")
    assert read["disabled_reason"].endswith("(3 days)")
    listed = admin.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries",
                       params={"state": "failed"}).json()["data"]
    assert len(listed) == 2
    assert len(listed[1]["attempts"]) == 12


def test_during_a_rotation_both_secrets_sign(
    hooks_client: TestClient, tenant: Tenant, admin: Api, make_worker: WorkerFactory,
    clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    old_secret = endpoint["secret"]
    new_secret = admin.post(
        f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret").json()["secret"]
    writer = _writer(hooks_client, tenant)
    writer.post("/v1/promises", json=promise_body())
    worker = make_worker()
    drain(worker)
    receiver.secret = new_secret
    writer.post("/v1/promises", json=promise_body())
    drain(worker)
    first, second = receiver.verified()
    assert first.error is None  # verified with the old secret
    assert second.error is None  # and with the new one
    assert len(second.headers["webhook-signature"].split(" ")) == 2
    # A day later only the new secret signs.
    clock.advance(24 * 3600 + 1)
    writer.post("/v1/promises", json=promise_body())
    clock.set(clock() + timedelta(seconds=1))
    receiver.secret = old_secret
    drain(worker)
    last = receiver.verified()[-1]
    assert len(last.headers["webhook-signature"].split(" ")) == 1
    assert last.error is not None and "signature" in last.error.lower()


def test_test_messages_and_redelivery(
    admin: Api, database: Database, make_worker: WorkerFactory, clock: FakeClock,
    receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, ["promise.met"], receiver=receiver)
    queued = admin.post(f"/v1/webhook-endpoints/{endpoint['id']}/test")
    assert queued.status_code == 202, queued.text
    test: dict[str, Any] = queued.json()
    assert (test["type"], test["state"], test["attempts"]) == ("webhook.test", "pending", [])
    receiver.script(500)
    worker = make_worker()
    drain(worker)
    # A waiting delivery is brought forward instead of waiting out its backoff.
    again = admin.post(f"/v1/deliveries/{test['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["id"] == test["id"]
    drain(worker)
    [first, second] = receiver.verified()
    assert second.payload == first.payload
    assert second.payload["type"] == "webhook.test"
    assert second.payload["data"]["endpoint_id"] == endpoint["id"]
    # A finished one is sent again as a new delivery with the same webhook-id.
    resent = admin.post(f"/v1/deliveries/{test['id']}/redeliver").json()
    assert resent["id"] != test["id"]
    assert resent["message_id"] == test["message_id"]
    drain(worker)
    assert receiver.ids() == [test["message_id"]] * 3
    assert admin.post("/v1/deliveries/dlv_nope/redeliver").status_code == 404
    admin.client.patch(f"/v1/webhook-endpoints/{endpoint['id']}", json={"enabled": False},
                       headers=admin.headers)
    assert admin.post(f"/v1/webhook-endpoints/{endpoint['id']}/test").status_code == 409
    assert admin.post(f"/v1/deliveries/{test['id']}/redeliver").status_code == 409
