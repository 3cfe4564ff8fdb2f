"""POST /v1/promises: terms, defaults, validation and duplicates."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.builders import iso, now, promise_body
from tests.conftest import Api, TenantFactory


def test_create_returns_the_promise_with_terms_and_status(api: Api) -> None:
    body = promise_body(order_id="o-1", customer_id="c-1", labels={"carrier": "ups"},
                        grace="PT15M", exceed_margin="P1D", at_risk_ratio=0.5)
    response = api.post("/v1/promises", json=body)
    assert response.status_code == 201, response.text
    promise = response.json()
    assert promise["id"].startswith("prm_")
    assert response.headers["location"].endswith(f"/v1/promises/{promise['id']}")
    assert promise["external_id"] == body["external_id"]
    assert promise["labels"] == {"carrier": "ups"}
    assert promise["grace"] == "PT15M"
    assert promise["exceed_margin"] == "P1D"
    assert promise["precision"] == "instant"
    assert promise["status"] == "pending"
    assert promise["first_promise_status"] == "pending"
    assert promise["due_at"] == body["due_at"]
    assert promise["revision_count"] == 0
    assert 0 < promise["time_remaining_seconds"] <= timedelta(days=5).total_seconds()
    assert api.get(f"/v1/promises/{promise['id']}").json()["external_id"] == body["external_id"]


def test_made_at_defaults_to_now_and_timestamps_are_utc(api: Api) -> None:
    body = promise_body(due_at="2099-01-01T12:00:00+02:00")
    del body["made_at"]
    promise = api.post("/v1/promises", json=body).json()
    assert promise["due_at"] == "2099-01-01T10:00:00Z"
    assert promise["made_at"].endswith("Z")
    assert abs((now() - datetime.fromisoformat(promise["made_at"])).total_seconds()) < 60


def test_a_date_due_at_means_the_end_of_that_day_in_the_promise_zone(api: Api) -> None:
    body = promise_body(due_at="2099-03-10", timezone="America/Sao_Paulo")
    promise = api.post("/v1/promises", json=body).json()
    assert promise["precision"] == "day"
    assert promise["due_at"] == "2099-03-10"
    # The end of 10 March in São Paulo (UTC−3) is 11 March 03:00 UTC.
    assert promise["deadline_at"] == "2099-03-11T03:00:00Z"


def test_a_date_due_at_uses_the_tenant_zone_by_default(
    make_tenant: TenantFactory, app_client: TestClient
) -> None:
    tenant = make_tenant(timezone="Asia/Kolkata")
    api = Api(app_client, tenant.keys["rw"])
    promise = api.post("/v1/promises", json=promise_body(due_at="2099-03-10")).json()
    assert promise["timezone"] == "Asia/Kolkata"
    assert promise["deadline_at"] == "2099-03-10T18:30:00Z"


def test_external_id_defaults_to_the_kept_id(api: Api) -> None:
    body = promise_body()
    del body["external_id"]
    promise = api.post("/v1/promises", json=body).json()
    assert promise["external_id"] == promise["id"]


def test_same_external_id_and_terms_returns_the_existing_promise(api: Api) -> None:
    body = promise_body()
    first = api.post("/v1/promises", json=body)
    again = api.post("/v1/promises", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_same_external_id_with_other_terms_is_a_conflict_naming_fields(api: Api) -> None:
    body = promise_body()
    api.post("/v1/promises", json=body)
    changed = {**body, "due_at": iso(now() + timedelta(days=9)), "kind": "callback"}
    response = api.post("/v1/promises", json=changed)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert sorted(problem["conflicting_fields"]) == ["due_at", "kind"]
    assert "due_at" in problem["detail"]


def test_due_before_made_is_refused(api: Api) -> None:
    response = api.post("/v1/promises", json=promise_body(made_ago=timedelta(days=-10)))
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["body.due_at"]


def test_timestamp_without_offset_is_refused_saying_so(api: Api) -> None:
    response = api.post("/v1/promises", json=promise_body(due_at="2099-01-01T10:00:00"))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.due_at"
    assert "offset" in error["message"]


def test_unknown_fields_are_refused(api: Api) -> None:
    response = api.post("/v1/promises", json=promise_body(dua_at="2099-01-01"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.dua_at"


def test_bad_values_are_named(api: Api) -> None:
    response = api.post("/v1/promises", json=promise_body(
        grace="P1M", early="sometimes", at_risk_ratio=1.5, timezone="Mars/Olympus",
        labels={"carrier": 3}))
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"body.grace", "body.early", "body.at_risk_ratio", "body.timezone",
                      "body.labels.carrier"}


def test_window_must_match_due_form_and_precede_due(api: Api) -> None:
    mixed = api.post("/v1/promises", json=promise_body(due_at="2099-01-05",
                                                       window_start=iso(now())))
    assert mixed.status_code == 422
    assert mixed.json()["errors"][0]["field"] == "body.window_start"
    late_window = api.post("/v1/promises", json=promise_body(
        due_at="2099-01-05", window_start="2099-01-06"))
    assert late_window.status_code == 422


def test_day_precision_needs_whole_days_of_grace(api: Api) -> None:
    response = api.post("/v1/promises", json=promise_body(due_at="2099-01-05", grace="PT2H"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.grace"


def test_create_returns_a_status_token_once(api: Api, app_client: TestClient) -> None:
    body = promise_body()
    headers = {"Idempotency-Key": f"token-{body['external_id']}"}
    created = api.post("/v1/promises", json=body, headers=headers)
    token = created.json()["status_token"]
    assert token
    public = app_client.get(f"/v1/public/status/{token}")
    assert public.status_code == 200
    assert public.json()["promises"][0]["kind"] == "delivery"
    # Only the token's hash is kept: neither a replay nor a duplicate shows it again.
    replay = api.post("/v1/promises", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["status_token"] is None
    assert replay.json()["id"] == created.json()["id"]
    assert api.post("/v1/promises", json=body).json()["status_token"] is None
