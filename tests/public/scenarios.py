"""Promises in every customer state, made through the API, with texts that do not depend on
today's date: open promises are due in 2099, resolved ones ended in November 2025."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from httpx import Response

from tests.builders import iso, now


class Poster(Protocol):
    """Something that POSTs with a tenant's key: the test client `Api`, or httpx against a
    live server."""

    def post(self, url: str, *, json: Any = None) -> Response: ...


@dataclass(frozen=True)
class Scenario:
    state: str
    body: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


def _recent() -> str:
    return iso(now() - timedelta(days=1))


def scenarios() -> dict[str, Scenario]:
    """One promise per scenario, named by what the customer should see."""
    past = "2025-11-01T10:00:00Z"
    return {
        "on_track": Scenario("on_track", {"made_at": _recent(), "due_at": "2099-12-05"}),
        "at_risk": Scenario("at_risk", {"made_at": _recent(), "due_at": "2099-12-05",
                                        "at_risk_ratio": 0.0}),
        "revised": Scenario("revised", {"made_at": _recent(), "due_at": "2099-12-05"}, [
            {"type": "revised", "occurred_at": iso(now()), "due_at": "2099-12-08",
             "requested_by": "business", "reason": "carrier strike"}]),
        "running_late": Scenario("late", {"made_at": past, "due_at": "2025-11-05"}),
        "arrived_early": Scenario("arrived_early", {"made_at": past, "due_at": "2025-11-20"}, [
            {"type": "fulfilled", "occurred_at": "2025-11-04T15:30:00Z"}]),
        "arrived_on_time": Scenario("arrived_on_time", {"made_at": past,
                                                        "due_at": "2025-11-05"}, [
            {"type": "fulfilled", "occurred_at": "2025-11-05T09:00:00Z"}]),
        "arrived_late": Scenario("late", {"made_at": past, "due_at": "2025-11-05"}, [
            {"type": "fulfilled", "occurred_at": "2025-11-07T12:00:00Z"}]),
        "cancelled": Scenario("cancelled", {"made_at": _recent(), "due_at": "2099-12-05"}, [
            {"type": "cancelled", "occurred_at": iso(now()), "by": "customer"}]),
    }


def make_promise(api: Poster, scenario: Scenario, **overrides: Any) -> dict[str, Any]:
    body = {"kind": "delivery", "timezone": "Europe/Rome", "customer_id": "cust-secret-42",
            "labels": {"carrier": "internal-carrier-x"}, **scenario.body, **overrides}
    created = api.post("/v1/promises", json=body)
    assert created.status_code == 201, created.text
    promise: dict[str, Any] = created.json()
    for event in scenario.events:
        response = api.post(f"/v1/promises/{promise['id']}/events", json=event)
        assert response.status_code == 201, response.text
        promise = response.json()["promise"]
    return promise


def issue_token(api: Poster, promise_id: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"/v1/promises/{promise_id}/status-token", json=body or None)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


# What each scenario reads in English (badge, sentence): the open ones are due on
# 5 December 2099 (revised to the 8th), the resolved ones were due on 5 November 2025.
ENGLISH = {
    "on_track": ("On track",
                 "Your delivery is on its way and expected by Saturday, December 5, 2099."),
    "at_risk": ("Possible delay",
                "Your delivery may take a little longer than planned, but we are doing our best "
                "to deliver it by Saturday, December 5, 2099."),
    "revised": ("New date",
                "Your delivery has a new date: it is now expected by Tuesday, December 8, 2099."),
    "running_late": ("Late",
                     "Your delivery is running late: it was due by Wednesday, November 5, 2025, "
                     "and we are sorry for the wait."),
    "arrived_early": ("Early", "Your delivery arrived early, on Tuesday, November 4, 2025."),
    "arrived_on_time": ("On time",
                        "Your delivery arrived on time, on Wednesday, November 5, 2025."),
    "arrived_late": ("Late",
                     "Your delivery arrived on Friday, November 7, 2025, later than promised; "
                     "we are sorry."),
    "cancelled": ("Cancelled", "Your delivery has been cancelled."),
}

# Each language's card title for a delivery, badges, and month names of the scenarios' dates.
LANGUAGES = {
    "en": ("Delivery", {"on_track": "On track", "at_risk": "Possible delay",
                        "revised": "New date", "late": "Late", "arrived_early": "Early",
                        "arrived_on_time": "On time", "cancelled": "Cancelled"},
           ("December", "November")),
    "pt-BR": ("Entrega", {"on_track": "Tudo certo", "at_risk": "Possível atraso",
                          "revised": "Nova data", "late": "Atrasado",
                          "arrived_early": "Antes do prazo", "arrived_on_time": "No prazo",
                          "cancelled": "Cancelado"},
              ("dezembro", "novembro")),
    "es": ("Entrega", {"on_track": "Todo en orden", "at_risk": "Posible retraso",
                       "revised": "Nueva fecha", "late": "Con retraso",
                       "arrived_early": "Antes de tiempo", "arrived_on_time": "A tiempo",
                       "cancelled": "Cancelado"},
           ("diciembre", "noviembre")),
    "it": ("Consegna", {"on_track": "Tutto regolare", "at_risk": "Possibile ritardo",
                        "revised": "Nuova data", "late": "In ritardo",
                        "arrived_early": "In anticipo", "arrived_on_time": "Puntuale",
                        "cancelled": "Annullato"},
           ("dicembre", "novembre")),
    "ru": ("Доставка", {"on_track": "Всё по плану", "at_risk": "Возможна задержка",
                        "revised": "Новый срок", "late": "Задержка",
                        "arrived_early": "Раньше срока", "arrived_on_time": "В срок",
                        "cancelled": "Отменено"},
           ("декабря", "ноября")),
}
