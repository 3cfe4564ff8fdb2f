"""Time-driven transitions: at risk and overdue announced once each, at their moment, found
through the partial index on open promises."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.db import Database
from api.models import Promise, WebhookMessage
from api.wire_types import parse_timestamp
from api.worker.transitions import due_promises_query
from tests.builders import iso
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import FakeClock, Receiver, WorkerFactory, drain, subscribe


def _writer(hooks_client: TestClient, tenant: Tenant) -> Api:
    return Api(hooks_client, tenant.keys["rw"])


def _promise(api: Api, clock: FakeClock, lead_seconds: int, **extra: Any) -> dict[str, Any]:
    body = {"kind": "callback", "made_at": iso(clock()),
            "due_at": iso(clock() + timedelta(seconds=lead_seconds)), **extra}
    response = api.post("/v1/promises", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _messages(database: Database, tenant_id: str) -> list[WebhookMessage]:
    with database.session() as session:
        return list(session.exec(select(WebhookMessage).where(
            col(WebhookMessage.tenant_id) == tenant_id).order_by(col(WebhookMessage.id))).all())


def test_crossing_at_risk_and_due_time_fires_each_event_once_at_its_moment(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    subscribe(admin, receiver.url, receiver=receiver)
    promise = _promise(_writer(hooks_client, tenant), clock, 100)  # at risk from 80 s
    at_risk_at = parse_timestamp(promise["at_risk_at"])
    deadline = parse_timestamp(promise["deadline_at"])
    worker = make_worker()
    for _ in range(150):  # the worker's loop, one pass a second, for 150 s
        clock.advance(1)
        drain(worker)
    received = receiver.verified()
    assert [r.error for r in received] == [None] * 3
    assert [r.payload["type"] for r in received] == [
        "promise.created", "promise.at_risk", "promise.broken"]
    _, at_risk, broken = (r.payload for r in received)
    assert at_risk["data"]["status"] == "at_risk"
    assert (broken["data"]["status"], broken["data"]["broken_reason"]) == ("broken", "overdue")
    assert timedelta(0) <= parse_timestamp(at_risk["timestamp"]) - at_risk_at <= \
        timedelta(seconds=1)
    assert timedelta(0) < parse_timestamp(broken["timestamp"]) - deadline <= \
        timedelta(seconds=1)
    with database.session() as session:
        row = session.get(Promise, (tenant.id, promise["id"]))
        assert row is not None
        assert (row.alerted_status, row.next_alert_at) == ("broken", None)


def test_the_worker_loop_announces_within_a_poll_of_the_moment(
    hooks_client: TestClient, tenant: Tenant, admin: Api, make_worker: WorkerFactory,
    clock: FakeClock, receiver: Receiver,
) -> None:
    subscribe(admin, receiver.url, ["promise.at_risk", "promise.broken"], receiver=receiver)
    promise = _promise(_writer(hooks_client, tenant), clock, 50)

    def sleep(seconds: float) -> None:
        # The transitions loop's rests move the clock a poll at a time; the delivery loop
        # just yields, so time moves only as fast as transitions are looked for.
        if threading.current_thread().name == "kept-transitions":
            clock.advance(seconds)
        else:
            time.sleep(0.001)

    worker = make_worker(sleep=sleep, poll_seconds=1.0)
    worker.start()
    assert receiver.wait_for(2), "the loop announced nothing"
    worker.stop()
    # Deliveries run in parallel: receivers order by the payload's timestamp.
    at_risk, broken = sorted((r.payload for r in receiver.verified()[:2]),
                             key=lambda payload: payload["timestamp"])
    assert (at_risk["type"], broken["type"]) == ("promise.at_risk", "promise.broken")
    # One pass a poll (1 s): announced within a second of the moment.
    assert timedelta(0) <= parse_timestamp(at_risk["timestamp"]) - \
        parse_timestamp(promise["at_risk_at"]) <= timedelta(seconds=1)
    assert timedelta(0) < parse_timestamp(broken["timestamp"]) - \
        parse_timestamp(promise["deadline_at"]) <= timedelta(seconds=1)
    assert len(receiver.received) == 2


def test_two_workers_at_once_announce_each_transition_once(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    subscribe(admin, "http://127.0.0.1:9/never-sent", ["promise.at_risk"])
    items = [{"kind": "reply", "made_at": iso(clock()),
              "due_at": iso(clock() + timedelta(seconds=1000 + i))} for i in range(200)]
    writer = _writer(hooks_client, tenant)
    assert writer.post("/v1/promises/batch", json={"items": items}).status_code == 207
    clock.advance(980)  # every one at risk (from 800 s to 959 s), none overdue yet
    workers = [make_worker(batch=7), make_worker(batch=7)]
    threads = [threading.Thread(target=w.announce_transitions) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = _messages(database, tenant.id)
    assert len(messages) == 200
    assert len({m.promise_id for m in messages}) == 200


def test_a_revision_rearms_the_announcements(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    subscribe(admin, "http://127.0.0.1:9/never-sent")
    writer = _writer(hooks_client, tenant)
    promise = _promise(writer, clock, 100)
    worker = make_worker()
    clock.advance(85)
    worker.announce_transitions()
    revised = writer.post(f"/v1/promises/{promise['id']}/events", json={
        "type": "revised", "due_at": iso(clock() + timedelta(seconds=1000)),
        "requested_by": "business", "occurred_at": iso(clock())})
    assert revised.status_code == 201, revised.text
    clock.advance(500)
    worker.announce_transitions()  # not at risk yet under the new terms (from 868 s)
    clock.advance(300)
    worker.announce_transitions()
    clock.advance(300)
    worker.announce_transitions()
    assert [m.type for m in _messages(database, tenant.id)] == [
        "promise.created", "promise.at_risk", "promise.revised", "promise.at_risk",
        "promise.broken"]


def test_a_write_that_finds_a_transition_due_announces_it_and_the_worker_does_not(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    subscribe(admin, "http://127.0.0.1:9/never-sent")
    writer = _writer(hooks_client, tenant)
    promise = _promise(writer, clock, 100)
    clock.advance(81)
    writer.post(f"/v1/promises/{promise['id']}/events",
                json={"type": "note", "note": "called the carrier", "occurred_at": iso(clock())})
    make_worker().announce_transitions()
    assert [m.type for m in _messages(database, tenant.id)] == [
        "promise.created", "promise.at_risk"]


def test_paused_and_resolved_promises_wait_for_nothing(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock,
) -> None:
    subscribe(admin, "http://127.0.0.1:9/never-sent")
    writer = _writer(hooks_client, tenant)
    paused, met = _promise(writer, clock, 100), _promise(writer, clock, 100)
    writer.post(f"/v1/promises/{paused['id']}/events",
                json={"type": "paused", "occurred_at": iso(clock())})
    writer.post(f"/v1/promises/{met['id']}/events",
                json={"type": "fulfilled", "occurred_at": iso(clock())})
    with database.session() as session:
        rows = session.exec(select(Promise).where(
            col(Promise.id).in_([paused["id"], met["id"]]))).all()
        assert [row.next_alert_at for row in rows] == [None, None]
    clock.advance(1000)
    make_worker().announce_transitions()
    assert sorted(m.type for m in _messages(database, tenant.id)) == [
        "promise.created", "promise.created", "promise.exceeded"]


def test_due_promises_are_found_through_the_partial_index(database: Database) -> None:
    query = due_promises_query(datetime.fromisoformat("2030-01-01T00:00:00+00:00"), 50)
    dialect = database.engine.dialect
    compiled = query.compile(dialect=dialect)
    with database.engine.connect() as connection:
        if dialect.name == "sqlite":
            params: Any = tuple("2030-01-01 00:00:00.000000" if name.startswith("next_alert")
                                else compiled.params[name]
                                for name in compiled.positiontup or [])
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            params = {name: "2030-01-01T00:00:00Z" if name.startswith("next_alert") else value
                      for name, value in compiled.params.items()}
            plan = connection.exec_driver_sql(f"EXPLAIN {compiled}", params).all()
    text = " ".join(str(row) for row in plan)
    assert "ix_promise_next_alert_at" in text, text
