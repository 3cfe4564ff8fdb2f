"""Workers that die, stop, or run side by side: nothing lost, nothing attempted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from api.db import Database
from api.models import WebhookAttempt, WebhookDelivery
from tests.builders import promise_body
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import FakeClock, Receiver, WorkerFactory, drain, subscribe

ROOT = Path(__file__).resolve().parents[2]


def _deliveries(database: Database, endpoint_id: str) -> list[WebhookDelivery]:
    with database.session() as session:
        return list(session.exec(select(WebhookDelivery).where(
            col(WebhookDelivery.endpoint_id) == endpoint_id).order_by(
            col(WebhookDelivery.id))).all())


def _attempt_count(database: Database, endpoint_id: str) -> int:
    with database.session() as session:
        return int(session.exec(
            select(func.count()).select_from(WebhookAttempt).join(
                WebhookDelivery, col(WebhookDelivery.id) == col(WebhookAttempt.delivery_id))
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id)).one())


@contextmanager
def worker_process(database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """`kept worker` in its own process, on the test database, with the real clock."""
    env = {**os.environ, "KEPT_DATABASE_URL": database_url,
           "KEPT_WEBHOOK_ALLOW_PRIVATE": "true", "KEPT_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_a_worker_killed_mid_delivery_leaves_it_to_another(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    database_url: str, make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.hold = threading.Event()  # the first request hangs until released
    Api(hooks_client, tenant.keys["rw"]).post("/v1/promises", json=promise_body())
    with worker_process(database_url) as process:
        assert receiver.arrived.wait(60), "the worker process sent nothing"
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait(10)
    [claimed] = _deliveries(database, endpoint["id"])
    assert (claimed.state, claimed.attempt_count) == ("delivering", 0)
    assert claimed.lease_until is not None
    receiver.hold.set()
    worker = make_worker()
    clock.set(claimed.lease_until - timedelta(milliseconds=1))
    drain(worker)
    assert len(receiver.received) == 1  # the lease still holds: nobody takes it
    clock.set(claimed.lease_until)
    drain(worker)
    first, second = receiver.verified()
    assert first.id == second.id  # delivered again, same webhook-id: at-least-once
    assert (first.error, second.error) == (None, None)
    [delivery] = _deliveries(database, endpoint["id"])
    assert (delivery.state, delivery.attempt_count, delivery.last_status_code) == (
        "succeeded", 1, 200)


def test_sigterm_lets_the_delivery_in_flight_finish(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    database_url: str, receiver: Receiver, quiet_queue: None,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.hold = threading.Event()
    Api(hooks_client, tenant.keys["rw"]).post("/v1/promises", json=promise_body())
    with worker_process(database_url) as process:
        assert receiver.arrived.wait(60), "the worker process sent nothing"
        process.send_signal(signal.SIGTERM)
        receiver.hold.set()
        assert process.wait(30) == 0, process.stdout.read() if process.stdout else ""
    [delivery] = _deliveries(database, endpoint["id"])
    assert (delivery.state, delivery.attempt_count) == ("succeeded", 1)


def test_stopping_releases_claimed_deliveries_not_yet_sent(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    endpoint = subscribe(admin, receiver.url, receiver=receiver)
    receiver.hold = threading.Event()
    writer = Api(hooks_client, tenant.keys["rw"])
    for _ in range(3):
        writer.post("/v1/promises", json=promise_body())
    worker = make_worker(concurrency=1, batch=10)
    sending = threading.Thread(target=worker.deliver_due)
    sending.start()
    assert receiver.arrived.wait(30)
    worker.request_stop()  # what SIGTERM does
    receiver.hold.set()
    sending.join(30)
    states = Counter((d.state, d.attempt_count, d.lease_until is None)
                     for d in _deliveries(database, endpoint["id"]))
    assert states == {("succeeded", 1, True): 1, ("pending", 0, True): 2}
    assert all(d.next_attempt_at == clock() for d in _deliveries(database, endpoint["id"])
               if d.state == "pending")  # due at once, for the next worker
    assert len(receiver.received) == 1


def test_two_workers_deliver_1000_events_without_a_duplicate_attempt(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, receiver: Receiver,
) -> None:
    if database.settings.is_sqlite:
        pytest.skip("SQLite runs one worker at a time (a lock); several workers need "
                    "PostgreSQL's FOR UPDATE SKIP LOCKED")
    endpoint = subscribe(admin, receiver.url, ["promise.created"], receiver=receiver)
    items = [promise_body() for _ in range(1000)]
    response = Api(hooks_client, tenant.keys["rw"]).post("/v1/promises/batch",
                                                         json={"items": items})
    assert [r["status"] for r in response.json()["results"]] == [201] * 1000
    workers = [make_worker(batch=25), make_worker(batch=25)]
    claimed = [0, 0]

    def run(index: int) -> None:
        while (done := workers[index].deliver_due()) > 0:
            claimed[index] += done

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = receiver.ids()
    errors = {d.last_error for d in _deliveries(database, endpoint["id"]) if d.last_error}
    assert not errors
    assert len(ids) == 1000
    assert len(set(ids)) == 1000
    assert sum(claimed) == 1000
    assert all(r.error is None for r in receiver.verified())
    assert _attempt_count(database, endpoint["id"]) == 1000
    assert {d.state for d in _deliveries(database, endpoint["id"])} == {"succeeded"}
