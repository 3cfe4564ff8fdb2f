"""Reading promises: status from the clock, lists, filters, pagination, ETags, orders."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import iso, now, promise_body
from tests.conftest import Api


def test_an_open_promise_past_due_reads_broken_overdue_without_any_job(api: Api) -> None:
    created = api.post("/v1/promises", json=promise_body(
        made_ago=timedelta(days=3), due_in=timedelta(hours=-1))).json()
    assert created["status"] == "broken"
    assert created["broken_reason"] == "overdue"
    assert 3500 < created["lateness_seconds"] < 3700
    listed = api.get("/v1/promises", params={"status": "broken"}).json()["data"]
    assert [p["id"] for p in listed] == [created["id"]]


def test_grace_keeps_a_promise_open_after_due(api: Api) -> None:
    created = api.post("/v1/promises", json=promise_body(
        made_ago=timedelta(days=3), due_in=timedelta(hours=-1), grace="PT2H")).json()
    assert created["status"] == "at_risk"
    assert created["time_remaining_seconds"] < 0


def test_at_risk_after_the_ratio_of_lead_time(api: Api) -> None:
    at_risk = api.post("/v1/promises", json=promise_body(
        made_ago=timedelta(hours=9), due_in=timedelta(hours=1))).json()
    pending = api.post("/v1/promises", json=promise_body(
        made_ago=timedelta(hours=1), due_in=timedelta(hours=9))).json()
    assert (at_risk["status"], pending["status"]) == ("at_risk", "pending")
    statuses = {p["id"]: p["status"] for p in api.get(
        "/v1/promises", params={"status": "at_risk,pending"}).json()["data"]}
    assert statuses == {at_risk["id"]: "at_risk", pending["id"]: "pending"}


def test_filters(api: Api) -> None:
    ups = api.post("/v1/promises", json=promise_body(
        kind="delivery", order_id="o-9", customer_id="c-9",
        labels={"carrier": "ups", "region": "eu"}, due_in=timedelta(days=2))).json()
    dhl = api.post("/v1/promises", json=promise_body(
        kind="callback", labels={"carrier": "dhl"}, due_in=timedelta(days=20))).json()

    def ids(**params: str) -> list[str]:
        response = api.get("/v1/promises", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert ids(**{"label.carrier": "ups"}) == [ups["id"]]
    assert ids(**{"label.carrier": "ups", "label.region": "us"}) == []
    assert ids(kind="callback") == [dhl["id"]]
    assert ids(order_id="o-9") == [ups["id"]]
    assert ids(customer_id="c-9") == [ups["id"]]
    assert ids(external_id=dhl["external_id"]) == [dhl["id"]]
    assert ids(due_before=iso(now() + timedelta(days=10))) == [ups["id"]]
    assert ids(due_after=iso(now() + timedelta(days=10))) == [dhl["id"]]


def test_list_refuses_unknown_parameters_and_bad_values(api: Api) -> None:
    for params in ({"stauts": "met"}, {"status": "kept"}, {"due_before": "tomorrow"},
                   {"limit": "0"}, {"limit": "501"}, {"cursor": "nonsense!"}):
        response = api.get("/v1/promises", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_keyset_pagination_walks_every_promise_once(api: Api) -> None:
    created = [api.post("/v1/promises", json=promise_body()).json()["id"] for _ in range(7)]
    seen: list[str] = []
    url = "/v1/promises?limit=3"
    pages = 0
    while True:
        response = api.get(url)
        page = response.json()
        seen += [p["id"] for p in page["data"]]
        pages += 1
        if page["next_cursor"] is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
        url = f"/v1/promises?limit=3&cursor={page['next_cursor']}"
    assert seen == sorted(created)
    assert pages == 3


def test_etag_and_if_none_match(api: Api) -> None:
    promise = api.post("/v1/promises", json=promise_body(due_in=timedelta(days=400))).json()
    first = api.get(f"/v1/promises/{promise['id']}")
    etag = first.headers["etag"]
    assert api.get(f"/v1/promises/{promise['id']}",
                   headers={"If-None-Match": etag}).status_code in {200, 304}
    # A resolved promise no longer changes with the clock: its ETag is stable.
    api.post(f"/v1/promises/{promise['id']}/events",
             json={"type": "fulfilled", "occurred_at": iso(now())})
    stable = api.get(f"/v1/promises/{promise['id']}")
    not_modified = api.get(f"/v1/promises/{promise['id']}",
                           headers={"If-None-Match": stable.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert api.get(f"/v1/promises/{promise['id']}",
                   headers={"If-None-Match": '"other"'}).status_code == 200


def test_order_promises_lists_every_promise_of_the_order(api: Api) -> None:
    ids = {api.post("/v1/promises", json=promise_body(order_id="order-77", kind=kind)).json()["id"]
           for kind in ("delivery", "refund")}
    api.post("/v1/promises", json=promise_body(order_id="order-78"))
    data = api.get("/v1/orders/order-77/promises").json()["data"]
    assert {p["id"] for p in data} == ids
    assert all("status" in p for p in data)


def test_unknown_promise_is_404_problem(api: Api) -> None:
    response = api.get("/v1/promises/prm_doesnotexist")
    assert response.status_code == 404
    assert response.json()["status"] == 404
