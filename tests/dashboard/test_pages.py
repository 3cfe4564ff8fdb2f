"""The dashboard over HTTP: signing in and out, CSRF, headers, and every page's figures
against the API's scorecard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.dashboard.session import COOKIE_NAME
from tests.builders import iso, now, promise_body
from tests.conftest import Api, Tenant, TenantFactory
from tests.dashboard.conftest import csrf_of, sign_in

PAGES = ("/dashboard", "/dashboard/breakdown", "/dashboard/at-risk", "/dashboard/promises")


def test_pages_need_a_session(visitor: TestClient) -> None:
    for url in PAGES:
        response = visitor.get(url)
        assert response.status_code == 303
        assert response.headers["location"] == "/dashboard/sign-in"


def test_signing_in_sets_a_strict_httponly_cookie_without_the_key(
    visitor: TestClient, tenant: Tenant
) -> None:
    form = visitor.get("/dashboard/sign-in")
    assert form.status_code == 200
    assert "default-src 'self'" in form.headers["content-security-policy"]
    signed = visitor.post("/dashboard/sign-in", data={"key": tenant.keys["read"],
                                                      "csrf_token": csrf_of(form.text)})
    assert signed.status_code == 303
    cookie = next(value for value in signed.headers.get_list("set-cookie")
                  if value.startswith(f"{COOKIE_NAME}="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # served over plain http here; https sets Secure
    assert tenant.keys["read"] not in cookie
    assert tenant.keys["read"][5:] not in cookie
    page = visitor.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"


def test_a_wrong_key_or_a_missing_token_is_refused(visitor: TestClient, tenant: Tenant) -> None:
    form = visitor.get("/dashboard/sign-in")
    wrong = visitor.post("/dashboard/sign-in",
                         data={"key": "kept_nope", "csrf_token": csrf_of(form.text)})
    assert wrong.status_code == 401
    assert "not valid" in wrong.text
    forged = visitor.post("/dashboard/sign-in",
                          data={"key": tenant.keys["read"], "csrf_token": "0" * 64})
    assert forged.status_code == 403
    write_only = visitor.post("/dashboard/sign-in", data={
        "key": tenant.keys["write"], "csrf_token": csrf_of(form.text)})
    assert write_only.status_code == 403
    assert visitor.get("/dashboard").status_code == 303


def test_sign_out_needs_the_csrf_token(visitor: TestClient, tenant: Tenant) -> None:
    sign_in(visitor, tenant.keys["read"])
    page = visitor.get("/dashboard")
    refused = visitor.post("/dashboard/sign-out", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert visitor.get("/dashboard").status_code == 200
    out = visitor.post("/dashboard/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    assert visitor.get("/dashboard").status_code == 303


def test_a_forged_cookie_is_no_session(visitor: TestClient, tenant: Tenant) -> None:
    sign_in(visitor, tenant.keys["read"])
    value = visitor.cookies[COOKIE_NAME]
    body, mac = value.split(".")
    visitor.cookies.clear()
    visitor.cookies.set(COOKIE_NAME, f"{body}.{'0' * len(mac)}", path="/dashboard")
    assert visitor.get("/dashboard").status_code == 303


def _rate(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">\s*<h2>[^<]*</h2>\s*<p class="big" '
                      r'data-value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_the_overview_shows_the_scorecards_figures(
    visitor: TestClient, seeded: Tenant, app_client: TestClient
) -> None:
    sign_in(visitor, seeded.keys["read"])
    page = visitor.get("/dashboard", params={"days": 30})
    assert page.status_code == 200
    period = re.search(r'data-from="([^"]+)" data-to="([^"]+)"', page.text)
    assert period
    start, end = (datetime.fromisoformat(value).astimezone(UTC).isoformat()
                  for value in period.groups())
    api = Api(app_client, seeded.keys["read"])
    card = api.get("/v1/scorecard", params={"from": start, "to": end,
                                            "time_field": "resolved"}).json()["totals"]
    assert card["exceeded"] + card["met"] + card["broken"] == 36
    for name in ("keep_rate", "exceed_rate", "break_rate"):
        assert float(_rate(page.text, name)) == card[name]
    assert _rate(page.text, "decided") == "36"
    assert "<svg" in page.text and "<title>" in page.text
    daily = api.get("/v1/scorecard", params={"from": start, "to": end, "bucket": "day",
                                             "time_field": "resolved"}).json()["groups"]
    for group in daily:
        row = (f'<tr><th scope="row">{group["key"]["bucket"]}</th><td>{group["exceeded"]}'
               f'</td><td>{group["met"]}</td><td>{group["broken"]}</td>')
        assert row in page.text
    assert "Deliveries kept" in page.text


def test_the_breakdown_groups_by_label_and_links_to_promises(
    visitor: TestClient, seeded: Tenant, app_client: TestClient
) -> None:
    sign_in(visitor, seeded.keys["read"])
    page = visitor.get("/dashboard/breakdown", params={"by": "label:carrier",
                                                       "sort": "keep_rate"})
    assert page.status_code == 200
    for carrier in ("dhl", "ups", "fedex"):
        assert f'href="/dashboard/promises?label=carrier%3D{carrier}"' in page.text
    listed = visitor.get("/dashboard/promises", params={"label": "carrier=dhl"})
    assert listed.status_code == 200
    assert listed.text.count("<code>carrier=dhl</code>") == 15
    assert "carrier=ups" not in listed.text
    wrong = visitor.get("/dashboard/breakdown", params={"by": "nonsense"})
    assert wrong.status_code == 200


def test_at_risk_lists_open_promises_soonest_first(
    visitor: TestClient, seeded: Tenant
) -> None:
    sign_in(visitor, seeded.keys["read"])
    page = visitor.get("/dashboard/at-risk")
    assert page.status_code == 200
    seconds = [float(value) for value in re.findall(r'data-seconds="([^"]+)"', page.text)]
    assert len(seconds) == 6
    assert seconds == sorted(seconds)


def test_promises_paginate_and_bad_filters_are_reported(
    visitor: TestClient, seeded: Tenant
) -> None:
    sign_in(visitor, seeded.keys["read"])
    first = visitor.get("/dashboard/promises")
    assert first.status_code == 200
    assert 'rel="next"' not in first.text  # 42 promises: one page of 50
    bad = visitor.get("/dashboard/promises", params={"due_from": "soon", "status": "odd"})
    assert bad.status_code == 200
    assert "YYYY-MM-DD" in bad.text and "Unknown status" in bad.text
    kinds = visitor.get("/dashboard/promises", params={"kind": "refund", "status": "broken"})
    assert kinds.status_code == 200
    assert ">refund<" in kinds.text and ">delivery<" not in kinds.text


def test_a_promise_page_tells_its_story_and_hides_other_tenants(
    visitor: TestClient, seeded: Tenant, make_tenant: TenantFactory, app_client: TestClient
) -> None:
    api = Api(app_client, seeded.keys["read"])
    listed = api.get("/v1/promises", params={"status": "exceeded", "limit": 1}).json()
    promise_id = listed["data"][0]["id"]
    sign_in(visitor, seeded.keys["read"])
    page = visitor.get(f"/dashboard/promises/{promise_id}")
    assert page.status_code == 200
    assert 'class="chart timeline"' in page.text and ">fulfilled<" in page.text
    stranger = TestClient(visitor.app, follow_redirects=False)
    sign_in(stranger, make_tenant().keys["read"])
    assert stranger.get(f"/dashboard/promises/{promise_id}").status_code == 404


def test_static_files_are_served_and_others_are_not(visitor: TestClient) -> None:
    assert visitor.get("/dashboard/static/dashboard.css").status_code == 200
    assert visitor.get("/dashboard/static/refresh.js").status_code == 200
    assert visitor.get("/dashboard/static/..%2Fsession.py").status_code == 404


def test_at_risk_orders_every_open_promise_in_sql_and_shows_the_first_hundred(
    visitor: TestClient, tenant: Tenant, api: Api
) -> None:
    moment = now()
    # Created in order of decreasing due time, so the ids' order is the opposite of the page's.
    items = [promise_body(at=moment, due_in=timedelta(hours=240 - index))
             for index in range(120)]
    created = api.post("/v1/promises/batch", json={"items": items})
    assert created.status_code == 207
    assert {result["status"] for result in created.json()["results"]} == {201}
    # Due sooner than any of them, but paused six days ago: its clock stands there, so it has
    # 6 days 1.5 hours left, more than a few dozen of the others.
    paused = api.post("/v1/promises", json=promise_body(
        at=moment, made_ago=timedelta(days=20), due_in=timedelta(minutes=90))).json()
    stopped = api.post(f"/v1/promises/{paused['id']}/events", json={
        "type": "paused", "occurred_at": iso(moment - timedelta(days=6))})
    assert stopped.status_code == 201, stopped.text
    overdue = api.post("/v1/promises", json=promise_body(
        at=moment, made_ago=timedelta(days=3), due_in=timedelta(hours=-1)))
    assert overdue.status_code == 201

    sign_in(visitor, tenant.keys["read"])
    page = visitor.get("/dashboard/at-risk")
    assert page.status_code == 200
    card = api.get("/v1/scorecard").json()["totals"]
    assert card["pending"] + card["at_risk"] == 121
    assert f'data-open="121" data-at-risk="{card["at_risk"]}" data-shown="100"' in page.text
    assert "Showing the 100 with the least time remaining of 121 open promises" in page.text
    seconds = [float(value) for value in re.findall(r'data-seconds="([^"]+)"', page.text)]
    assert len(seconds) == 100
    assert seconds == sorted(seconds)
    every = []
    cursor = None
    while True:
        listed = api.get("/v1/promises", params={
            "status": "pending", "limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        every += listed["data"]
        cursor = listed["next_cursor"]
        if cursor is None:
            break
    every += api.get("/v1/promises", params={"status": "at_risk", "limit": 100}).json()["data"]
    assert len(every) == 121
    expected = sorted(every, key=lambda p: (p["time_remaining_seconds"], p["id"]))[:100]
    shown = re.findall(r'href="/dashboard/promises/(prm_[0-9A-Z]+)"', page.text)
    assert shown == [p["id"] for p in expected]
    assert shown.index(paused["id"]) > 20


def test_the_breakdown_shows_the_first_groups_and_counts_them_all(
    visitor: TestClient, tenant: Tenant, api: Api
) -> None:
    # 205 customers, each with one promise that broke yesterday (overdue).
    moment = now()
    items = [promise_body(at=moment, made_ago=timedelta(days=3), due_in=timedelta(days=-1),
                          customer_id=f"customer-{index:03}") for index in range(205)]
    created = api.post("/v1/promises/batch", json={"items": items})
    assert {result["status"] for result in created.json()["results"]} == {201}
    sign_in(visitor, tenant.keys["read"])
    page = visitor.get("/dashboard/breakdown", params={"by": "customer_id", "sort": "key"})
    assert page.status_code == 200
    assert 'data-groups="205"' in page.text
    assert "the first 200 of 205 groups in this order" in page.text
    shown = re.findall(r'<tr data-group="(customer-\d+)">', page.text)
    assert shown == [f"customer-{index:03}" for index in range(200)]
    assert re.search(r'<tfoot><tr><th scope="row">All</th><td>205</td>', page.text)
