"""Objectives: create, read, and the error-budget status against a hand-computed ledger.

Tenant zone Europe/Berlin, now = 2026-11-20 12:00Z. Delivery promises, by when each was
decided (a break when it broke, the rest when resolved):

- B1 (ups) open, due 20 Nov 10:30: broken (overdue) at 10:30, 1.5 h ago
- K1 (ups) due 20 Nov 09:00, fulfilled 08:00: kept, 4 h ago
- B2 due 20 Nov 02:00, fulfilled 05:00: broken (late) at 02:00, 10 h ago
- B3 due 22 Nov, cancelled by the business 19 Nov 20:00: broken, 16 h ago
- K2…K17 due and fulfilled 10 Nov 12:00: kept, 10 days ago
- K18 fulfilled 31 Oct 23:30Z (1 Nov 00:30 in Berlin): kept
- B4 due 31 Oct 22:30Z (23:30 in Berlin), fulfilled 1 Nov: broken at 31 Oct 22:30Z
- V1 cancelled by the customer: void (outside); O3 due 25 Nov: pending (outside)
- O1 due 21 Nov 06:00, at risk; O2 due 21 Nov 10:00, pending: both due within 24 h
- X1 a callback, overdue: another kind
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api.config import Settings
from api.db import Database
from tests.conftest import Api, Tenant, TenantFactory
from tests.scorecards.ledger import Ledger, open_ledger

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
UPS = {"carrier": "ups"}


def build(ledger: Ledger) -> None:
    ledger.promise("B1", "2026-11-15T00:00:00Z", "2026-11-20T10:30:00Z", labels=UPS)
    ledger.promise("K1", "2026-11-15T00:00:00Z", "2026-11-20T09:00:00Z", labels=UPS)
    ledger.fulfil("K1", "2026-11-20T08:00:00Z")
    ledger.promise("B2", "2026-11-15T00:00:00Z", "2026-11-20T02:00:00Z")
    ledger.fulfil("B2", "2026-11-20T05:00:00Z")
    ledger.promise("B3", "2026-11-15T00:00:00Z", "2026-11-22T00:00:00Z")
    ledger.cancel("B3", "2026-11-19T20:00:00Z", by="business")
    for n in range(2, 18):
        ledger.promise(f"K{n}", "2026-11-01T00:00:00Z", "2026-11-10T12:00:00Z")
        ledger.fulfil(f"K{n}", "2026-11-10T12:00:00Z")
    ledger.promise("K18", "2026-10-25T00:00:00Z", "2026-11-01T10:00:00Z")
    ledger.fulfil("K18", "2026-10-31T23:30:00Z")
    ledger.promise("B4", "2026-10-25T00:00:00Z", "2026-10-31T22:30:00Z")
    ledger.fulfil("B4", "2026-11-01T10:00:00Z")
    ledger.promise("V1", "2026-11-15T00:00:00Z", "2026-11-22T00:00:00Z")
    ledger.cancel("V1", "2026-11-19T12:00:00Z", by="customer")
    ledger.promise("O1", "2026-11-15T00:00:00Z", "2026-11-21T06:00:00Z")
    ledger.promise("O2", "2026-11-20T11:00:00Z", "2026-11-21T10:00:00Z")
    ledger.promise("O3", "2026-11-15T00:00:00Z", "2026-11-25T00:00:00Z")
    ledger.promise("X1", "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", kind="callback")
    policy = ledger.post("/v1/policies", json={"key": "std", "kind": "pickup",
                                               "target": {"calendar_time": "P5D"}})
    assert policy.status_code == 201, policy.text
    made = ledger.post("/v1/promises", json={"external_id": "PP", "policy": "std",
                                             "made_at": "2026-11-10T00:00:00Z"})
    assert made.status_code == 201, made.text   # due 15 Nov, overdue now


@pytest.fixture(scope="module")
def ledger(settings: Settings, database: Database) -> Iterator[Ledger]:
    with open_ledger(settings, database, NOW, "Europe/Berlin") as ledger:
        build(ledger)
        yield ledger


def create(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/v1/objectives", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def status(api: Api, objective: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/v1/objectives/{objective['id']}/status")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def burn(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {w["window"]: (w["decided"], w["broken"], w["burn_rate"])
            for w in body["burn_rates"]}


def test_a_fast_burn_pages(ledger: Ledger) -> None:
    objective = create(ledger, name="Deliveries 95%", filter={"kind": "delivery"},
                       target=0.95, window={"type": "rolling", "days": 30}, min_count=10)
    body = status(ledger, objective)
    assert body["as_of"] == "2026-11-20T12:00:00Z"
    assert body["window"] == {"type": "rolling", "days": 30, "period": None,
                              "timezone": "Europe/Berlin", "start": "2026-10-21T12:00:00Z",
                              "end": "2026-11-20T12:00:00Z"}
    assert (body["decided"], body["kept"], body["broken"]) == (22, 18, 4)
    assert body["attainment"] == 18 / 22
    assert body["meets_target"] is False
    assert body["enough_data"] is True
    assert body["budget"]["allowed"] == pytest.approx(1.1)
    assert body["budget"]["used"] == 4
    assert body["budget"]["remaining"] == pytest.approx(-2.9)
    assert body["budget"]["remaining_ratio"] == pytest.approx(-2.9 / 1.1)
    rates = burn(body)
    assert list(rates) == ["P1D", "P3D", "P7D", "PT2H", "PT6H", "PT14H"]
    assert rates["PT2H"] == (1, 1, pytest.approx(20.0))
    assert rates["PT6H"] == (2, 1, pytest.approx(10.0))
    assert rates["PT14H"] == (3, 2, pytest.approx(40 / 3))
    assert rates["P1D"] == (4, 3, pytest.approx(15.0))
    assert rates["P3D"] == (4, 3, pytest.approx(15.0))
    assert rates["P7D"] == (4, 3, pytest.approx(15.0))
    assert body["forward"] == {"horizon": "P1D", "until": "2026-11-21T12:00:00Z",
                               "open_due": 2, "projected_breaks": 1,
                               "burn_rate": pytest.approx(10.0)}
    alert = body["alert"]
    assert alert["state"] == "page"
    assert alert["rule"] == {"name": "fast-burn", "severity": "page", "long_window": "P1D",
                             "short_window": "PT2H", "threshold": 14.4}
    assert alert["long_burn_rate"] == pytest.approx(15.0)
    assert alert["short_burn_rate"] == pytest.approx(20.0)


def test_a_calendar_month_in_the_objectives_zone(ledger: Ledger) -> None:
    objective = create(ledger, name="Deliveries this month", filter={"kind": "delivery"},
                       target=0.95, window={"type": "calendar"})
    assert objective["window"] == {"type": "calendar", "days": None, "period": "month",
                                   "timezone": "Europe/Berlin"}
    body = status(ledger, objective)
    assert (body["window"]["start"], body["window"]["end"]) == ("2026-10-31T23:00:00Z",
                                                                "2026-11-30T23:00:00Z")
    # K18 (1 Nov 00:30 local) is in; B4 (31 Oct 23:30 local) is not.
    assert (body["decided"], body["kept"], body["broken"]) == (21, 18, 3)
    in_utc = create(ledger, name="Deliveries this UTC month", filter={"kind": "delivery"},
                    target=0.95, window={"type": "calendar", "timezone": "UTC"})
    body = status(ledger, in_utc)
    assert body["window"]["start"] == "2026-11-01T00:00:00Z"
    assert (body["decided"], body["broken"]) == (20, 3)   # neither K18 nor B4


def test_a_slow_burn_tickets(ledger: Ledger) -> None:
    objective = create(ledger, name="UPS", filter={"labels": UPS}, target=0.9,
                       window={"type": "rolling", "days": 7})
    body = status(ledger, objective)
    assert (body["decided"], body["broken"], body["attainment"]) == (2, 1, 0.5)
    assert burn(body)["P1D"] == (2, 1, pytest.approx(5.0))
    assert burn(body)["PT2H"] == (1, 1, pytest.approx(10.0))
    assert body["forward"]["open_due"] == 0
    assert body["forward"]["burn_rate"] is None
    assert body["alert"]["state"] == "ticket"
    assert body["alert"]["rule"]["name"] == "slow-burn"


def test_too_few_promises_to_judge(ledger: Ledger) -> None:
    objective = create(ledger, name="Pickups", filter={"policy": "std"}, target=0.9,
                       window={"type": "rolling", "days": 30}, min_count=5)
    body = status(ledger, objective)
    assert (body["decided"], body["broken"], body["attainment"]) == (1, 1, 0.0)
    assert body["enough_data"] is False
    assert body["meets_target"] is None
    assert body["alert"] == {"state": "ok", "rule": None, "long_burn_rate": None,
                             "short_burn_rate": None,
                             "reason": "too few decided promises to judge "
                                       "(1 < min_count 5)"}


def test_read_and_list(ledger: Ledger) -> None:
    first = create(ledger, name="A", target=0.9, window={"type": "rolling", "days": 1})
    assert first["filter"] == {"kind": None, "labels": {}, "policy": None}
    assert first["min_count"] == 0
    read = ledger.get(f"/v1/objectives/{first['id']}")
    assert read.status_code == 200
    assert read.json() == first
    again = ledger.get(f"/v1/objectives/{first['id']}",
                       headers={"If-None-Match": read.headers["etag"]})
    assert again.status_code == 304
    page = ledger.get("/v1/objectives", params={"limit": 2})
    assert page.status_code == 200
    assert len(page.json()["data"]) == 2
    assert page.json()["next_cursor"]
    ids = [o["id"] for o in page.json()["data"]]
    rest = ledger.get("/v1/objectives", params={"cursor": page.json()["next_cursor"],
                                                "limit": 500}).json()["data"]
    assert first["id"] in ids + [o["id"] for o in rest]


def test_idempotent_create(api: Api) -> None:
    body = {"name": "Replayed", "target": 0.98, "window": {"type": "rolling", "days": 30}}
    headers = {"Idempotency-Key": "objective-1"}
    first = api.post("/v1/objectives", json=body, headers=headers)
    second = api.post("/v1/objectives", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert len(api.get("/v1/objectives").json()["data"]) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"target": 1.0}, "body.target"),
    ({"target": 0}, "body.target"),
    ({"window": {"type": "rolling", "days": 0}}, "body.window.rolling.days"),
    ({"window": {"type": "weekly"}}, "body.window"),
    ({"window": {"type": "calendar", "timezone": "Mars/Olympus"}},
     "body.window.calendar.timezone"),
    ({"filter": {"kind": "delivery", "colour": "red"}}, "body.filter.colour"),
    ({"name": ""}, "body.name"),
    ({"min_count": -1}, "body.min_count"),
    ({"surprise": True}, "body.surprise"),
])
def test_bad_objectives_are_422(api: Api, body: dict[str, Any], field: str) -> None:
    valid = {"name": "x", "target": 0.98, "window": {"type": "rolling", "days": 30}}
    response = api.post("/v1/objectives", json={**valid, **body})
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_other_tenants_and_scopes(app_client: Any, make_tenant: TenantFactory,
                                  tenant: Tenant, api: Api) -> None:
    mine = create(api, name="Mine", target=0.98, window={"type": "rolling", "days": 30})
    other = Api(app_client, make_tenant().keys["rw"])
    assert other.get(f"/v1/objectives/{mine['id']}").status_code == 404
    assert other.get(f"/v1/objectives/{mine['id']}/status").status_code == 404
    assert other.get("/v1/objectives").json()["data"] == []
    reader = Api(app_client, tenant.keys["read"])
    assert reader.post("/v1/objectives", json={"name": "x", "target": 0.9, "window": {
        "type": "rolling", "days": 1}}).status_code == 403
    assert reader.get(f"/v1/objectives/{mine['id']}/status").status_code == 200
    assert api.get("/v1/objectives/obj_nope/status").status_code == 404
