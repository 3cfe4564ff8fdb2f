"""Moving the Olist orders forward for `kept demo --olist`: whole weeks of local time, every
timestamp column, nothing else; and the moment the sample shows."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from api.dashboard.olist_sample import moved_copy, orders_path, taken_at, whole_weeks_since

HEADER = ["order_id", "order_status", "order_purchase_timestamp",
          "order_delivered_customer_date", "order_estimated_delivery_date"]
ROWS = [["a1", "delivered", "2018-02-17 23:30:00", "2018-02-26 10:00:00", "2018-03-01 00:00:00"],
        ["b2", "shipped", "2018-08-30 08:00:00", "", "2018-09-18 00:00:00"]]


def _write(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def test_the_copy_moves_every_timestamp_by_whole_weeks(tmp_path: Path) -> None:
    orders = _write(tmp_path / "olist_orders_dataset.csv")
    moved = moved_copy(orders, tmp_path / "moved.csv", 430)
    with moved.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row["order_id"] for row in rows] == ["a1", "b2"]
    assert rows[0]["order_status"] == "delivered"
    # 430 weeks later: Saturday 17 February 2018 is Saturday 16 May 2026, same time of day
    # (wall clock in São Paulo); delivered three days before the estimated date, as before.
    assert rows[0]["order_purchase_timestamp"] == "2026-05-16 23:30:00"
    assert rows[0]["order_delivered_customer_date"] == "2026-05-25 10:00:00"
    assert rows[0]["order_estimated_delivery_date"] == "2026-05-28 00:00:00"
    assert rows[1]["order_delivered_customer_date"] == ""
    assert orders_path(tmp_path) == orders == orders_path(orders)


def test_the_sample_shows_the_day_after_its_last_delivery(tmp_path: Path) -> None:
    orders = _write(tmp_path / "orders.csv")
    # The last delivery is on 26 February 2018; São Paulo's summer time (UTC−2) had ended on
    # the 18th, so the next midnight there is 03:00 UTC. The first row alone: the same.
    assert taken_at(orders) == datetime(2018, 2, 27, 3, tzinfo=UTC) == taken_at(orders, 1)
    assert whole_weeks_since(datetime(2018, 2, 27, 3, tzinfo=UTC),
                             datetime(2018, 3, 13, 2, tzinfo=UTC)) == 1
    assert whole_weeks_since(datetime(2018, 2, 27, tzinfo=UTC),
                             datetime(2018, 2, 20, tzinfo=UTC)) == 0
