"""Import mapping rules: naive timestamps in a zone (DST gaps and overlaps), dates and day
precision, status → cancelled, contradictory rows, and the options that build a mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.import_mapping import (
    Cancellation,
    ImportMapping,
    MappingError,
    RowError,
    build_mapping,
    convert_row,
    missing_columns,
    read_due,
    read_timestamp,
)

SAO_PAULO = "America/Sao_Paulo"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOLERANCE = timedelta(minutes=5)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(("text", "zone", "expected"), [
    ("2017-07-09 21:57:05", SAO_PAULO, utc(2017, 7, 10, 0, 57, 5)),        # -03:00 in winter
    ("2017-12-09 21:57:05", SAO_PAULO, utc(2017, 12, 9, 23, 57, 5)),       # -02:00 in summer
    ("2017-07-09T21:57:05", SAO_PAULO, utc(2017, 7, 10, 0, 57, 5)),
    ("2017-07-09 21:57", SAO_PAULO, utc(2017, 7, 10, 0, 57)),
    ("2017-07-09 21:57:05.25", "UTC", datetime(2017, 7, 9, 21, 57, 5, 250000, tzinfo=UTC)),
    ("2017-07-09 21:57:05Z", SAO_PAULO, utc(2017, 7, 9, 21, 57, 5)),       # an offset wins
    ("2017-07-09T21:57:05+01:00", SAO_PAULO, utc(2017, 7, 9, 20, 57, 5)),
    ("2017-07-09 21:57:05 -0300", "UTC", utc(2017, 7, 10, 0, 57, 5)),
    # Spring forward in São Paulo: 2017-10-15 00:00 → 01:00. A time in the gap is the first
    # instant after it.
    ("2017-10-15 00:30:00", SAO_PAULO, utc(2017, 10, 15, 3, 0)),
    ("2017-10-15 00:00:00", SAO_PAULO, utc(2017, 10, 15, 3, 0)),
    ("2017-10-15 01:00:00", SAO_PAULO, utc(2017, 10, 15, 3, 0)),
    # Fall back: 2018-02-17 24:00 → 23:00 (23:xx happens twice): the first occurrence.
    ("2018-02-17 23:30:00", SAO_PAULO, utc(2018, 2, 18, 1, 30)),
    # Europe/Berlin, 2026-03-29 02:30 does not exist; 2026-10-25 02:30 exists twice.
    ("2026-03-29 02:30:00", "Europe/Berlin", utc(2026, 3, 29, 1, 0)),
    ("2026-10-25 02:30:00", "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
])
def test_read_timestamp(text: str, zone: str, expected: datetime) -> None:
    assert read_timestamp(text, zone) == expected
    assert read_timestamp(text, zone).tzinfo == UTC


@pytest.mark.parametrize("text", ["2017-07-09", "yesterday", "2017-13-01 10:00:00",
                                  "2017-07-09 25:00:00", "09/07/2017 10:00", ""])
def test_read_timestamp_refuses(text: str) -> None:
    with pytest.raises(RowError) as raised:
        read_timestamp(text, "UTC", "made_at")
    assert raised.value.field == "made_at"


def test_dates_are_day_precision() -> None:
    assert read_due("2017-08-01", SAO_PAULO, "due_at", date_only=False) == date(2017, 8, 1)
    assert read_due("2017-08-01 00:00:00", SAO_PAULO, "due_at", date_only=True) == date(2017, 8, 1)
    assert read_due("2017-08-01T00:00", SAO_PAULO, "due_at", date_only=True) == date(2017, 8, 1)
    # Without the date flag a midnight timestamp is an instant.
    assert read_due("2017-08-01 00:00:00", SAO_PAULO, "due_at",
                    date_only=False) == utc(2017, 8, 1, 3)
    for text in ("2017-08-01 10:00:00", "2017-08-01 00:00:00Z"):
        with pytest.raises(RowError, match="time of day"):
            read_due(text, SAO_PAULO, "due_at", date_only=True)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
       st.sampled_from([SAO_PAULO, "Europe/Berlin", "America/New_York", "UTC"]))
def test_naive_timestamps_read_back_at_or_after_their_wall_time(
    wall: datetime, zone: str
) -> None:
    """The earliest instant whose local reading is at or after the wall time."""
    from zoneinfo import ZoneInfo

    wall = wall.replace(microsecond=0)
    instant = read_timestamp(wall.isoformat(sep=" "), zone)
    local = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert local >= wall
    earlier = (instant - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert earlier < wall


def olist_like() -> ImportMapping:
    return build_mapping(
        ["external_id=id", "made_at=bought", "due_at=estimate", "fulfilled_at=delivered",
         "status=status", "label.carrier=carrier", "customer_id=customer"],
        SAO_PAULO, values=["kind=delivery"],
        statuses=["canceled=cancelled:customer", "unavailable=cancelled"],
        date_fields=["due_at"])


def row(**values: str) -> dict[str, str]:
    base = {"id": "o-1", "bought": "2017-07-09 21:57:05", "estimate": "2017-08-01 00:00:00",
            "delivered": "", "status": "shipped", "carrier": "", "customer": "c-1"}
    return {**base, **values}


def test_a_row_becomes_a_create_body() -> None:
    converted = convert_row(row(delivered="2017-07-26 10:57:55", carrier="ups"),
                            olist_like(), NOW, TOLERANCE)
    assert converted.external_id == "o-1"
    assert converted.promise == {
        "external_id": "o-1", "timezone": SAO_PAULO, "kind": "delivery", "customer_id": "c-1",
        "made_at": utc(2017, 7, 10, 0, 57, 5), "due_at": date(2017, 8, 1),
        "labels": {"carrier": "ups"},
    }
    assert converted.fulfilled_at == utc(2017, 7, 26, 13, 57, 55)
    assert converted.cancellation is None


def test_statuses_cancel_at_made_at_by_the_party_given() -> None:
    mapping = olist_like()
    customer = convert_row(row(status="canceled"), mapping, NOW, TOLERANCE)
    assert customer.cancellation == Cancellation(utc(2017, 7, 10, 0, 57, 5), "customer")
    business = convert_row(row(status="unavailable"), mapping, NOW, TOLERANCE)
    assert business.cancellation == Cancellation(utc(2017, 7, 10, 0, 57, 5), "business")
    assert convert_row(row(status="delivered"), mapping, NOW, TOLERANCE).cancellation is None


def test_cancelled_at_gives_the_time() -> None:
    mapping = build_mapping(["external_id=id", "due_at=estimate", "cancelled_at=gone",
                             "made_at=bought"], "UTC", values=["kind=reply"])
    converted = convert_row({"id": "x", "estimate": "2017-08-01", "bought": "2017-07-01 10:00",
                             "gone": "2017-07-02 10:00"}, mapping, NOW, TOLERANCE)
    assert converted.cancellation == Cancellation(utc(2017, 7, 2, 10), "business")


@pytest.mark.parametrize(("values", "field"), [
    ({"id": ""}, "external_id"),
    ({"estimate": ""}, "due_at"),
    ({"estimate": "soon"}, "due_at"),
    ({"bought": "2017-07-09"}, "made_at"),
    ({"delivered": "2017-07-26 10:57:55", "status": "canceled"}, "status"),
    ({"delivered": "2026-11-23 09:10:00"}, "fulfilled_at"),   # 12:10 UTC: in the future
])
def test_rows_refused_whole(values: dict[str, str], field: str) -> None:
    with pytest.raises(RowError) as raised:
        convert_row(row(**values), olist_like(), NOW, TOLERANCE)
    assert raised.value.field == field


def test_empty_cells_are_missing_values() -> None:
    converted = convert_row(row(customer="  ", carrier=""), olist_like(), NOW, TOLERANCE)
    assert "customer_id" not in converted.promise
    assert "labels" not in converted.promise


@pytest.mark.parametrize(("maps", "kwargs", "message"), [
    (["due_at=d"], {"values": ["kind=x"]}, "external_id"),
    (["external_id=e"], {"values": ["kind=x"]}, "due_at"),
    (["external_id=e", "due_at=d"], {}, "kind"),
    (["external_id=e", "due_at=d", "colour=c"], {"values": ["kind=x"]}, "unknown field"),
    (["external_id=e", "due_at=d"], {"values": ["made_at=x", "kind=x"]}, "constant"),
    (["external_id=e", "due_at=d"], {"values": ["kind=x"], "statuses": ["x=void"]},
     "only action"),
    (["external_id=e", "due_at=d"], {"values": ["kind=x"], "statuses": ["x=cancelled"]},
     "status column"),
    (["external_id=e", "due_at=d"], {"values": ["kind=x"], "statuses": ["x=cancelled:bob"]},
     "customer or business"),
    (["external_id=e", "due_at=d"], {"values": ["kind=x"], "date_fields": ["made_at"]},
     "dates"),
    (["external_id"], {"values": ["kind=x"]}, "NAME=VALUE"),
])
def test_bad_mappings_are_refused(maps: list[str], kwargs: dict[str, list[str]],
                                  message: str) -> None:
    with pytest.raises(MappingError, match=message):
        build_mapping(maps, "UTC", **kwargs)  # type: ignore[arg-type]


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(MappingError, match="time zone"):
        build_mapping(["external_id=e", "due_at=d"], "Mars/Olympus", values=["kind=x"])


def test_options_add_to_a_preset() -> None:
    preset = olist_like()
    mapping = build_mapping(["label.region=state"], "UTC", base=preset)
    assert mapping.labels == {"carrier": "carrier", "region": "state"}
    assert mapping.columns == preset.columns
    assert missing_columns(mapping, ["id", "bought", "estimate", "delivered", "status"]) == [
        "carrier", "customer", "state"]
