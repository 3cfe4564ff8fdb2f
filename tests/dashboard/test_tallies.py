"""The dashboard's counts and rates are the scorecard's: for the same period, in total, per
day and per every kind of group key, every count and rate of `GET /v1/scorecard` (the pages do
not show, and the tallies do not compute, the seconds summaries)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.dashboard import tallies
from api.db import Database
from api.domain.scorecard_rules import GroupKey, parse_group_by
from tests.builders import now
from tests.conftest import Api, Tenant

SECONDS = ("lateness_seconds", "earliness_seconds")


def _figures(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entry.items() if name not in (*SECONDS, "key")}


def _api_card(api: Api, **params: str) -> dict[str, Any]:
    response = api.get("/v1/scorecard", params={"time_field": "resolved", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("group_by", ["", "kind", "customer_id", "policy", "label:carrier"])
def test_tallies_are_the_scorecards_counts_and_rates(
    database: Database, seeded: Tenant, api: Api, group_by: str
) -> None:
    reader = Api(api.client, seeded.keys["read"])
    end = now()
    start = end - timedelta(days=7)
    key: GroupKey | None = parse_group_by(group_by)[0] if group_by else None
    with database.session() as session:
        found = tallies.decided_in(session, seeded.id, end, start, end, key)
    card = _api_card(reader, **{"from": start.isoformat(), "to": end.isoformat()},
                     **({"group_by": group_by} if group_by else {}))
    assert _figures(found.totals.model_dump()) == _figures(card["totals"])
    assert found.totals.exceeded + found.totals.met + found.totals.broken > 10
    if key is None:
        assert found.groups == []
        return
    assert [(group.value, group.exceeded, group.met, group.broken, group.keep_rate,
             group.break_rate) for group in found.groups] == [
        (entry["key"][group_by], entry["exceeded"], entry["met"], entry["broken"],
         entry["keep_rate"], entry["break_rate"]) for entry in card["groups"]]


def test_tallies_per_day_are_the_scorecards_days(
    database: Database, seeded: Tenant, api: Api
) -> None:
    reader = Api(api.client, seeded.keys["read"])
    end = now()
    start = end - timedelta(days=30)
    with database.session() as session:
        found = tallies.decided_per_day(session, seeded.id, seeded.timezone, end, start, end)
    card = _api_card(reader, **{"from": start.isoformat(), "to": end.isoformat()},
                     bucket="day")
    assert _figures(found.totals.model_dump()) == _figures(card["totals"])
    assert len(found.groups) == len(card["groups"]) >= 10
    assert [(group.value, group.exceeded, group.met, group.broken, group.keep_rate)
            for group in found.groups] == [
        (entry["key"]["bucket"], entry["exceeded"], entry["met"], entry["broken"],
         entry["keep_rate"]) for entry in card["groups"]]
