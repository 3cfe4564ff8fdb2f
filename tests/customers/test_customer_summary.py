"""GET /v1/customers/{customer_id}/summary against a hand-computed ledger (now 20 Nov 12:00Z).

cust-1:
- M1 due 10 Nov, fulfilled 9 Nov 20:00: met (kept at 9 Nov 20:00)
- L1 due 11 Nov, fulfilled 12 Nov: broken, late 86400 (broke 11 Nov)
- OD due 15 Nov, open: broken, overdue 475200 so far (broke 15 Nov)
- VD cancelled by the customer 16 Nov: void (does not end the run)
- AR due 21 Nov 00:00: at risk, 12 h left; PN due 25 Nov: pending, 4.5 days left
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api.config import Settings
from api.db import Database
from tests.conftest import Api, TenantFactory
from tests.scorecards.ledger import Ledger, open_ledger

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def build(ledger: Ledger) -> None:
    one = {"customer_id": "cust-1"}
    ledger.promise("M1", "2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z", **one)
    ledger.fulfil("M1", "2026-11-09T20:00:00Z")
    ledger.promise("L1", "2026-11-01T00:00:00Z", "2026-11-11T00:00:00Z", order_id="o-7",
                   labels={"carrier": "dhl"}, **one)
    ledger.fulfil("L1", "2026-11-12T00:00:00Z")
    ledger.promise("OD", "2026-11-05T00:00:00Z", "2026-11-15T00:00:00Z", **one)
    ledger.promise("VD", "2026-11-10T00:00:00Z", "2026-11-20T00:00:00Z", **one)
    ledger.cancel("VD", "2026-11-16T00:00:00Z", by="customer")
    ledger.promise("AR", "2026-11-10T00:00:00Z", "2026-11-21T00:00:00Z", kind="callback",
                   **one)
    ledger.promise("PN", "2026-11-10T00:00:00Z", "2026-11-25T00:00:00Z", **one)
    two = {"customer_id": "cust-2"}
    ledger.promise("B", "2026-11-01T00:00:00Z", "2026-11-05T00:00:00Z", **two)
    ledger.fulfil("B", "2026-11-06T00:00:00Z")
    ledger.promise("K", "2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z", **two)
    ledger.fulfil("K", "2026-11-07T12:00:00Z")


@pytest.fixture(scope="module")
def ledger(settings: Settings, database: Database) -> Iterator[Ledger]:
    with open_ledger(settings, database, NOW) as ledger:
        build(ledger)
        yield ledger


def summary(api: Api, customer_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/customers/{customer_id}/summary")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_what_an_agent_sees(ledger: Ledger) -> None:
    body = summary(ledger, "cust-1")
    assert body["customer_id"] == "cust-1"
    assert body["as_of"] == "2026-11-20T12:00:00Z"
    assert body["counts"] == {"total": 6, "pending": 1, "at_risk": 1, "exceeded": 0,
                              "met": 1, "broken": 2, "void": 1}
    assert body["keep_rate"] == 1 / 3
    assert body["broken_run"] == {"length": 2, "since": "2026-11-11T00:00:00Z"}
    assert [(p["external_id"], p["status"], p["resolved_at"]) for p in body["last_outcomes"]] == [
        ("VD", "void", "2026-11-16T00:00:00Z"),
        ("L1", "broken", "2026-11-12T00:00:00Z"),
        ("M1", "met", "2026-11-09T20:00:00Z"),
    ]
    late = body["last_outcomes"][1]
    assert (late["broken_reason"], late["lateness_seconds"], late["order_id"],
            late["labels"]) == ("late", 86400.0, "o-7", {"carrier": "dhl"})
    assert [(p["external_id"], p["status"], p["time_remaining_seconds"],
             p["lateness_seconds"]) for p in body["open_promises"]] == [
        ("OD", "broken", None, 475200.0),
        ("AR", "at_risk", 43200.0, None),
        ("PN", "pending", 388800.0, None),
    ]
    assert body["open_promises"][0]["broken_reason"] == "overdue"
    assert body["open_promises"][1]["kind"] == "callback"
    assert body["open_count"] == 3


def test_a_kept_promise_ends_the_run(ledger: Ledger) -> None:
    body = summary(ledger, "cust-2")
    assert body["broken_run"] == {"length": 0, "since": None}
    assert body["keep_rate"] == 1 / 2
    assert body["open_promises"] == []
    assert body["open_count"] == 0


def test_at_most_ten_outcomes_and_fifty_open_promises(api: Api) -> None:
    items = [{"external_id": f"many-{n}", "kind": "delivery", "customer_id": "busy",
              "made_at": "2026-01-01T00:00:00Z", "due_at": f"2099-01-{n % 28 + 1:02d}T00:00:00Z"}
             for n in range(55)]
    items += [{"external_id": f"done-{n}", "kind": "delivery", "customer_id": "busy",
               "made_at": "2026-01-01T00:00:00Z", "due_at": "2026-01-10T00:00:00Z"}
              for n in range(12)]
    assert api.post("/v1/promises/batch", json={"items": items}).status_code == 207
    for n in range(12):
        api.post("/v1/events", json={"external_id": f"done-{n}", "type": "fulfilled",
                                     "occurred_at": f"2026-01-{n + 2:02d}T00:00:00Z"})
    body = summary(api, "busy")
    assert body["counts"]["total"] == 67
    assert body["open_count"] == 55
    assert len(body["open_promises"]) == 50
    due = [p["due_at"] for p in body["open_promises"]]
    assert due == sorted(due)
    assert [p["external_id"] for p in body["last_outcomes"]] == [
        f"done-{n}" for n in range(11, 1, -1)]


def test_unknown_customers_and_other_tenants_are_404(ledger: Ledger, app_client: Any,
                                                     make_tenant: TenantFactory) -> None:
    assert ledger.get("/v1/customers/nobody/summary").status_code == 404
    other = Api(app_client, make_tenant().keys["rw"])
    response = other.get("/v1/customers/cust-1/summary")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    writer = Api(app_client, make_tenant().keys["write"])
    assert writer.get("/v1/customers/cust-1/summary").status_code == 403
