"""The Olist sample loaded with `--preset olist` gives, through the scorecard, the counts one
computes by hand from the CSV.

The hand computation below reads the CSV with the standard library only and applies DESIGN
§2 to it directly: the estimated delivery date is a date in São Paulo, and the delivery
timestamps are São Paulo wall-clock times, so a delivery's local date is the first ten
characters of its timestamp. Delivered after the estimated date: broken (late); on it: met;
a day or more before: exceeded. `canceled`: void (the customer's); `unavailable`: broken (the
business's); a row both delivered and cancelled is rejected; every other order is open, and
since every estimated date lies in 2016-2018, broken (overdue) by now.

The test loads the first 5,000 orders (a deterministic subset, to stay quick on PostgreSQL);
`kept bench` imports the whole file.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from api.config import Settings
from api.importer.command import ImportOptions, import_file
from tests.conftest import Api, Tenant

OLIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "olist"
ORDERS = OLIST / "olist_orders_dataset.csv"
ROWS = 5000

pytestmark = pytest.mark.skipif(
    not ORDERS.is_file(), reason=f"the Olist sample is not at {OLIST} (../shared/data/olist/)")


def first_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(itertools.islice(csv.DictReader(file), ROWS))


def hand_count(rows: list[dict[str, str]]) -> tuple[Counter[str], dict[str, Counter[str]], int]:
    """Statuses overall and per order_status, and how many rows are rejected."""
    totals: Counter[str] = Counter()
    by_status: dict[str, Counter[str]] = {}
    rejected = 0
    for row in rows:
        state = row["order_status"]
        delivered = row["order_delivered_customer_date"]
        promised = date.fromisoformat(row["order_estimated_delivery_date"][:10])
        if state in {"canceled", "unavailable"} and delivered:
            rejected += 1
            continue
        if state == "canceled":
            status = "void"
        elif state == "unavailable":
            status = "broken"
        elif delivered:
            on = date.fromisoformat(delivered[:10])
            status = ("broken" if on > promised
                      else "met" if on == promised
                      else "exceeded" if on <= promised - timedelta(days=1)
                      else "?")
        else:
            status = "broken"  # overdue: promised in 2016-2018
        totals[status] += 1
        by_status.setdefault(state, Counter())[status] += 1
    return totals, by_status, rejected


def figures(entry: dict[str, int]) -> Counter[str]:
    return Counter({name: entry[name] for name in
                    ("pending", "at_risk", "exceeded", "met", "broken", "void") if entry[name]})


def test_olist_counts_match_the_hand_computation(
    settings: Settings, api: Api, tenant: Tenant, tmp_path: Path
) -> None:
    rows = first_rows(ORDERS)
    totals, by_status, rejected = hand_count(rows)
    options = ImportOptions(file=ORDERS, preset="olist", tenant=tenant.name, limit=ROWS,
                            errors=tmp_path / "olist.errors.csv", progress=False)
    summary = import_file(options, settings, Console(quiet=True))
    assert summary.rows == ROWS
    assert summary.rejected == rejected > 0
    assert summary.created == sum(totals.values())
    delivered = sum(1 for row in rows if row["order_delivered_customer_date"]
                    and row["order_status"] not in {"canceled", "unavailable"})
    assert summary.events == delivered + totals["void"] + by_status["unavailable"]["broken"]

    card = api.get("/v1/scorecard", params={"group_by": "label:order_status"})
    assert card.status_code == 200, card.text
    body = card.json()
    assert figures(body["totals"]) == totals
    assert body["totals"]["total"] == sum(totals.values())
    groups = {group["key"]["label:order_status"]: figures(group) for group in body["groups"]}
    assert groups == by_status

    # The list endpoint agrees (paged through for the smaller statuses).
    for status in ("met", "void"):
        assert count_listed(api, status) == totals[status]


def count_listed(api: Api, status: str) -> int:
    count, cursor = 0, None
    while True:
        params = {"status": status, "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/promises", params=params).json()
        count += len(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return count
