"""Calendars over HTTP: the resource, its validation problems, and business-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.calendars import service
from api.db import Database
from api.ids import new_id
from api.models import Policy, Promise
from api.problems import NotFound
from tests.builders import promise_body
from tests.conftest import Api, Tenant, TenantFactory

WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def calendar_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"berlin-office-{new_id('x')[-8:]}",
        "timezone": "Europe/Berlin",
        "weekly_hours": WEEKDAYS_9_TO_5,
        "country": "DE",
    }
    body.update(overrides)
    return body


def create(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post("/v1/calendars", json=calendar_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def patch(api: Api, url: str, body: dict[str, Any]) -> Response:
    response: Response = api.client.patch(url, headers=api.headers, json=body)
    return response


def delete(api: Api, url: str) -> Response:
    response: Response = api.client.delete(url, headers=api.headers)
    return response


def problem_field(response: Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    field: str = response.json()["errors"][0]["field"]
    return field


# -- the resource -------------------------------------------------------------------------------


def test_create_read_list_change_and_delete(api: Api) -> None:
    response = api.post("/v1/calendars", json=calendar_body(
        name="Support", subdivision="BY", closed_dates=["2026-12-31", "2026-12-24", "2026-12-24"],
        open_dates=["2027-01-06"]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"].startswith("cal_")
    assert response.headers["location"].endswith(f"/v1/calendars/{created['id']}")
    assert created["name"] == "Support"
    assert (created["country"], created["subdivision"]) == ("DE", "BY")
    assert created["closed_dates"] == ["2026-12-24", "2026-12-31"]
    assert created["open_dates"] == ["2027-01-06"]
    assert created["weekly_hours"] == {**WEEKDAYS_9_TO_5, "sat": [], "sun": []}
    assert created["created_at"].endswith("Z")

    url = f"/v1/calendars/{created['id']}"
    read = api.get(url)
    assert read.json() == created
    assert api.get(url, headers={"If-None-Match": read.headers["etag"]}).status_code == 304
    assert [c["id"] for c in api.get("/v1/calendars").json()["data"]] == [created["id"]]

    changed = patch(api, url, {"name": "Support desk", "closed_dates": ["2027-01-02"]})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**created, "name": "Support desk", "closed_dates": ["2027-01-02"],
                              "updated_at": changed.json()["updated_at"]}
    assert api.get(url).json()["name"] == "Support desk"
    assert api.get(url, headers={"If-None-Match": read.headers["etag"]}).status_code == 200

    assert delete(api, url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get("/v1/calendars").json()["data"] == []


def test_weekly_hours_come_back_in_weekday_order_with_intervals_sorted(api: Api) -> None:
    created = create(api, weekly_hours={
        "sat": [["10:00", "14:00"]],
        "mon": [["13:30", "18:00"], ["09:00", "12:30"]],
        "fri": [["22:00", "06:00"]],
        "sun": [],
    })
    assert list(created["weekly_hours"]) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert created["weekly_hours"]["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
    assert created["weekly_hours"]["fri"] == [["22:00", "06:00"]]


def test_list_pages_with_a_cursor_and_a_link_header(api: Api) -> None:
    ids = [create(api)["id"] for _ in range(3)]
    first = api.get("/v1/calendars", params={"limit": 2})
    page = first.json()
    assert [c["id"] for c in page["data"]] == ids[:2]
    assert 'rel="next"' in first.headers["link"]
    second = api.get("/v1/calendars", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [c["id"] for c in second["data"]] == ids[2:]
    assert second["next_cursor"] is None
    assert api.get("/v1/calendars", params={"cursor": "nonsense!"}).status_code == 422


def test_patch_changes_only_the_fields_given(api: Api) -> None:
    created = create(api, subdivision="BY")
    url = f"/v1/calendars/{created['id']}"
    assert patch(api, url, {}).json() == created
    moved = patch(api, url, {"timezone": "Europe/Paris", "country": "FR", "subdivision": None})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["timezone"], moved.json()["country"]) == ("Europe/Paris", "FR")
    assert moved.json()["subdivision"] is None
    assert moved.json()["weekly_hours"] == created["weekly_hours"]
    hours = patch(api, url, {"weekly_hours": {"sat": [["10:00", "12:00"]]}}).json()
    assert hours["weekly_hours"]["sat"] == [["10:00", "12:00"]]
    assert hours["weekly_hours"]["mon"] == []


def test_clearing_the_country_clears_its_subdivision(api: Api) -> None:
    created = create(api, subdivision="BY")
    cleared = patch(api, f"/v1/calendars/{created['id']}", {"country": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["country"], cleared.json()["subdivision"]) == (None, None)


def test_a_refused_patch_changes_nothing(api: Api) -> None:
    created = create(api)
    url = f"/v1/calendars/{created['id']}"
    refused = patch(api, url, {"name": "Renamed", "weekly_hours": {"mon": [["09:00", "25:00"]]}})
    assert problem_field(refused) == "body.weekly_hours.mon[0]"
    assert problem_field(patch(api, url, {"name": None})) == "body.name"
    assert problem_field(patch(api, url, {"colour": "red"})) == "body.colour"
    assert api.get(url).json() == created


def test_scopes(app_client: TestClient, tenant: Tenant) -> None:
    reader = Api(app_client, tenant.keys["read"])
    writer = Api(app_client, tenant.keys["write"])
    admin = Api(app_client, tenant.keys["admin"])
    assert reader.post("/v1/calendars", json=calendar_body()).status_code == 403
    created = create(writer)
    url = f"/v1/calendars/{created['id']}"
    assert writer.get(url).status_code == 403
    assert reader.get(url).status_code == 200
    assert patch(reader, url, {"name": "x"}).status_code == 403
    assert delete(reader, url).status_code == 403
    assert app_client.get("/v1/calendars").status_code == 401
    assert delete(admin, url).status_code == 204


def test_another_tenants_calendar_is_404(app_client: TestClient,
                                        make_tenant: TenantFactory) -> None:
    a = Api(app_client, make_tenant().keys["rw"])
    b = Api(app_client, make_tenant().keys["rw"])
    theirs = create(b, name="Shared name")
    url = f"/v1/calendars/{theirs['id']}"
    assert a.get(url).status_code == 404
    assert a.get(url).headers["content-type"] == "application/problem+json"
    assert patch(a, url, {"name": "mine now"}).status_code == 404
    assert delete(a, url).status_code == 404
    window = {"from": "2026-12-18T09:00:00Z", "to": "2026-12-19T09:00:00Z"}
    assert a.get(f"{url}/business-time", params=window).status_code == 404
    assert a.get(f"{url}/add", params={"start": "2026-12-18T09:00:00Z",
                                       "duration": "PT1H"}).status_code == 404
    assert a.get("/v1/calendars").json()["data"] == []
    # Names are unique per tenant only.
    assert create(a, name="Shared name")["id"] != theirs["id"]
    assert b.get(url).json()["name"] == "Shared name"


def test_duplicate_names_are_409(api: Api) -> None:
    first = create(api, name="Returns desk")
    again = api.post("/v1/calendars", json=calendar_body(name="Returns desk"))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["calendar_id"] == first["id"]
    other = create(api, name="Warehouse")
    renamed = patch(api, f"/v1/calendars/{other['id']}", {"name": "Returns desk"})
    assert renamed.status_code == 409
    # Renaming a calendar to its own name is no conflict.
    assert patch(api, f"/v1/calendars/{first['id']}", {"name": "Returns desk"}).status_code == 200


def test_a_calendar_a_policy_uses_cannot_be_deleted(api: Api, tenant: Tenant,
                                                    database: Database) -> None:
    created = create(api)
    with database.session() as session:
        session.add(Policy(tenant_id=tenant.id, id=new_id("pol"), key="refunds", version=1,
                           calendar_id=created["id"], target={}, terms={},
                           created_at=datetime.now(UTC)))
        session.commit()
    refused = delete(api, f"/v1/calendars/{created['id']}")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["policies"], refused.json()["promises"]) == (1, 0)
    assert api.get(f"/v1/calendars/{created['id']}").status_code == 200


def test_a_calendar_a_promise_uses_cannot_be_deleted(api: Api, tenant: Tenant,
                                                     database: Database) -> None:
    created = create(api)
    promise_id = api.post("/v1/promises", json=promise_body()).json()["id"]
    with database.session() as session:
        promise = session.get(Promise, (tenant.id, promise_id))
        assert promise is not None
        promise.calendar_id = created["id"]
        session.add(promise)
        session.commit()
    refused = delete(api, f"/v1/calendars/{created['id']}")
    assert refused.status_code == 409
    assert (refused.json()["policies"], refused.json()["promises"]) == (0, 1)


def test_idempotency_key_replays_a_create(api: Api) -> None:
    body = calendar_body()
    headers = {"Idempotency-Key": "calendar-1"}
    first = api.post("/v1/calendars", json=body, headers=headers)
    again = api.post("/v1/calendars", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


# -- validation problems ------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "field"), [
    ({"timezone": "Mars/Olympus_Mons"}, "body.timezone"),
    ({"country": "XX"}, "body.country"),
    ({"country": "de"}, "body.country"),
    ({"subdivision": "ZZ"}, "body.subdivision"),
    ({"country": None, "subdivision": "BY"}, "body.subdivision"),
    ({"weekly_hours": {"mon": [["09:00", "25:00"]]}}, "body.weekly_hours.mon[0]"),
    ({"weekly_hours": {"mon": [["09:00", "12:00"], ["9am", "5pm"]]}},
     "body.weekly_hours.mon[1]"),
    ({"weekly_hours": {"mon": [["09:00", "17:00", "18:00"]]}}, "body.weekly_hours.mon[0]"),
    ({"weekly_hours": {"tue": [["09:00", "13:00"], ["12:00", "17:00"]]}},
     "body.weekly_hours.tue[1]"),
    ({"weekly_hours": {"sun": [["22:00", "06:00"]], "mon": [["05:00", "09:00"]]}},
     "body.weekly_hours.mon[0]"),
    ({"weekly_hours": {"mon": [["09:00", "09:00"]]}}, "body.weekly_hours.mon[0]"),
    ({"weekly_hours": {"monday": [["09:00", "17:00"]]}}, "body.weekly_hours.monday"),
    ({"weekly_hours": {}}, "body.weekly_hours"),
    ({"weekly_hours": {"mon": [], "sat": []}}, "body.weekly_hours"),
    ({"weekly_hours": {"mon": "09:00-17:00"}}, "body.weekly_hours.mon"),
    ({"closed_dates": ["2026-02-30"]}, "body.closed_dates[0]"),
    ({"closed_dates": ["24.12.2026"]}, "body.closed_dates[0]"),
    ({"closed_dates": ["2026-12-24"] * 1001}, "body.closed_dates"),
    ({"open_dates": ["2026-12-24"], "closed_dates": ["2026-12-24"]}, "body.open_dates[0]"),
    ({"open_dates": ["2026-12-26"]}, "body.open_dates[0]"),
    ({"open_dates": ["2027-05-17", "2026-12-26"]}, "body.open_dates[1]"),
    ({"name": ""}, "body.name"),
    ({"name": "x" * 101}, "body.name"),
    ({"colour": "red"}, "body.colour"),
])
def test_an_unusable_calendar_is_a_422_naming_its_field(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    assert problem_field(api.post("/v1/calendars", json=calendar_body(**overrides))) == field


def test_problems_explain_themselves(api: Api) -> None:
    zone = api.post("/v1/calendars", json=calendar_body(timezone="Mars/Olympus_Mons")).json()
    assert "Mars/Olympus_Mons" in zone["errors"][0]["message"]
    country = api.post("/v1/calendars", json=calendar_body(country="de")).json()
    assert "'DE'" in country["errors"][0]["message"]
    subdivision = api.post("/v1/calendars", json=calendar_body(subdivision="ZZ")).json()
    assert "BY" in subdivision["errors"][0]["message"]
    never = api.post("/v1/calendars", json=calendar_body(weekly_hours={})).json()
    assert "never open" in never["errors"][0]["message"]


# -- business-time arithmetic -------------------------------------------------------------------


def add(api: Api, calendar_id: str, start: str, duration: str) -> Response:
    response: Response = api.get(f"/v1/calendars/{calendar_id}/add",
                                 params={"start": start, "duration": duration})
    return response


def between(api: Api, calendar_id: str, start: str, end: str) -> Response:
    response: Response = api.get(f"/v1/calendars/{calendar_id}/business-time",
                                 params={"from": start, "to": end})
    return response


def test_two_business_hours_from_friday_afternoon_end_on_monday_morning(api: Api) -> None:
    calendar_id = create(api)["id"]
    response = add(api, calendar_id, "2026-12-18T16:30:00+01:00", "PT2H")
    assert response.status_code == 200, response.text
    assert response.json() == {"start": "2026-12-18T15:30:00Z", "duration": "PT2H",
                               "result": "2026-12-21T09:30:00Z"}  # Monday 10:30 in Berlin


def test_a_public_holiday_on_monday_is_skipped(api: Api) -> None:
    calendar_id = create(api)["id"]
    # Whit Monday, 17 May 2027: Friday 16:30 + 2 h = 30 min on Friday, 90 on Tuesday.
    whitsun = add(api, calendar_id, "2027-05-14T16:30:00+02:00", "PT2H").json()
    assert whitsun["result"] == "2027-05-18T08:30:00Z"  # Tuesday 10:30 CEST
    # Good Friday and Easter Monday 2027, with the change to summer time between them.
    easter = add(api, calendar_id, "2027-03-25T16:30:00+01:00", "PT2H").json()
    assert easter["result"] == "2027-03-30T08:30:00Z"  # Tuesday 10:30 CEST


def test_without_a_country_holidays_are_working_days(api: Api) -> None:
    calendar_id = create(api, country=None)["id"]
    result = add(api, calendar_id, "2027-05-14T16:30:00+02:00", "PT2H").json()["result"]
    assert result == "2027-05-17T08:30:00Z"  # Whit Monday 10:30 CEST


def test_open_dates_reopen_a_holiday_and_closed_dates_close_a_day(api: Api) -> None:
    reopened = create(api, open_dates=["2027-05-17"])["id"]
    assert add(api, reopened, "2027-05-14T16:30:00+02:00",
               "PT2H").json()["result"] == "2027-05-17T08:30:00Z"
    closed = create(api, closed_dates=["2026-12-21"])["id"]
    assert add(api, closed, "2026-12-18T16:30:00+01:00",
               "PT2H").json()["result"] == "2026-12-22T09:30:00Z"


def test_business_time_across_a_weekend_and_holidays(api: Api) -> None:
    calendar_id = create(api)["id"]
    # Thursday 16:00 to Tuesday 10:00 across Good Friday, the weekend and Easter Monday.
    response = between(api, calendar_id, "2027-03-25T16:00:00+01:00",
                       "2027-03-30T10:00:00+02:00")
    assert response.status_code == 200, response.text
    assert response.json() == {"from": "2027-03-25T15:00:00Z", "to": "2027-03-30T08:00:00Z",
                               "business_seconds": 7200.0, "business_time": "PT2H"}
    backwards = between(api, calendar_id, "2027-03-30T10:00:00+02:00",
                        "2027-03-25T16:00:00+01:00").json()
    assert (backwards["business_seconds"], backwards["business_time"]) == (-7200.0, "-PT2H")


def test_regional_holidays_follow_the_subdivision(api: Api) -> None:
    # Epiphany (Wednesday 6 January 2027) is a holiday in Bavaria, not in Berlin.
    bavaria = create(api, subdivision="BY")["id"]
    berlin = create(api, subdivision="BE")["id"]
    week = ("2027-01-04T00:00:00+01:00", "2027-01-09T00:00:00+01:00")
    assert between(api, bavaria, *week).json()["business_time"] == "P1DT8H"  # 4 × 8 h
    assert between(api, berlin, *week).json()["business_time"] == "P1DT16H"  # 5 × 8 h


def test_a_calendar_that_never_opens_again_is_a_422(api: Api) -> None:
    # Open on Sundays only, and every Sunday of more than ten years closed.
    first = date(2026, 1, 4)
    sundays = [(first + timedelta(weeks=n)).isoformat() for n in range(540)]
    calendar_id = create(api, weekly_hours={"sun": [["10:00", "12:00"]]}, country=None,
                         closed_dates=sundays)["id"]
    response = add(api, calendar_id, "2026-01-01T00:00:00Z", "PT1H")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "never opens" in response.json()["detail"]


def test_a_duration_beyond_the_supported_years_is_a_422(api: Api) -> None:
    calendar_id = create(api, weekly_hours={"mon": [["09:00", "09:01"]]})["id"]
    assert problem_field(add(api, calendar_id, "2026-01-01T00:00:00Z", "P3000D")) == (
        "query.duration")


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-12-18T09:00:00", "to": "2026-12-19T09:00:00Z"}, "query.from"),
    ({"from": "2026-12-18T09:00:00Z", "to": "tomorrow"}, "query.to"),
    ({"from": "2026-12-18T09:00:00Z"}, "query.to"),
    ({"from": "2006-12-18T09:00:00Z", "to": "2026-12-19T09:00:00Z"}, "query.to"),
])
def test_business_time_refuses_bad_queries(
    api: Api, params: dict[str, str], field: str
) -> None:
    calendar_id = create(api)["id"]
    response = api.get(f"/v1/calendars/{calendar_id}/business-time", params=params)
    assert problem_field(response) == field


@pytest.mark.parametrize(("params", "field"), [
    ({"start": "2026-12-18T09:00:00", "duration": "PT1H"}, "query.start"),
    ({"start": "2026-12-18T09:00:00Z", "duration": "2 hours"}, "query.duration"),
    ({"start": "2026-12-18T09:00:00Z", "duration": "P1M"}, "query.duration"),
    ({"start": "2026-12-18T09:00:00Z"}, "query.duration"),
])
def test_add_refuses_bad_queries(api: Api, params: dict[str, str], field: str) -> None:
    calendar_id = create(api)["id"]
    response = api.get(f"/v1/calendars/{calendar_id}/add", params=params)
    assert problem_field(response) == field


def test_a_missing_offset_says_so_and_an_unencoded_plus_is_explained(api: Api) -> None:
    calendar_id = create(api)["id"]
    naive = add(api, calendar_id, "2026-12-18T09:00:00", "PT1H").json()
    assert "no UTC offset" in naive["errors"][0]["message"]
    raw = api.get(f"/v1/calendars/{calendar_id}/add?start=2026-12-18T09:00:00+01:00"
                  "&duration=PT1H")
    assert "%2B" in raw.json()["errors"][0]["message"]


# -- what other services call -------------------------------------------------------------------


def test_find_calendar_by_id_or_name_within_the_tenant(
    api: Api, tenant: Tenant, make_tenant: TenantFactory, database: Database
) -> None:
    created = create(api, name="Night shift")
    other = make_tenant()
    with database.session() as session:
        by_id = service.find_calendar(session, tenant.id, created["id"])
        assert by_id is not None and by_id.name == "Night shift"
        by_name = service.find_calendar(session, tenant.id, "Night shift")
        assert by_name is not None and by_name.id == created["id"]
        assert service.find_calendar(session, tenant.id, "Day shift") is None
        assert service.find_calendar(session, other.id, created["id"]) is None
        assert service.find_calendar(session, other.id, "Night shift") is None
        with pytest.raises(NotFound):
            service.get_calendar(session, other.id, created["id"])


def test_business_calendar_of_merges_public_holidays_and_own_dates(
    api: Api, tenant: Tenant, database: Database
) -> None:
    created = create(api, closed_dates=["2026-12-23"], open_dates=["2027-05-17"])
    with database.session() as session:
        row = service.get_calendar(session, tenant.id, created["id"])
    calendar = service.business_calendar_of(row, datetime(2026, 6, 1, tzinfo=UTC))
    assert calendar.timezone == "Europe/Berlin"
    # Holidays from the year before to three years after, plus the tenant's own dates.
    assert {date(2025, 12, 25), date(2026, 12, 23), date(2029, 12, 25)} <= calendar.closed_dates
    assert date(2024, 12, 25) not in calendar.closed_dates
    assert date(2030, 12, 25) not in calendar.closed_dates
    assert calendar.open_dates == frozenset({date(2027, 5, 17)})
    assert set(calendar.weekly_hours) == {0, 1, 2, 3, 4}
