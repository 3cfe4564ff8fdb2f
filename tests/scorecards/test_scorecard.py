"""GET /v1/scorecard against a hand-computed ledger, at a fixed `now`, on either database.

The ledger: tenant zone Europe/Berlin, now = 2026-11-20 12:00Z; times in November, UTC.

- P1 delivery/ups, made 01 10:00, due 11 10:00, fulfilled 08 10:00: exceeded, early 259200
- P2 delivery/dhl, made 01 10:00, due 04 10:00, fulfilled 08 10:00: broken (late), late 345600
- P3 delivery/ups, made 01 10:00, due 06 10:00, fulfilled 05 22:00: met (margin 1 d),
  early 43200
- P4 delivery/ups, made 02 00:00, due 12 00:00, grace 1 h, fulfilled 12 00:30: met, late 1800
- P5 delivery, made 05 00:00, due 15 00:00, open: broken (overdue), late 475200 so far
- P6 delivery/dhl, made 10 00:00, due 25 00:00, open: pending
- P7 delivery/dhl, made 10 00:00, due 21 00:00, open: at_risk
- P8 delivery/ups, made 03, due 13, cancelled by the customer 04 12:00: void
- P9 delivery/dhl, made 03, due 09, cancelled by the business 05 12:00: broken (no seconds)
- C1 callback, made 16 09:00, due 11:00, fulfilled 10:50: met, early 600
- C2 callback, made 17 09:00, due 11:00, revised by the business at 10:00 (proactive) to
  13:00, fulfilled 12:00: exceeded (margin 48 min), early 3600; first promise broken
- C3 callback, made 18 09:00, due 11:00, revised by the business at 12:00 (reactive) to
  15:00, fulfilled 14:00: met (margin 72 min), early 3600; first promise broken
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api.config import Settings
from api.db import Database
from tests.builders import promise_body
from tests.conftest import Api, Tenant
from tests.scorecards.figures import figures, seconds
from tests.scorecards.ledger import Ledger, open_ledger

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def build(ledger: Ledger) -> None:
    d = "2026-11-{}Z".format
    ledger.promise("P1", d("01T10:00:00"), d("11T10:00:00"), labels={"carrier": "ups"},
                   customer_id="cust-2")
    ledger.promise("P2", d("01T10:00:00"), d("04T10:00:00"), labels={"carrier": "dhl"})
    ledger.promise("P3", d("01T10:00:00"), d("06T10:00:00"), labels={"carrier": "ups"})
    ledger.promise("P4", d("02T00:00:00"), d("12T00:00:00"), labels={"carrier": "ups"},
                   grace="PT1H")
    ledger.promise("P5", d("05T00:00:00"), d("15T00:00:00"))
    ledger.promise("P6", d("10T00:00:00"), d("25T00:00:00"), labels={"carrier": "dhl"})
    ledger.promise("P7", d("10T00:00:00"), d("21T00:00:00"), labels={"carrier": "dhl"})
    ledger.promise("P8", d("03T00:00:00"), d("13T00:00:00"), labels={"carrier": "ups"})
    ledger.promise("P9", d("03T00:00:00"), d("09T00:00:00"), labels={"carrier": "dhl"})
    for name, day in (("C1", "16"), ("C2", "17"), ("C3", "18")):
        ledger.promise(name, d(f"{day}T09:00:00"), d(f"{day}T11:00:00"), kind="callback",
                       customer_id="cust-1")
    ledger.fulfil("P1", d("08T10:00:00"))
    ledger.fulfil("P2", d("08T10:00:00"))
    ledger.fulfil("P3", d("05T22:00:00"))
    ledger.fulfil("P4", d("12T00:30:00"))
    ledger.cancel("P8", d("04T12:00:00"), by="customer")
    ledger.cancel("P9", d("05T12:00:00"), by="business")
    ledger.fulfil("C1", d("16T10:50:00"))
    ledger.revise("C2", d("17T10:00:00"), d("17T13:00:00"), by="business")
    ledger.fulfil("C2", d("17T12:00:00"))
    ledger.revise("C3", d("18T12:00:00"), d("18T15:00:00"), by="business")
    ledger.fulfil("C3", d("18T14:00:00"))


@pytest.fixture(scope="module")
def ledger(settings: Settings, database: Database) -> Iterator[Ledger]:
    with open_ledger(settings, database, NOW, "Europe/Berlin") as ledger:
        build(ledger)
        yield ledger


def scorecard(api: Api, **params: str) -> dict[str, Any]:
    response = api.get("/v1/scorecard", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


TOTALS = figures(
    total=12, pending=1, at_risk=1, exceeded=2, met=4, broken=3, void=1,
    keep=6 / 9, exceed=2 / 9, breaks=3 / 9, first_keep=4 / 9, proactive=1 / 2,
    lateness=seconds(274200, 345600, 449280, 475200),
    earliness=seconds(62040, 3600, 172800, 259200),
)


def test_the_ledger_scores_as_the_table_says(ledger: Ledger) -> None:
    statuses = {p["external_id"]: (p["status"], p["first_promise_status"])
                for p in ledger.get("/v1/promises", params={"limit": 50}).json()["data"]}
    assert statuses == {
        "P1": ("exceeded", "exceeded"), "P2": ("broken", "broken"), "P3": ("met", "met"),
        "P4": ("met", "met"), "P5": ("broken", "broken"), "P6": ("pending", "pending"),
        "P7": ("at_risk", "at_risk"), "P8": ("void", "void"), "P9": ("broken", "broken"),
        "C1": ("met", "met"), "C2": ("exceeded", "broken"), "C3": ("met", "broken"),
    }


def test_totals_without_groups(ledger: Ledger) -> None:
    body = scorecard(ledger)
    assert body["as_of"] == "2026-11-20T12:00:00Z"
    assert body["timezone"] == "Europe/Berlin"
    assert body["totals"] == TOTALS
    assert body["groups"] == [{"key": {}, **TOTALS}]


def test_grouped_by_kind(ledger: Ledger) -> None:
    body = scorecard(ledger, group_by="kind")
    assert body["groups"] == [
        {"key": {"kind": "callback"}, **figures(
            total=3, exceeded=1, met=2, keep=1.0, exceed=1 / 3, breaks=0.0, first_keep=1 / 3,
            proactive=1 / 2, earliness=seconds(2600, 3600, 3600, 3600))},
        {"key": {"kind": "delivery"}, **figures(
            total=9, pending=1, at_risk=1, exceeded=1, met=2, broken=3, void=1, keep=3 / 6,
            exceed=1 / 6, breaks=3 / 6, first_keep=3 / 6, proactive=None,
            lateness=seconds(274200, 345600, 449280, 475200),
            earliness=seconds(151200, 151200, 237600, 259200))},
    ]
    assert body["totals"] == TOTALS


def test_grouped_by_label_with_a_group_for_promises_without_it(ledger: Ledger) -> None:
    body = scorecard(ledger, group_by="label:carrier")
    assert body["groups"] == [
        {"key": {"label:carrier": "dhl"}, **figures(
            total=4, pending=1, at_risk=1, broken=2, keep=0.0, exceed=0.0, breaks=1.0,
            first_keep=0.0, proactive=None, lateness=seconds(345600, 345600, 345600, 345600))},
        {"key": {"label:carrier": "ups"}, **figures(
            total=4, exceeded=1, met=2, void=1, keep=1.0, exceed=1 / 3, breaks=0.0,
            first_keep=1.0, proactive=None, lateness=seconds(1800, 1800, 1800, 1800),
            earliness=seconds(151200, 151200, 237600, 259200))},
        {"key": {"label:carrier": None}, **figures(
            total=4, exceeded=1, met=2, broken=1, keep=3 / 4, exceed=1 / 4, breaks=1 / 4,
            first_keep=1 / 4, proactive=1 / 2, lateness=seconds(475200, 475200, 475200, 475200),
            earliness=seconds(2600, 3600, 3600, 3600))},
    ]


def test_grouped_by_several_keys_in_the_order_given(ledger: Ledger) -> None:
    body = scorecard(ledger, group_by="label:carrier,kind")
    keys = [group["key"] for group in body["groups"]]
    assert keys == [
        {"label:carrier": "dhl", "kind": "delivery"},
        {"label:carrier": "ups", "kind": "delivery"},
        {"label:carrier": None, "kind": "callback"},
        {"label:carrier": None, "kind": "delivery"},
    ]
    assert [list(key) for key in keys] == [["label:carrier", "kind"]] * 4
    assert [group["total"] for group in body["groups"]] == [4, 4, 3, 1]


def test_grouped_by_customer(ledger: Ledger) -> None:
    body = scorecard(ledger, group_by="customer_id")
    assert [(g["key"], g["total"], g["keep_rate"]) for g in body["groups"]] == [
        ({"customer_id": "cust-1"}, 3, 1.0),
        ({"customer_id": "cust-2"}, 1, 1.0),
        ({"customer_id": None}, 8, 2 / 5),
    ]


def test_resolved_time_places_overdue_promises_when_they_broke(ledger: Ledger) -> None:
    # P6 and P7 are open and not yet due: they have no resolved time.
    body = scorecard(ledger, time_field="resolved", bucket="week")
    assert body["groups"] == [
        {"key": {"bucket": "2026-11-02"}, **figures(   # P1, P2, P3, P8, P9
            total=5, exceeded=1, met=1, broken=2, void=1, keep=2 / 4, exceed=1 / 4,
            breaks=2 / 4, first_keep=2 / 4, proactive=None,
            lateness=seconds(345600, 345600, 345600, 345600),
            earliness=seconds(151200, 151200, 237600, 259200))},
        {"key": {"bucket": "2026-11-09"}, **figures(   # P4; P5 broke 11-15 01:00 local
            total=2, met=1, broken=1, keep=1 / 2, exceed=0.0, breaks=1 / 2, first_keep=1 / 2,
            proactive=None, lateness=seconds(238500, 238500, 427860, 475200))},
        {"key": {"bucket": "2026-11-16"}, **figures(   # C1, C2, C3
            total=3, exceeded=1, met=2, keep=1.0, exceed=1 / 3, breaks=0.0, first_keep=1 / 3,
            proactive=1 / 2, earliness=seconds(2600, 3600, 3600, 3600))},
    ]
    assert body["totals"]["total"] == 10


def test_resolved_time_range(ledger: Ledger) -> None:
    body = scorecard(ledger, time_field="resolved", **{"from": "2026-11-08T00:00:00Z",
                                                       "to": "2026-11-16T00:00:00Z"})
    assert body["totals"] == figures(   # P1, P2, P4, P5
        total=4, exceeded=1, met=1, broken=2, keep=2 / 4, exceed=1 / 4, breaks=2 / 4,
        first_keep=2 / 4, proactive=None,
        lateness=seconds(274200, 345600, 449280, 475200),
        earliness=seconds(259200, 259200, 259200, 259200))


def test_made_and_due_time_ranges(ledger: Ledger) -> None:
    made = scorecard(ledger, time_field="made", **{"from": "2026-11-10T00:00:00+00:00"})
    assert (made["totals"]["total"], made["totals"]["pending"], made["totals"]["at_risk"],
            made["totals"]["exceeded"], made["totals"]["met"]) == (5, 1, 1, 1, 2)
    # `to` is exclusive: P1 is due exactly at 11-11 10:00.
    due = scorecard(ledger, **{"from": "2026-11-06T10:00:00Z", "to": "2026-11-11T10:00:00Z"})
    assert due["totals"]["total"] == 2   # P3 (due at `from`), P9


def test_list_filters_apply(ledger: Ledger) -> None:
    assert scorecard(ledger, kind="callback")["totals"]["total"] == 3
    assert scorecard(ledger, **{"label.carrier": "ups"})["totals"]["total"] == 4
    broken = scorecard(ledger, status="broken", group_by="kind")
    assert [(g["key"], g["broken"], g["total"]) for g in broken["groups"]] == [
        ({"kind": "delivery"}, 3, 3)]
    assert scorecard(ledger, customer_id="cust-1")["totals"]["total"] == 3
    assert scorecard(ledger, due_before="2026-11-05T00:00:00Z")["totals"]["total"] == 1


def test_csv_is_the_same_table(ledger: Ledger) -> None:
    as_json = scorecard(ledger, group_by="kind")
    for response in (
        ledger.get("/v1/scorecard", params={"group_by": "kind", "format": "csv"}),
        ledger.get("/v1/scorecard", params={"group_by": "kind"},
                   headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["kind"] for row in rows] == ["callback", "delivery"]
        for row, group in zip(rows, as_json["groups"], strict=True):
            assert int(row["total"]) == group["total"]
            assert int(row["broken"]) == group["broken"]
            assert (float(row["keep_rate"]) if row["keep_rate"] else None) == group["keep_rate"]
            assert (float(row["lateness_seconds_p90"]) if row["lateness_seconds_p90"]
                    else None) == group["lateness_seconds"]["p90"]
    assert rows[0]["proactive_revision_rate"] == "0.5"
    assert rows[1]["proactive_revision_rate"] == ""
    json_anyway = ledger.get("/v1/scorecard",
                             headers={"Accept": "application/json, text/csv;q=0.5"})
    assert json_anyway.headers["content-type"] == "application/json"


def test_csv_cells_never_start_a_formula(api: Api) -> None:
    created = api.post("/v1/promises", json=promise_body(labels={"carrier": '=HYPERLINK("x")'}))
    assert created.status_code == 201
    response = api.get("/v1/scorecard", params={"group_by": "label:carrier", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["label:carrier"] == "'=HYPERLINK(\"x\")"


def test_grouped_by_policy(api: Api) -> None:
    policy = api.post("/v1/policies", json={"key": "express", "kind": "delivery",
                                            "target": {"calendar_time": "P2D"}})
    assert policy.status_code == 201, policy.text
    for _ in range(2):
        made = api.post("/v1/promises", json={"policy": "express"})
        assert made.status_code == 201, made.text
    api.post("/v1/promises", json=promise_body())
    body = scorecard(api, group_by="policy")
    assert [(g["key"], g["total"], g["pending"]) for g in body["groups"]] == [
        ({"policy": "express"}, 2, 2), ({"policy": None}, 1, 1)]


@pytest.mark.parametrize(("params", "field"), [
    ({"group_by": "colour"}, "query.group_by"),
    ({"group_by": "kind,kind"}, "query.group_by"),
    ({"group_by": "label:"}, "query.group_by"),
    ({"group_by": "kind,policy,customer_id,label:a,label:b"}, "query.group_by"),
    ({"bucket": "year"}, "query.bucket"),
    ({"time_field": "paid"}, "query.time_field"),
    ({"timezone": "Mars/Olympus"}, "query.timezone"),
    ({"from": "2026-11-01T00:00:00"}, "query.from"),
    ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "query.to"),
    ({"format": "xml"}, "query.format"),
    ({"bucket": "day", "from": "1990-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
     "query.bucket"),
    ({"colour": "red"}, "query.colour"),
    ({"status": "lost"}, "query.status"),
])
def test_bad_queries_are_422_naming_the_field(api: Api, params: dict[str, str],
                                              field: str) -> None:
    response = api.get("/v1/scorecard", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_scopes_and_tenants(ledger: Ledger, api: Api, tenant: Tenant) -> None:
    empty = scorecard(api)   # another tenant sees none of the ledger
    assert empty["groups"] == []
    assert empty["totals"]["total"] == 0
    assert empty["totals"]["keep_rate"] is None
    assert empty["totals"]["lateness_seconds"] == {"mean": None, "p50": None, "p90": None,
                                                   "max": None}
    writer = Api(api.client, tenant.keys["write"])
    assert writer.get("/v1/scorecard").status_code == 403
    assert api.client.get("/v1/scorecard").status_code == 401
