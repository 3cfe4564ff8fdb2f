"""The README's walk-through: two orders delivered after 7 days and a callback."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import iso, now
from tests.conftest import Api


def test_seed_example(api: Api) -> None:
    purchase = now() - timedelta(days=8)
    delivered = purchase + timedelta(days=7)
    promises = {
        "ten-days": api.post("/v1/promises", json={
            "external_id": "order-1001", "kind": "delivery", "order_id": "1001",
            "made_at": iso(purchase), "due_at": iso(purchase + timedelta(days=10)),
            "labels": {"carrier": "ups"}}).json(),
        "three-days": api.post("/v1/promises", json={
            "external_id": "order-1002", "kind": "delivery", "order_id": "1002",
            "made_at": iso(purchase), "due_at": iso(purchase + timedelta(days=3)),
            "labels": {"carrier": "dhl"}}).json(),
    }
    for promise in promises.values():
        response = api.post(f"/v1/promises/{promise['id']}/events",
                            json={"type": "fulfilled", "occurred_at": iso(delivered)})
        assert response.status_code == 201
    ten = api.get(f"/v1/promises/{promises['ten-days']['id']}").json()
    three = api.get(f"/v1/promises/{promises['three-days']['id']}").json()
    assert (ten["status"], ten["exceeded_reason"]) == ("exceeded", "early")
    assert (three["status"], three["broken_reason"]) == ("broken", "late")
    assert three["lateness_seconds"] == timedelta(days=4).total_seconds()

    call_made = now() - timedelta(hours=3)
    callback = api.post("/v1/promises", json={
        "external_id": "ticket-77-callback", "kind": "callback", "made_at": iso(call_made),
        "due_at": iso(call_made + timedelta(hours=2))}).json()
    called = api.post(f"/v1/promises/{callback['id']}/events", json={
        "type": "fulfilled", "occurred_at": iso(call_made + timedelta(hours=1, minutes=50))})
    assert called.json()["promise"]["status"] == "met"
