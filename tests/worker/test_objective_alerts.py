"""`objective.alert`: the worker announces each change of an objective's burn-rate alert once,
to a real receiver, and records the state on the objective."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.db import Database
from api.models import Objective, WebhookMessage
from tests.builders import iso
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import FakeClock, Receiver, WorkerFactory, drain, subscribe


def _alerts(database: Database, tenant_id: str) -> list[WebhookMessage]:
    with database.session() as session:
        return list(session.exec(select(WebhookMessage).where(
            col(WebhookMessage.tenant_id) == tenant_id,
            col(WebhookMessage.type) == "objective.alert").order_by(col(WebhookMessage.id))))


def _stored_state(database: Database, tenant_id: str, objective_id: str) -> str:
    with database.session() as session:
        objective = session.get(Objective, (tenant_id, objective_id))
        assert objective is not None
        return objective.alert_state


def _objective(writer: Api, kind: str, target: float, days: int) -> dict[str, Any]:
    created = writer.post("/v1/objectives", json={
        "name": f"{kind} {target:.0%}", "filter": {"kind": kind}, "target": target,
        "window": {"type": "rolling", "days": days}})
    assert created.status_code == 201, created.text
    objective: dict[str, Any] = created.json()
    return objective


def test_a_page_and_its_recovery_are_each_announced_once(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    subscribe(admin, receiver.url, events=["objective.alert"], receiver=receiver)
    writer = Api(hooks_client, tenant.keys["rw"])
    objective = _objective(writer, "delivery", 0.95, 30)
    # Three deliveries overdue by an hour, none kept: a burn rate of 20 over the last 2 h and
    # the last day, above the fast-burn threshold of 14.4.
    for index in range(3):
        made = writer.post("/v1/promises", json={
            "kind": "delivery", "external_id": f"late-{index}",
            "made_at": iso(clock() - timedelta(days=2)),
            "due_at": iso(clock() - timedelta(hours=1))})
        assert made.status_code == 201, made.text
    worker = make_worker()

    worker.check_objectives()
    worker.check_objectives()  # nothing changed since: nothing more to announce
    drain(worker)
    assert [m.payload["data"]["alert"]["state"] for m in _alerts(database, tenant.id)] == ["page"]
    assert receiver.wait_for(1)
    received = [r for r in receiver.verified() if r.payload["type"] == "objective.alert"]
    assert [r.error for r in received] == [None]
    data = received[0].payload["data"]
    assert (data["objective_id"], data["previous_state"]) == (objective["id"], "ok")
    assert data["alert"]["rule"]["name"] == "fast-burn"
    assert (data["decided"], data["broken"]) == (3, 3)
    assert _stored_state(database, tenant.id, objective["id"]) == "page"

    # Eight days on, no rule's window holds a break: the alert clears, announced once.
    clock.advance(timedelta(days=8).total_seconds())
    worker.check_objectives()
    worker.check_objectives()
    drain(worker)
    states = [(m.payload["data"]["previous_state"], m.payload["data"]["alert"]["state"])
              for m in _alerts(database, tenant.id)]
    assert states == [("ok", "page"), ("page", "ok")]
    assert _stored_state(database, tenant.id, objective["id"]) == "ok"
    assert receiver.wait_for(2)


def test_an_endpoint_not_subscribed_gets_no_alert(
    hooks_client: TestClient, tenant: Tenant, admin: Api, database: Database,
    make_worker: WorkerFactory, clock: FakeClock, receiver: Receiver,
) -> None:
    subscribe(admin, receiver.url, events=["promise.broken"], receiver=receiver)
    writer = Api(hooks_client, tenant.keys["rw"])
    objective = _objective(writer, "callback", 0.99, 7)
    made = writer.post("/v1/promises", json={
        "kind": "callback", "made_at": iso(clock() - timedelta(hours=3)),
        "due_at": iso(clock() - timedelta(minutes=30))})
    assert made.status_code == 201, made.text
    make_worker().check_objectives()
    assert _stored_state(database, tenant.id, objective["id"]) == "page"
    assert _alerts(database, tenant.id) == []
