"""A small, varied data set for the dashboard's tests, made through the public API: promises of
three kinds and three carriers, decided early, on time, late or never over the last 10 days,
some still open, and one objective."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol

from tests.builders import iso

KINDS = ("delivery", "refund", "callback")
CARRIERS = ("dhl", "ups", "fedex")
DECIDED = 36
OPEN = 6


class Client(Protocol):
    def post(self, url: str, *, json: Any = None) -> Any: ...


def _promise(api: Client, made: datetime, due: datetime, index: int) -> str:
    body = {"external_id": f"seed-{index}-{secrets.token_hex(4)}", "kind": KINDS[index % 3],
            "made_at": iso(made), "due_at": iso(due), "order_id": f"order-{index // 2}",
            "customer_id": f"customer-{index % 5}",
            "labels": {"carrier": CARRIERS[(index // 3) % 3]}}
    response = api.post("/v1/promises", json=body)
    assert response.status_code == 201, response.text
    promise_id: str = response.json()["id"]
    return promise_id


def seed(api: Client, now: datetime) -> list[str]:
    """Creates the data set; returns the promise ids (decided first, then open)."""
    ids: list[str] = []
    for index in range(DECIDED):
        due = now - timedelta(days=1 + index % 10, hours=3)
        promise_id = _promise(api, due - timedelta(days=4), due, index)
        fulfilled = {0: due - timedelta(days=2), 1: due - timedelta(hours=1),
                     2: due + timedelta(days=2 if index % 10 else 0, hours=3)}.get(index % 4)
        if fulfilled is not None:
            done = api.post(f"/v1/promises/{promise_id}/events",
                            json={"type": "fulfilled", "occurred_at": iso(min(fulfilled, now))})
            assert done.status_code == 201, done.text
        ids.append(promise_id)
    for index in range(OPEN):
        due = now + timedelta(hours=2 + 20 * index)
        ids.append(_promise(api, now - timedelta(days=2), due, DECIDED + index))
    objective = api.post("/v1/objectives", json={
        "name": "Deliveries kept", "target": 0.9, "filter": {"kind": "delivery"},
        "window": {"type": "rolling", "days": 28}})
    assert objective.status_code == 201, objective.text
    return ids
