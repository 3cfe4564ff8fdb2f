"""Policies through the API: versions, quotes, promises made under a policy, overrides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import promise_body
from tests.conftest import Api

BERLIN_HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# Friday 22 May 2026, 16:30 in Berlin; Monday 25 May is Whit Monday, a public holiday.
FRIDAY_1630 = "2026-05-22T16:30:00+02:00"
TUESDAY_1030 = "2026-05-26T08:30:00Z"


@pytest.fixture
def support(api: Api) -> dict[str, Any]:
    calendar = api.post("/v1/calendars", json={
        "name": "berlin-support", "timezone": "Europe/Berlin", "weekly_hours": BERLIN_HOURS,
        "country": "DE"})
    assert calendar.status_code == 201, calendar.text
    policy = api.post("/v1/policies", json={
        "key": "support-reply", "kind": "reply", "calendar": "berlin-support",
        "target": {"business_time": "PT2H"}, "grace": "PT15M"})
    assert policy.status_code == 201, policy.text
    return {"calendar": calendar.json(), "policy": policy.json()}


def test_quote_counts_business_hours_across_a_holiday(api: Api, support: dict[str, Any]) -> None:
    quote = api.post("/v1/policies/support-reply/quote", json={"made_at": FRIDAY_1630})
    assert quote.status_code == 200, quote.text
    assert quote.json() | {"calendar_id": None} == {
        "policy": "support-reply", "policy_version": 1, "made_at": "2026-05-22T14:30:00Z",
        "due_at": TUESDAY_1030, "window_start": None, "precision": "instant",
        "calendar_id": None}


def test_a_promise_made_under_a_policy_gets_its_terms(api: Api, support: dict[str, Any]) -> None:
    created = api.post("/v1/promises", json={
        "external_id": "ticket-1", "policy": "support-reply", "made_at": FRIDAY_1630})
    assert created.status_code == 201, created.text
    promise = created.json()
    assert promise["kind"] == "reply"
    assert promise["due_at"] == TUESDAY_1030
    assert promise["grace"] == "PT15M"
    assert (promise["policy"], promise["policy_version"]) == ("support-reply", 1)
    assert promise["calendar_id"] == support["calendar"]["id"]
    assert promise["overrides"] == []
    # Replied on Tuesday at 10:40 Berlin: 10 minutes late, within grace.
    replied = api.post(f"/v1/promises/{promise['id']}/events", json={
        "type": "fulfilled", "occurred_at": "2026-05-26T10:40:00+02:00"}).json()["promise"]
    assert replied["status"] == "met"
    assert replied["lateness_seconds"] == 600
    assert replied["business_lateness_seconds"] == 600


def test_explicit_terms_override_the_policy(api: Api, support: dict[str, Any]) -> None:
    promise = api.post("/v1/promises", json={
        "policy": "support-reply", "made_at": FRIDAY_1630, "grace": "PT1H",
        "kind": "callback"}).json()
    assert promise["grace"] == "PT1H"
    assert promise["kind"] == "callback"
    assert sorted(promise["overrides"]) == ["grace", "kind"]
    assert promise["due_at"] == TUESDAY_1030


def test_editing_a_policy_adds_a_version_and_promises_keep_theirs(
    api: Api, support: dict[str, Any]
) -> None:
    before = api.post("/v1/promises", json={"policy": "support-reply",
                                            "made_at": FRIDAY_1630}).json()
    edited = api.post("/v1/policies", json={
        "key": "support-reply", "kind": "reply", "calendar": "berlin-support",
        "target": {"business_time": "PT4H"}})
    assert edited.status_code == 201
    assert edited.json()["version"] == 2
    unchanged = api.post("/v1/policies", json={
        "key": "support-reply", "kind": "reply", "calendar": "berlin-support",
        "target": {"business_time": "PT4H"}})
    assert (unchanged.status_code, unchanged.json()["version"]) == (200, 2)
    after = api.post("/v1/promises", json={"policy": "support-reply",
                                           "made_at": FRIDAY_1630}).json()
    assert after["policy_version"] == 2
    assert after["due_at"] == "2026-05-26T10:30:00Z"
    assert api.get(f"/v1/promises/{before['id']}").json()["policy_version"] == 1
    assert api.get("/v1/policies/support-reply").json()["version"] == 2
    assert api.get("/v1/policies/support-reply", params={"version": 1}).json()["target"] == {
        "calendar_time": None, "business_time": "PT2H", "business_days": None, "by": None}
    assert [p["key"] for p in api.get("/v1/policies").json()["data"]] == ["support-reply"]


def test_business_days_by_a_time_of_day_with_a_window(api: Api, support: dict[str, Any]) -> None:
    api.post("/v1/policies", json={
        "key": "standard-shipping", "kind": "delivery", "calendar": "berlin-support",
        "target": {"business_days": 5, "by": "17:00"}, "window": {"business_days": 2}})
    quote = api.post("/v1/policies/standard-shipping/quote",
                     json={"made_at": FRIDAY_1630}).json()
    # Five business days after Friday 22 May, skipping Whit Monday (Tue 26, Wed 27, Thu 28,
    # Fri 29, Mon 1 June): Monday 1 June, 17:00.
    assert quote["due_at"] == "2026-06-01T15:00:00Z"
    # The window opens two business days before: Thursday 28 May at 09:00.
    assert quote["window_start"] == "2026-05-28T07:00:00Z"


def test_calendar_time_policies_need_no_calendar(api: Api) -> None:
    created = api.post("/v1/policies", json={"key": "three-days", "kind": "delivery",
                                             "target": {"calendar_time": "P3D"}})
    assert created.status_code == 201, created.text
    promise = api.post("/v1/promises", json={
        "policy": "three-days", "made_at": "2026-11-01T10:00:00Z"}).json()
    assert promise["due_at"] == "2026-11-04T10:00:00Z"


@pytest.mark.parametrize(("body", "field"), [
    ({"target": {"business_time": "PT2H"}}, "body.calendar"),
    ({"target": {"calendar_time": "P1D", "business_days": 2}}, "body.target"),
    ({"target": {"calendar_time": "P1D"}, "calendar": "nowhere"}, "body.calendar"),
    ({"target": {"calendar_time": "P1D", "by": "17:00"}}, "body.target.by"),
    ({"target": {"calendar_time": "P1D"}, "exceed_margin": "PT1H", "exceed_ratio": 0.1},
     "body"),
    ({"target": {"calendar_time": "P1D"}, "window": {"business_days": 2}}, "body.calendar"),
    ({"target": {"calendar_time": "P1M"}}, "body.target.calendar_time"),
])
def test_bad_policies_are_422_naming_the_field(api: Api, body: dict[str, Any],
                                               field: str) -> None:
    response = api.post("/v1/policies", json={"key": "bad", **body})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_unknown_policy_and_missing_terms(api: Api) -> None:
    unknown = api.post("/v1/promises", json={"policy": "nope", "kind": "delivery"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.policy"
    body = promise_body()
    del body["due_at"]
    missing = api.post("/v1/promises", json=body)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.due_at"
    assert api.post("/v1/policies/nope/quote", json={}).status_code == 404
