"""The public status over HTTP: customer words and sentences, languages, orders, what must
not leak, one 404 for every dead token, caching and CORS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.config import Settings
from api.main import create_app
from tests.builders import iso, now
from tests.conftest import Api, Tenant
from tests.public.conftest import unlimited
from tests.public.scenarios import ENGLISH, issue_token, make_promise, scenarios

ON_TRACK = {
    "en": "Your delivery is on its way and expected by Saturday, December 5, 2099.",
    "pt-BR": "Seu pedido está a caminho, com entrega prevista até sábado, 5 de dezembro de 2099.",
    "es": "Tu pedido está en camino y llegará a más tardar el sábado, 5 de diciembre de 2099.",
    "it": "Il tuo ordine è in viaggio e arriverà entro sabato 5 dicembre 2099.",
    "ru": "Ваш заказ в пути и будет доставлен до 5 декабря 2099.",
}


def read(client: TestClient, token: str, **kwargs: Any) -> dict[str, Any]:
    response = client.get(f"/v1/public/status/{token}", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("name", list(ENGLISH))
def test_each_state_in_customer_words(api: Api, public_client: TestClient, name: str) -> None:
    scenario = scenarios()[name]
    promise = make_promise(api, scenario)
    status = read(public_client, issue_token(api, promise["id"])["token"])
    assert status["scope"] == "promise"
    assert status["language"] == "en"
    assert status["title"] == "Delivery"
    [shown] = status["promises"]
    assert shown["state"] == scenario.state
    assert (shown["state_label"], shown["message"]) == ENGLISH[name]
    assert shown["kind"] == "delivery"
    assert shown["kind_label"] == "Delivery"
    assert shown["promised"]["precision"] == "day"
    assert shown["promised"]["timezone"] == "Europe/Rome"


def test_a_revised_promise_shows_the_new_and_the_first_date(
    api: Api, public_client: TestClient
) -> None:
    promise = make_promise(api, scenarios()["revised"])
    [shown] = read(public_client, issue_token(api, promise["id"])["token"])["promises"]
    assert shown["promised"]["due"] == "2099-12-08"
    assert shown["originally_promised"]["due"] == "2099-12-05"
    assert shown["original_message"] == "First promised by Saturday, December 5, 2099."


def test_a_fulfilled_promise_says_when_in_local_time(api: Api, public_client: TestClient) -> None:
    promise = make_promise(api, scenarios()["arrived_early"])
    [shown] = read(public_client, issue_token(api, promise["id"])["token"])["promises"]
    assert shown["completed_at"] == "2025-11-04T16:30:00+01:00"
    assert shown["originally_promised"] is None


@pytest.mark.parametrize("language", list(ON_TRACK))
def test_sentences_and_dates_in_each_language(
    api: Api, public_client: TestClient, language: str
) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    by_query = read(public_client, token, params={"lang": language})
    by_header = read(public_client, token, headers={"Accept-Language": language})
    assert by_query == by_header
    assert by_query["language"] == language
    assert by_query["promises"][0]["message"] == ON_TRACK[language]


@pytest.mark.parametrize(("header", "language", "message_contains"), [
    ("de-DE, fr;q=0.9", "en", "by Saturday, December 5, 2099"),  # nothing we speak: English
    ("de, ru;q=0.5, it;q=0.9", "it", "entro sabato 5 dicembre 2099"),  # by q-value
    ("pt-PT", "pt-BR", "de dezembro de 2099"),  # the nearest Portuguese
    ("es-MX,es;q=0.9", "es", "5 de diciembre de 2099"),  # Spanish sentences, Mexican dates
    ("*", "en", "December 5, 2099"),
    ("ru;q=0, it;q=garbage, es", "es", "diciembre"),  # q=0 and bad q-values are refused
    ("", "en", "December"),
])
def test_accept_language_negotiation(
    api: Api, public_client: TestClient, header: str, language: str, message_contains: str
) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    response = public_client.get(f"/v1/public/status/{token}",
                                 headers={"Accept-Language": header})
    assert response.headers["content-language"] == language
    assert response.json()["language"] == language
    assert message_contains in response.json()["promises"][0]["message"]


def test_lang_query_wins_over_the_header_and_unknown_ones_fall_back(
    api: Api, public_client: TestClient
) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    chosen = read(public_client, token, params={"lang": "ru"}, headers={"Accept-Language": "it"})
    assert chosen["language"] == "ru"
    unknown = read(public_client, token, params={"lang": "tlh"},
                   headers={"Accept-Language": "it"})
    assert unknown["language"] == "it"
    too_long = public_client.get(f"/v1/public/status/{token}", params={"lang": "x" * 80})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "query.lang"


def test_instant_windows_and_generic_kinds(api: Api, public_client: TestClient) -> None:
    callback = make_promise(api, scenarios()["on_track"], kind="callback",
                            window_start="2099-12-05T09:00:00+01:00",
                            due_at="2099-12-05T12:00:00+01:00")
    [shown] = read(public_client, issue_token(api, callback["id"])["token"])["promises"]
    assert shown["kind_label"] == "Callback"
    assert shown["promised"] == {
        "precision": "instant", "timezone": "Europe/Rome",
        "due": "2099-12-05T12:00:00+01:00", "window_start": "2099-12-05T09:00:00+01:00",
        "text": "on Saturday, December 5, 2099 between 9:00\u202fAM and 12:00\u202fPM",
    }
    assert shown["message"] == ("Everything is on track: expected on Saturday, December 5, 2099 "
                                "between 9:00\u202fAM and 12:00\u202fPM.")
    pickup = make_promise(api, scenarios()["on_track"], kind="pickup",
                          window_start="2099-12-03", due_at="2099-12-05")
    [shown] = read(public_client, issue_token(api, pickup["id"])["token"],
                   params={"lang": "ru"})["promises"]
    assert shown["kind_label"] == "Самовывоз"
    assert shown["message"] == "Всё идёт по плану: ожидается с 3 декабря 2099 по 5 декабря 2099."
    own_kind = make_promise(api, scenarios()["cancelled"], kind="gift-wrapping")
    [shown] = read(public_client, issue_token(api, own_kind["id"])["token"],
                   params={"lang": "it"})["promises"]
    assert (shown["kind_label"], shown["message"]) == ("La tua richiesta", "È stato annullato.")


def test_an_order_token_shows_every_promise_of_the_order(
    api: Api, public_client: TestClient
) -> None:
    order = f"order-{now().timestamp()}"
    later = make_promise(api, scenarios()["on_track"], order_id=order)
    sooner = make_promise(api, scenarios()["arrived_on_time"], order_id=order, kind="refund")
    make_promise(api, scenarios()["on_track"], order_id=order + "-other")
    response = api.post(f"/v1/orders/{order}/status-token")
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == "order"
    status = read(public_client, response.json()["token"], params={"lang": "es"})
    assert status["scope"] == "order"
    assert status["title"] == "Tu pedido"
    assert [p["kind_label"] for p in status["promises"]] == ["Reembolso", "Entrega"]
    assert [p["state"] for p in status["promises"]] == ["arrived_on_time", "on_track"]
    # Promises added to the order later show up too.
    make_promise(api, scenarios()["cancelled"], order_id=order)
    assert len(read(public_client, response.json()["token"])["promises"]) == 3
    assert later["id"] != sooner["id"]


def test_nothing_internal_leaks(api: Api, public_client: TestClient, tenant: Tenant) -> None:
    promise = make_promise(api, scenarios()["arrived_late"], order_id="order-internal-77",
                           external_id="ext-internal-99")
    token = issue_token(api, promise["id"])["token"]
    response = public_client.get(f"/v1/public/status/{token}")
    text = response.text
    for secret in (tenant.id, tenant.name, promise["id"], "ext-internal-99",
                   "order-internal-77", "cust-secret-42", "internal-carrier-x", "carrier",
                   "broken", "overdue", "exceeded", "labels", "customer_id"):
        assert secret not in text, secret
    body = json.loads(text)
    assert set(body) == {"language", "scope", "title", "promises"}
    assert set(body["promises"][0]) == {
        "kind", "kind_label", "state", "state_label", "message", "promised",
        "originally_promised", "original_message", "completed_at"}


def _not_found_shape(response: Response) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = dict(response.json())
    body.pop("instance")
    headers = {name: value for name, value in response.headers.items()
               if name not in {"x-request-id", "content-length", "date"}}
    return response.status_code, body, headers


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_unknown_expired_and_revoked_tokens_are_the_same_404(
    settings: Settings, tenant: Tenant
) -> None:
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    with TestClient(create_app(unlimited(settings), clock=clock)) as client:
        api = Api(client, tenant.keys["rw"])
        promise = make_promise(api, scenarios()["on_track"])
        expiring = issue_token(api, promise["id"],
                               expires_at=iso(clock.at + timedelta(hours=1)))
        revoked = issue_token(api, promise["id"])
        assert client.get(f"/v1/public/status/{expiring['token']}").status_code == 200
        assert client.get(f"/v1/public/status/{revoked['token']}").status_code == 200

        assert client.delete(f"/v1/status-tokens/{revoked['id']}",
                             headers=api.headers).status_code == 204
        clock.at += timedelta(hours=1)  # a token expires at its expires_at
        answers = [client.get(f"/v1/public/status/{token}") for token in (
            expiring["token"], revoked["token"], "kst_" + "A" * 43, "not-even-a-token",
            "kst_" + "x" * 500)]
    shapes = [_not_found_shape(answer) for answer in answers]
    assert all(shape == shapes[0] for shape in shapes)
    status, body, headers = shapes[0]
    assert status == 404
    assert body["detail"] == "This status link is not valid, has expired or was withdrawn."
    assert headers["access-control-allow-origin"] == "*"
    assert "etag" not in headers


def test_etag_cache_control_and_304(api: Api, public_client: TestClient) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    first = public_client.get(f"/v1/public/status/{token}")
    assert first.headers["cache-control"] == "max-age=30"
    assert "accept-language" in first.headers["vary"].lower()
    etag = first.headers["etag"]
    again = public_client.get(f"/v1/public/status/{token}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["access-control-allow-origin"] == "*"
    other_language = public_client.get(f"/v1/public/status/{token}?lang=it",
                                       headers={"If-None-Match": etag})
    assert other_language.status_code == 200
    assert other_language.headers["etag"] != etag


def test_the_etag_changes_when_the_promise_does(api: Api, public_client: TestClient) -> None:
    promise = make_promise(api, scenarios()["on_track"])
    token = issue_token(api, promise["id"])["token"]
    before = public_client.get(f"/v1/public/status/{token}").headers["etag"]
    api.post(f"/v1/promises/{promise['id']}/events",
             json={"type": "fulfilled", "occurred_at": iso(now())})
    after = public_client.get(f"/v1/public/status/{token}", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.json()["promises"][0]["state"] == "arrived_early"


def test_cors_is_open_on_the_public_route_only(api: Api, public_client: TestClient) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    origin = {"Origin": "https://shop.example"}
    public = public_client.get(f"/v1/public/status/{token}", headers=origin)
    assert public.headers["access-control-allow-origin"] == "*"
    assert "ETag" in public.headers["access-control-expose-headers"]
    preflight = public_client.options(f"/v1/public/status/{token}", headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    private = api.get("/v1/promises", headers=origin)
    assert private.status_code == 200
    assert "access-control-allow-origin" not in private.headers
    assert public_client.options("/v1/promises", headers={
        **origin, "Access-Control-Request-Method": "GET"}).status_code == 405


def test_the_public_route_needs_no_api_key_and_ignores_one(
    api: Api, public_client: TestClient
) -> None:
    token = issue_token(api, make_promise(api, scenarios()["on_track"])["id"])["token"]
    with_bad_key = public_client.get(f"/v1/public/status/{token}",
                                     headers={"Authorization": "Bearer kept_nope"})
    assert with_bad_key.status_code == 200
