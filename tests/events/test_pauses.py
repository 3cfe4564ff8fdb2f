"""Pause and resume: the clock stops while waiting on the customer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.builders import iso, now, promise_body
from tests.conftest import Api

BERLIN_HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def _post(api: Api, promise_id: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"/v1/promises/{promise_id}/events", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["promise"])


def test_a_finished_pause_moves_due_later_by_the_paused_time(api: Api) -> None:
    moment = now()
    promise = api.post("/v1/promises", json=promise_body(
        at=moment, made_ago=timedelta(days=2), due_in=timedelta(hours=-1))).json()
    assert promise["status"] == "broken"
    _post(api, promise["id"], type="paused", occurred_at=iso(moment - timedelta(days=1)))
    after = _post(api, promise["id"], type="resumed",
                  occurred_at=iso(moment - timedelta(hours=21)))
    assert after["paused_seconds"] == 3 * 3600
    assert after["due_at"] == iso(moment + timedelta(hours=2))
    assert after["original_due_at"] == promise["due_at"]
    assert after["status"] == "at_risk"


def test_while_paused_the_clock_stands_still(api: Api) -> None:
    moment = now()
    promise = api.post("/v1/promises", json=promise_body(
        at=moment, made_ago=timedelta(hours=10), due_in=timedelta(hours=1))).json()
    paused = _post(api, promise["id"], type="paused",
                   occurred_at=iso(moment - timedelta(hours=1)))
    # At risk from 8.8 h after making; paused at 9 h with two hours to go: two hours remain
    # for as long as the pause lasts.
    assert paused["status"] == "at_risk"
    assert paused["paused_since"] == iso(moment - timedelta(hours=1))
    assert paused["time_remaining_seconds"] == 2 * 3600
    statuses = api.get("/v1/promises", params={"status": "at_risk",
                                               "external_id": promise["external_id"]}).json()
    assert len(statuses["data"]) == 1
    broken = api.get("/v1/promises", params={"status": "broken",
                                             "external_id": promise["external_id"]}).json()
    assert broken["data"] == []


def test_a_pause_never_hides_a_breach(api: Api) -> None:
    moment = now()
    promise = api.post("/v1/promises", json=promise_body(
        at=moment, made_ago=timedelta(days=3), due_in=timedelta(days=-1))).json()
    paused = _post(api, promise["id"], type="paused", occurred_at=iso(moment))
    assert (paused["status"], paused["broken_reason"]) == ("broken", "overdue")
    resumed = _post(api, promise["id"], type="resumed",
                    occurred_at=iso(moment + timedelta(minutes=1)))
    assert resumed["due_at"] == promise["due_at"]


def test_pauses_in_any_order_give_the_same_answer(api: Api) -> None:
    moment = now()
    events = [
        {"type": "paused", "occurred_at": iso(moment - timedelta(hours=30))},
        {"type": "paused", "occurred_at": iso(moment - timedelta(hours=29))},  # repeated
        {"type": "resumed", "occurred_at": iso(moment - timedelta(hours=28))},
        {"type": "resumed", "occurred_at": iso(moment - timedelta(hours=27))},  # repeated
        {"type": "paused", "occurred_at": iso(moment - timedelta(hours=10))},
        {"type": "resumed", "occurred_at": iso(moment - timedelta(hours=9))},
    ]
    answers = set()
    for order in (events, events[::-1], events[3:] + events[:3]):
        promise = api.post("/v1/promises", json=promise_body(
            at=moment, made_ago=timedelta(days=2), due_in=timedelta(hours=-2))).json()
        for body in order:
            _post(api, promise["id"], **body)
        final = api.get(f"/v1/promises/{promise['id']}").json()
        answers.add((final["due_at"], final["paused_seconds"], final["status"]))
    assert answers == {(iso(moment + timedelta(hours=1)), 3 * 3600.0, "at_risk")}


def test_business_time_pauses_count_only_open_hours(api: Api) -> None:
    api.post("/v1/calendars", json={"name": "office", "timezone": "Europe/Berlin",
                                    "weekly_hours": BERLIN_HOURS})
    api.post("/v1/policies", json={"key": "reply", "kind": "reply", "calendar": "office",
                                   "target": {"business_time": "PT8H"}})
    # Made Monday 2 Nov 2026 09:00 Berlin: due the same day at 17:00.
    promise = api.post("/v1/promises", json={
        "policy": "reply", "made_at": "2026-11-02T09:00:00+01:00"}).json()
    assert promise["due_at"] == "2026-11-02T16:00:00Z"
    # Waiting on the customer from Monday 16:00 to Tuesday 10:00 Berlin: 2 business hours.
    _post(api, promise["id"], type="paused", occurred_at="2026-11-02T16:00:00+01:00")
    after = _post(api, promise["id"], type="resumed", occurred_at="2026-11-03T10:00:00+01:00")
    assert after["paused_seconds"] == 2 * 3600
    assert after["due_at"] == "2026-11-03T10:00:00Z"  # Tuesday 11:00 Berlin
    done = _post(api, promise["id"], type="fulfilled", occurred_at="2026-11-03T10:30:00+01:00")
    assert done["status"] == "met"
    assert done["business_earliness_seconds"] == 1800


def test_pause_after_the_end_is_refused(api: Api) -> None:
    promise = api.post("/v1/promises", json=promise_body()).json()
    _post(api, promise["id"], type="fulfilled", occurred_at=iso(now() - timedelta(hours=1)))
    response = api.post(f"/v1/promises/{promise['id']}/events",
                        json={"type": "paused", "occurred_at": iso(now())})
    assert response.status_code == 409
