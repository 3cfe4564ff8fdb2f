"""Events through the API: scoring after each event, logs, idempotency, refusals, batches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.builders import iso, now, promise_body
from tests.conftest import Api


def _promise(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post("/v1/promises", json=promise_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _event(api: Api, promise_id: str, **body: Any) -> Any:
    return api.post(f"/v1/promises/{promise_id}/events", json=body)


def test_fulfilment_scores_the_promise(api: Api) -> None:
    promise = _promise(api, made_ago=timedelta(days=2), due_in=timedelta(days=8))
    response = _event(api, promise["id"], type="fulfilled", occurred_at=iso(now()))
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["id"].startswith("evt_")
    assert event["promise"]["status"] == "exceeded"
    assert event["promise"]["exceeded_reason"] == "early"
    assert event["promise"]["earliness_seconds"] > 0
    assert api.get(f"/v1/promises/{promise['id']}").json()["status"] == "exceeded"


def test_late_fulfilment_is_broken_late(api: Api) -> None:
    promise = _promise(api, made_ago=timedelta(days=5), due_in=timedelta(days=-2))
    result = _event(api, promise["id"], type="fulfilled", occurred_at=iso(now())).json()
    assert (result["promise"]["status"], result["promise"]["broken_reason"]) == ("broken", "late")
    assert abs(result["promise"]["lateness_seconds"] - 2 * 86400) < 5


def test_cancellations(api: Api) -> None:
    by_customer = _promise(api)
    by_business = _promise(api)
    void = _event(api, by_customer["id"], type="cancelled", by="customer",
                  occurred_at=iso(now())).json()["promise"]
    broken = _event(api, by_business["id"], type="cancelled", by="business",
                    occurred_at=iso(now())).json()["promise"]
    assert void["status"] == "void"
    assert (broken["status"], broken["broken_reason"]) == ("broken", "cancelled")


def test_cancelling_a_fulfilled_promise_is_a_conflict(api: Api) -> None:
    promise = _promise(api)
    _event(api, promise["id"], type="fulfilled", occurred_at=iso(now()))
    response = _event(api, promise["id"], type="cancelled", by="customer",
                      occurred_at=iso(now()))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_revision_by_business_keeps_the_first_promise_view(api: Api) -> None:
    moment = now()
    promise = _promise(api, at=moment, made_ago=timedelta(days=4), due_in=timedelta(days=-1))
    later = iso(moment + timedelta(hours=12))
    revised = _event(api, promise["id"], type="revised", due_at=later, requested_by="business",
                     reason="carrier delay", occurred_at=iso(moment - timedelta(days=2)))
    assert revised.status_code == 201, revised.text
    after = _event(api, promise["id"], type="fulfilled", occurred_at=iso(moment)).json()["promise"]
    assert after["due_at"] == later
    assert after["original_due_at"] == promise["due_at"]
    assert after["revision_count"] == 1
    assert after["status"] == "met"
    assert after["first_promise_status"] == "broken"


def test_revision_by_customer_carries_over_to_the_first_promise(api: Api) -> None:
    moment = now()
    promise = _promise(api, at=moment, made_ago=timedelta(days=4), due_in=timedelta(days=-1))
    _event(api, promise["id"], type="revised", due_at=iso(moment + timedelta(hours=12)),
           requested_by="customer", occurred_at=iso(moment - timedelta(days=2)))
    after = _event(api, promise["id"], type="fulfilled", occurred_at=iso(moment)).json()["promise"]
    assert (after["status"], after["first_promise_status"]) == ("met", "met")


def test_extra_turns_met_into_exceeded(api: Api) -> None:
    promise = _promise(api, made_ago=timedelta(days=9), due_in=timedelta(days=1))
    _event(api, promise["id"], type="extra", note="free upgrade", occurred_at=iso(now()))
    after = _event(api, promise["id"], type="fulfilled", occurred_at=iso(now())).json()["promise"]
    assert (after["status"], after["exceeded_reason"]) == ("exceeded", "extra")


def test_event_log_in_order_of_occurrence(api: Api) -> None:
    promise = _promise(api)
    moment = now()
    _event(api, promise["id"], type="note", note="second", occurred_at=iso(moment))
    _event(api, promise["id"], type="note", note="first",
           occurred_at=iso(moment - timedelta(hours=1)))
    log = api.get(f"/v1/promises/{promise['id']}/events").json()["data"]
    assert [e["note"] for e in log] == ["first", "second"]
    assert all(e["recorded_at"].endswith("Z") for e in log)


def test_event_id_makes_posting_idempotent(api: Api) -> None:
    promise = _promise(api)
    body = {"type": "fulfilled", "occurred_at": iso(now()), "event_id": "carrier-42"}
    first = _event(api, promise["id"], **body)
    again = _event(api, promise["id"], **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = _event(api, promise["id"], **{**body, "occurred_at": iso(now() - timedelta(hours=1))})
    assert other.status_code == 409
    assert len(api.get(f"/v1/promises/{promise['id']}/events").json()["data"]) == 1


def test_event_validation_names_fields(api: Api) -> None:
    promise = _promise(api)
    response = _event(api, promise["id"], type="cancelled", occurred_at="2026-01-01T00:00:00")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.occurred_at", "body.by"}
    unknown_type = _event(api, promise["id"], type="exploded", occurred_at=iso(now()))
    assert unknown_type.status_code == 422
    future = _event(api, promise["id"], type="fulfilled",
                    occurred_at=iso(now() + timedelta(days=1)))
    assert future.status_code == 422


def test_revision_must_keep_the_promise_precision(api: Api) -> None:
    promise = _promise(api, due_at="2099-05-01")
    response = _event(api, promise["id"], type="revised", due_at=iso(now()),
                      requested_by="business", occurred_at=iso(now()))
    assert response.status_code == 422
    ok = _event(api, promise["id"], type="revised", due_at="2099-05-03",
                requested_by="business", occurred_at=iso(now()))
    assert ok.json()["promise"]["due_at"] == "2099-05-03"


def test_post_events_by_external_id(api: Api) -> None:
    promise = _promise(api)
    response = api.post("/v1/events", json={"external_id": promise["external_id"],
                                            "type": "fulfilled", "occurred_at": iso(now())})
    assert response.status_code == 201, response.text
    assert response.json()["promise_id"] == promise["id"]
    neither = api.post("/v1/events", json={"type": "fulfilled", "occurred_at": iso(now())})
    assert neither.status_code == 422
    missing = api.post("/v1/events", json={"external_id": "nope", "type": "fulfilled",
                                           "occurred_at": iso(now())})
    assert missing.status_code == 404


def test_event_batch_reports_item_by_item(api: Api) -> None:
    first = _promise(api)
    second = _promise(api)
    items = [
        {"promise_id": first["id"], "type": "fulfilled", "occurred_at": iso(now())},
        {"promise_id": "prm_missing", "type": "fulfilled", "occurred_at": iso(now())},
        {"external_id": second["external_id"], "type": "cancelled", "by": "customer",
         "occurred_at": iso(now())},
        {"promise_id": first["id"], "type": "cancelled", "by": "customer",
         "occurred_at": iso(now())},
        {"promise_id": first["id"], "type": "fulfilled"},
    ]
    response = api.post("/v1/events/batch", json={"items": items})
    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 404, 201, 409, 422]
    assert results[4]["problem"]["errors"][0]["field"] == "items[4].occurred_at"
    assert api.get(f"/v1/promises/{first['id']}").json()["status"] == "exceeded"
    assert api.get(f"/v1/promises/{second['id']}").json()["status"] == "void"


def test_events_arriving_out_of_order_give_the_same_state(api: Api) -> None:
    moment = now()
    events = [
        {"type": "revised", "due_at": iso(moment + timedelta(days=2)), "requested_by": "business",
         "occurred_at": iso(moment - timedelta(days=3))},
        {"type": "revised", "due_at": iso(moment - timedelta(hours=1)),
         "requested_by": "customer", "occurred_at": iso(moment - timedelta(days=2))},
        {"type": "fulfilled", "occurred_at": iso(moment - timedelta(hours=2))},
        {"type": "extra", "occurred_at": iso(moment - timedelta(days=1))},
    ]
    states = []
    for order in (events, list(reversed(events)), [events[2], events[0], events[3], events[1]]):
        promise = _promise(api, at=moment, made_ago=timedelta(days=5), due_in=timedelta(days=-1))
        for body in order:
            assert _event(api, promise["id"], **body).status_code == 201
        final = api.get(f"/v1/promises/{promise['id']}").json()
        states.append({k: final[k] for k in ("status", "broken_reason", "exceeded_reason",
                                             "first_promise_status", "due_at",
                                             "revision_count", "lateness_seconds",
                                             "earliness_seconds")})
    assert states[0] == states[1] == states[2]
