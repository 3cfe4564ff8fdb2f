"""Day, week and month buckets in a time zone, exact on both sides of DST changes.

Europe/Berlin leaves summer time on Sunday 2026-10-25 at 01:00Z (that local day lasts 25 h:
22:00Z on the 24th to 23:00Z on the 25th) and enters it on Sunday 2026-03-29 at 01:00Z.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api.config import Settings
from api.db import Database
from tests.scorecards.figures import counts
from tests.scorecards.ledger import Ledger, open_ledger

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

DUE = {
    "D1": "2026-10-24T21:59:59Z",          # Sat 24 Oct 23:59:59 CEST
    "D2": "2026-10-24T22:00:00Z",          # Sun 25 Oct 00:00 CEST
    "D3": "2026-10-25T00:59:59Z",          # Sun 25 Oct 02:59:59 CEST
    "D4": "2026-10-25T01:00:00Z",          # Sun 25 Oct 02:00 CET (again)
    "D5": "2026-10-25T22:59:59.999999Z",   # Sun 25 Oct 23:59:59.999999 CET
    "D6": "2026-10-25T23:00:00Z",          # Mon 26 Oct 00:00 CET
    "D7": "2026-10-31T22:30:00Z",          # Sat 31 Oct 23:30 CET
    "D8": "2026-10-31T23:30:00Z",          # Sun 1 Nov 00:30 CET
    "D9": "2026-03-29T00:30:00Z",          # Sun 29 Mar 01:30 CET
    "D10": "2026-03-29T22:30:00Z",         # Mon 30 Mar 00:30 CEST
}


@pytest.fixture(scope="module")
def ledger(settings: Settings, database: Database) -> Iterator[Ledger]:
    with open_ledger(settings, database, NOW, "Europe/Berlin") as ledger:
        for name, due in DUE.items():
            ledger.promise(name, "2026-03-01T00:00:00Z", due)
        yield ledger


def scorecard(ledger: Ledger, **params: str) -> dict[str, Any]:
    response = ledger.get("/v1/scorecard", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_day_buckets_in_the_tenants_zone(ledger: Ledger) -> None:
    assert counts(scorecard(ledger, bucket="day")) == {
        "2026-03-29": 1, "2026-03-30": 1,
        "2026-10-24": 1, "2026-10-25": 4, "2026-10-26": 1, "2026-10-31": 1, "2026-11-01": 1,
    }


def test_week_buckets_start_on_monday(ledger: Ledger) -> None:
    assert counts(scorecard(ledger, bucket="week")) == {
        "2026-03-23": 1, "2026-03-30": 1, "2026-10-19": 5, "2026-10-26": 3,
    }


def test_month_buckets(ledger: Ledger) -> None:
    assert counts(scorecard(ledger, bucket="month")) == {
        "2026-03-01": 2, "2026-10-01": 7, "2026-11-01": 1,
    }


def test_buckets_in_another_zone(ledger: Ledger) -> None:
    assert counts(scorecard(ledger, bucket="day", timezone="UTC")) == {
        "2026-03-29": 2, "2026-10-24": 2, "2026-10-25": 4, "2026-10-31": 2,
    }
    assert counts(scorecard(ledger, bucket="day", timezone="America/New_York")) == {
        "2026-03-28": 1, "2026-03-29": 1,
        "2026-10-24": 4, "2026-10-25": 2, "2026-10-31": 2,   # EDT (−4 h) until 1 Nov
    }


def test_buckets_within_a_range(ledger: Ledger) -> None:
    body = scorecard(ledger, bucket="day", group_by="kind",
                     **{"from": "2026-10-24T00:00:00Z", "to": "2026-10-27T00:00:00Z"})
    assert [(g["key"], g["total"]) for g in body["groups"]] == [
        ({"kind": "delivery", "bucket": "2026-10-24"}, 1),
        ({"kind": "delivery", "bucket": "2026-10-25"}, 4),
        ({"kind": "delivery", "bucket": "2026-10-26"}, 1),
    ]
    assert body["totals"]["total"] == 6
    assert body["totals"]["broken"] == 6   # all overdue now


def test_an_empty_tenant_has_no_buckets(settings: Settings, database: Database) -> None:
    with open_ledger(settings, database, NOW, "Europe/Berlin") as empty:
        body = scorecard(empty, bucket="month", group_by="label:carrier")
    assert body["groups"] == []
    assert body["totals"]["total"] == 0
