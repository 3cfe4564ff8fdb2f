"""The Olist sample (../shared/data/olist/), for `kept demo --olist` and the browser tests: the
moment it shows, and a copy of its orders moved forward to today.

Its orders run from September 2016 to the deliveries of 5 September 2018; the few later rows
are cancellations. Seen from today every open order would be years overdue and every period of
the overview empty, so the sample is read as of the start of the day after its last delivery in
São Paulo: the orders still on their way then are pending or at risk.
"""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from api.importer.presets import OLIST_ZONE

ORDERS = "olist_orders_dataset.csv"
DELIVERED = "order_delivered_customer_date"
WRITTEN = "%Y-%m-%d %H:%M:%S"


def orders_path(given: Path) -> Path:
    """The orders file, given it or the folder holding it."""
    return given / ORDERS if given.is_dir() else given


def taken_at(orders: Path, rows: int | None = None) -> datetime:
    """Midnight in São Paulo after the last delivery among the first `rows` orders, in UTC."""
    with orders.open(newline="", encoding="utf-8") as file:
        last = max(row[DELIVERED] for row in itertools.islice(csv.DictReader(file), rows))
    day = date.fromisoformat(last[:10]) + timedelta(days=1)
    return datetime.combine(day, time(), ZoneInfo(OLIST_ZONE)).astimezone(UTC)


def whole_weeks_since(taken: datetime, now: datetime) -> int:
    return max(0, (now - taken).days // 7)


def _moved(value: str, by: timedelta) -> str:
    try:
        # Wall-clock time in São Paulo, moved as such (the importer reads it in that zone).
        local = datetime.strptime(value, WRITTEN)  # noqa: DTZ007
        return (local + by).strftime(WRITTEN)
    except ValueError:
        return value  # empty, or not a timestamp: left as it is


def moved_copy(orders: Path, target: Path, weeks: int) -> Path:
    """The orders with every timestamp `weeks` weeks later in local time: dates keep their
    weekday, and a delivery keeps its place against the estimated date, so every decided order
    scores as it did. (Instants may move by an hour where 2016–2018 daylight saving time no longer
    applies.)"""
    by = timedelta(weeks=weeks)
    with orders.open(newline="", encoding="utf-8") as source, target.open(
            "w", newline="", encoding="utf-8") as copy:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(copy, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            writer.writerow({name: _moved(value, by) for name, value in row.items()})
    return target
