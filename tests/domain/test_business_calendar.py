"""Business-calendar arithmetic: table cases across DST, holidays and overnight shifts, the
validation errors, and Hypothesis properties against a brute-force minute-by-minute reference."""

from __future__ import annotations

import time as clock
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.domain.business_calendar import (
    MAX_CLOSED_DAYS,
    WEEKDAYS,
    BusinessCalendar,
    CalendarError,
    Interval,
    NoOpenTime,
    add_business_days,
    add_business_time,
    business_day_deadline,
    business_time_between,
    end_of_business_day,
    is_open,
    next_open,
    parse_weekly_hours,
    validate_calendar,
)

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
DAY = timedelta(days=1)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in WORKDAYS}
LUNCH_BREAK = {day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in WORKDAYS}
NIGHTS = {day: [["22:00", "06:00"]] for day in WEEKDAYS}
SUNDAY_ALL_DAY = {"sun": [["00:00", "00:00"]]}


def make(
    hours: dict[str, list[list[str]]],
    zone: str = "Europe/Berlin",
    closed: tuple[date, ...] = (),
    opened: tuple[date, ...] = (),
) -> BusinessCalendar:
    cal = BusinessCalendar(zone, parse_weekly_hours(hours), frozenset(closed), frozenset(opened))
    validate_calendar(cal)
    return cal


def local(zone: str, text: str, fold: int = 0) -> datetime:
    """A wall-clock time in `zone` (fold=1 picks the second of two identical readings)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Berlin 2024: Good Friday 29 Mar, Easter Monday 1 Apr, Whit Monday 20 May, Christmas, New Year.
# 24 Dec is closed by the tenant but re-opened by an open date.
BERLIN_HOLIDAYS = (
    date(2024, 3, 29),
    date(2024, 4, 1),
    date(2024, 5, 20),
    date(2024, 12, 24),
    date(2024, 12, 25),
    date(2024, 12, 26),
    date(2025, 1, 1),
)
BERLIN = make(NINE_TO_FIVE, closed=BERLIN_HOLIDAYS, opened=(date(2024, 12, 24),))
LUNCH = make(LUNCH_BREAK, closed=BERLIN_HOLIDAYS)
NIGHTS_BERLIN = make(NIGHTS)
NIGHTS_NY = make(NIGHTS, "America/New_York")
NIGHTS_SAO = make(NIGHTS, "America/Sao_Paulo")
SUNDAY_BERLIN = make(SUNDAY_ALL_DAY)
SUNDAY_NY = make(SUNDAY_ALL_DAY, "America/New_York")
SUNDAY_SAO = make(SUNDAY_ALL_DAY, "America/Sao_Paulo")
SATURDAY_SAO = make({"sat": [["00:00", "00:00"]]}, "America/Sao_Paulo")
KOLKATA = make({day: [["09:00", "18:00"]] for day in WORKDAYS}, "Asia/Kolkata")


# -- add_business_time ---------------------------------------------------------------------------


def instant(cal: BusinessCalendar, text: str) -> datetime:
    """`text` with its own offset, or else as a wall-clock time in the calendar's zone."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else local(cal.timezone, text)


ADD_CASES = [
    # "reply within 2 business hours", Friday 16:30, Whit Monday closed -> Tuesday 10:30
    pytest.param(BERLIN, "2024-05-17 16:30", 2 * H, "2024-05-21 08:30", id="holiday-monday"),
    # Thursday before Easter: Good Friday and Easter Monday closed, DST change on the Sunday
    pytest.param(BERLIN, "2024-03-28 16:00", 3 * H, "2024-04-02 09:00", id="holiday-friday"),
    pytest.param(BERLIN, "2024-12-31 16:00", 2 * H, "2025-01-02 09:00", id="year-end"),
    pytest.param(BERLIN, "2024-12-23 16:00", 2 * H, "2024-12-24 09:00", id="open-date-override"),
    pytest.param(BERLIN, "2024-05-17 16:00", H, "2024-05-17 15:00", id="ends-exactly-at-close"),
    pytest.param(BERLIN, "2024-05-13 07:00", H, "2024-05-13 08:00", id="before-opening"),
    pytest.param(BERLIN, "2024-05-18 12:00", 30 * MIN, "2024-05-21 07:30", id="weekend-start"),
    pytest.param(BERLIN, "2024-05-13 10:00", 40 * H, "2024-05-21 08:00", id="five-days"),
    pytest.param(LUNCH, "2024-05-13 11:00", 2 * H, "2024-05-13 12:00", id="lunch-across"),
    pytest.param(LUNCH, "2024-05-13 11:00", 90 * MIN, "2024-05-13 10:30", id="lunch-at-break"),
    pytest.param(LUNCH, "2024-05-13 12:45", 10 * MIN, "2024-05-13 11:40", id="lunch-in-break"),
    # New York spring 2017: Saturday's 22:00-06:00 shift lasts 7 h
    pytest.param(NIGHTS_NY, "2017-03-11 21:00", 7 * H, "2017-03-12 10:00", id="ny-spring-night"),
    pytest.param(NIGHTS_NY, "2017-03-11 21:00", 8 * H, "2017-03-13 03:00", id="ny-spring-next"),
    # New York fall 2017: the shift lasts 9 h; 8.5 h into it is 05:30 EST
    pytest.param(NIGHTS_NY, "2017-11-04 22:00", 510 * MIN, "2017-11-05 10:30", id="ny-fall-night"),
    pytest.param(NIGHTS_BERLIN, "2017-03-25 22:00", 7 * H, "2017-03-26 04:00", id="de-spring"),
    pytest.param(NIGHTS_BERLIN, "2017-03-25 22:00", 421 * MIN, "2017-03-26 20:01", id="de-next"),
    pytest.param(NIGHTS_BERLIN, "2017-10-28 22:00", 9 * H, "2017-10-29 05:00", id="de-fall"),
    # Sao Paulo 2017-10-15: local midnight does not exist, the Sunday opens at 01:00 -02
    pytest.param(SUNDAY_SAO, "2017-10-14 12:00", H, "2017-10-15 04:00", id="sao-midnight-gap"),
    pytest.param(SUNDAY_SAO, "2017-10-14 12:00", 23 * H, "2017-10-16 02:00", id="sao-23h-sunday"),
    pytest.param(SUNDAY_SAO, "2017-10-14 12:00", 23 * H + MIN, "2017-10-22 02:01", id="sao-next"),
    pytest.param(KOLKATA, "2024-01-08 17:00", 2 * H, "2024-01-09 04:30", id="kolkata"),
    pytest.param(KOLKATA, "2024-01-08T06:30-05:00", 2 * H, "2024-01-09 04:30", id="other-offset"),
]


@pytest.mark.parametrize(("cal", "start", "duration", "expected"), ADD_CASES)
def test_add_business_time(
    cal: BusinessCalendar, start: str, duration: timedelta, expected: str
) -> None:
    began = instant(cal, start)
    result = add_business_time(cal, began, duration)
    assert result == utc(expected)
    assert result.tzinfo is UTC
    assert business_time_between(cal, began, result) == duration


def test_add_zero_returns_start_unchanged_even_when_closed() -> None:
    saturday = local("Europe/Berlin", "2024-05-18 12:00")
    result = add_business_time(BERLIN, saturday, timedelta(0))
    assert result == saturday
    assert result.tzinfo is UTC


def test_add_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(BERLIN, utc("2024-05-13 10:00"), -MIN)


def test_add_keeps_sub_second_precision() -> None:
    start = local("Europe/Berlin", "2024-05-17 16:59:59.999999")
    assert add_business_time(BERLIN, start, timedelta(microseconds=2)) == utc(
        "2024-05-21 07:00:00.000001"
    )


# -- business_time_between ----------------------------------------------------------------------

BETWEEN_CASES = [
    ("berlin-spring-sunday", SUNDAY_BERLIN, "Europe/Berlin", "2017-03-26", 23 * H),
    ("berlin-normal-sunday", SUNDAY_BERLIN, "Europe/Berlin", "2017-03-19", 24 * H),
    ("berlin-fall-sunday", SUNDAY_BERLIN, "Europe/Berlin", "2017-10-29", 25 * H),
    ("ny-spring-sunday", SUNDAY_NY, "America/New_York", "2017-03-12", 23 * H),
    ("ny-fall-sunday", SUNDAY_NY, "America/New_York", "2017-11-05", 25 * H),
    ("sao-spring-sunday", SUNDAY_SAO, "America/Sao_Paulo", "2017-10-15", 23 * H),
    # Sao Paulo 2017-02-19 00:00 -02 -> 2017-02-18 23:00 -03: the repeated hour is Saturday's
    ("sao-fall-sunday", SUNDAY_SAO, "America/Sao_Paulo", "2017-02-19", 24 * H),
    ("sao-fall-saturday", SATURDAY_SAO, "America/Sao_Paulo", "2017-02-18", 25 * H),
    ("lunch-day", LUNCH, "Europe/Berlin", "2024-05-13", 8 * H),
    ("holiday", LUNCH, "Europe/Berlin", "2024-05-20", timedelta(0)),
]


@pytest.mark.parametrize(
    ("cal", "zone", "day", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_business_time_over_a_local_day(
    cal: BusinessCalendar, zone: str, day: str, expected: timedelta
) -> None:
    start = local(zone, f"{day} 00:00")
    end = local(zone, f"{(date.fromisoformat(day) + DAY).isoformat()} 00:00")
    assert business_time_between(cal, start, end) == expected
    assert business_time_between(cal, end, start) == -expected


NIGHT_SHIFT_CASES = [
    ("ny-spring", NIGHTS_NY, date(2017, 3, 11), 7 * H),
    ("ny-fall", NIGHTS_NY, date(2017, 11, 4), 9 * H),
    ("ny-normal", NIGHTS_NY, date(2017, 3, 18), 8 * H),
    ("berlin-spring", NIGHTS_BERLIN, date(2017, 3, 25), 7 * H),
    ("berlin-fall", NIGHTS_BERLIN, date(2017, 10, 28), 9 * H),
    ("sao-spring", NIGHTS_SAO, date(2017, 10, 14), 7 * H),
    ("sao-fall", NIGHTS_SAO, date(2017, 2, 18), 9 * H),
]


@pytest.mark.parametrize(
    ("cal", "day", "length"),
    [case[1:] for case in NIGHT_SHIFT_CASES],
    ids=[case[0] for case in NIGHT_SHIFT_CASES],
)
def test_overnight_shift_lasts_real_time(
    cal: BusinessCalendar, day: date, length: timedelta
) -> None:
    zone = ZoneInfo(cal.timezone)
    opens = datetime.combine(day, time(22), tzinfo=zone)
    close = end_of_business_day(cal, day)
    assert close is not None
    assert close.astimezone(zone).replace(tzinfo=None) == datetime.combine(day + DAY, time(6))
    assert close - opens == length
    assert business_time_between(cal, opens - H, close + H) == length
    assert add_business_time(cal, opens - H, length) == close


def test_night_shift_boundaries_in_new_york() -> None:
    # Friday 00:00 to Monday 00:00: Thursday's tail 6 h, Friday's 8 h, Saturday's 7 h (DST), 2 h.
    start, end = local("America/New_York", "2017-03-10"), local("America/New_York", "2017-03-13")
    assert business_time_between(NIGHTS_NY, start, end) == 23 * H


# -- the nonexistent / ambiguous local time rules ------------------------------------------------


def test_nonexistent_start_maps_to_the_end_of_the_gap() -> None:
    cal = make({"sun": [["02:30", "05:00"]]})  # Berlin, 2017-03-26 02:00 -> 03:00
    assert next_open(cal, utc("2017-03-25 12:00")) == utc("2017-03-26 01:00")  # 03:00 CEST
    assert end_of_business_day(cal, date(2017, 3, 26)) == utc("2017-03-26 03:00")
    sunday = (
        local("Europe/Berlin", "2017-03-26 00:00"),
        local("Europe/Berlin", "2017-03-27 00:00"),
    )
    assert business_time_between(cal, *sunday) == 2 * H
    normal = (
        local("Europe/Berlin", "2017-03-19 00:00"),
        local("Europe/Berlin", "2017-03-20 00:00"),
    )
    assert business_time_between(cal, *normal) == 150 * MIN


def test_nonexistent_end_maps_to_the_end_of_the_gap() -> None:
    cal = make({"sun": [["01:00", "02:30"]]})
    assert end_of_business_day(cal, date(2017, 3, 26)) == utc("2017-03-26 01:00")
    assert is_open(cal, utc("2017-03-26 00:59:59"))
    assert not is_open(cal, utc("2017-03-26 01:00"))
    assert add_business_time(cal, utc("2017-03-25 12:00"), H) == utc("2017-03-26 01:00")


def test_interval_entirely_in_the_gap_makes_the_date_closed() -> None:
    cal = make({"sun": [["02:00", "02:30"]]})
    assert end_of_business_day(cal, date(2017, 3, 26)) is None
    assert add_business_days(cal, date(2017, 3, 25), 1) == date(2017, 4, 2)
    assert next_open(cal, utc("2017-03-25 12:00")) == local("Europe/Berlin", "2017-04-02 02:00")


def test_sao_paulo_nonexistent_midnight() -> None:
    cal = make({"sun": [["00:00", "06:00"]], "sat": [["18:00", "00:00"]]}, "America/Sao_Paulo")
    # Saturday "until midnight" ends when midnight would have been: the 01:00 -02 instant.
    assert end_of_business_day(cal, date(2017, 10, 14)) == utc("2017-10-15 03:00")
    assert business_time_between(cal, utc("2017-10-14 00:00"), utc("2017-10-15 03:00")) == 6 * H
    # Sunday opens at the same instant and runs 5 real hours.
    saturday_late = local("America/Sao_Paulo", "2017-10-14 23:59")
    assert next_open(cal, saturday_late) == saturday_late
    assert business_time_between(cal, utc("2017-10-15 03:00"), utc("2017-10-16 03:00")) == 5 * H


AMBIGUOUS_CASES = [
    # Berlin 2017-10-29 03:00 CEST -> 02:00 CET: 02:30 is read as the first (CEST) 02:30
    ("Europe/Berlin", "sun", "02:30", "04:00", date(2017, 10, 29), "10-29 00:30", "10-29 03:00"),
    ("Europe/Berlin", "sun", "01:00", "02:30", date(2017, 10, 29), "10-28 23:00", "10-29 00:30"),
    # New York 2017-11-05 02:00 EDT -> 01:00 EST
    ("America/New_York", "sun", "01:30", "03:00", date(2017, 11, 5), "11-05 05:30", "11-05 08:00"),
    # Sao Paulo 2017-02-19 00:00 -02 -> 2017-02-18 23:00 -03
    ("America/Sao_Paulo", "sat", "23:30", "00:30", date(2017, 2, 18), "02-19 01:30", "02-19 03:30"),
]


@pytest.mark.parametrize(
    ("zone", "weekday", "start", "end", "day", "opens", "closes"), AMBIGUOUS_CASES
)
def test_ambiguous_edges_take_the_first_occurrence(
    zone: str, weekday: str, start: str, end: str, day: date, opens: str, closes: str
) -> None:
    cal = make({weekday: [[start, end]]}, zone)
    assert next_open(cal, datetime.combine(day, time(0), tzinfo=UTC) - DAY) == utc(f"2017-{opens}")
    assert end_of_business_day(cal, day) == utc(f"2017-{closes}")


def test_ambiguous_readings_inside_and_outside() -> None:
    tz = "Europe/Berlin"
    late_start = make({"sun": [["02:30", "04:00"]]})  # opens at the first 02:30
    assert is_open(late_start, local(tz, "2017-10-29 02:15", fold=1))
    assert not is_open(late_start, local(tz, "2017-10-29 02:15", fold=0))
    early_end = make({"sun": [["01:00", "02:30"]]})  # closes at the first 02:30
    assert is_open(early_end, local(tz, "2017-10-29 02:15", fold=0))
    assert not is_open(early_end, local(tz, "2017-10-29 02:15", fold=1))


# -- is_open / next_open / end_of_business_day ----------------------------------------------------


def test_is_open_boundaries() -> None:
    assert is_open(BERLIN, local("Europe/Berlin", "2024-05-13 09:00"))
    assert is_open(BERLIN, local("Europe/Berlin", "2024-05-13 16:59:59.999999"))
    assert not is_open(BERLIN, local("Europe/Berlin", "2024-05-13 17:00"))
    assert not is_open(BERLIN, local("Europe/Berlin", "2024-05-13 08:59:59.999999"))
    assert not is_open(BERLIN, local("Europe/Berlin", "2024-05-20 10:00"))  # Whit Monday
    assert is_open(BERLIN, local("Europe/Berlin", "2024-12-24 10:00"))  # open date override
    assert not is_open(LUNCH, local("Europe/Berlin", "2024-05-13 12:45"))


def test_overnight_interval_belongs_to_the_day_it_starts() -> None:
    tuesday_night = local("Europe/Berlin", "2024-05-14 03:00")
    assert is_open(NIGHTS_BERLIN, tuesday_night)
    closed_tuesday = make(NIGHTS, closed=(date(2024, 5, 14),))
    assert is_open(closed_tuesday, tuesday_night)  # Monday's shift is not cut
    assert end_of_business_day(closed_tuesday, date(2024, 5, 13)) == utc("2024-05-14 04:00")
    closed_monday = make(NIGHTS, closed=(date(2024, 5, 13),))
    assert not is_open(closed_monday, tuesday_night)  # Monday's shift is removed
    assert next_open(closed_monday, tuesday_night) == local("Europe/Berlin", "2024-05-14 22:00")


def test_next_open() -> None:
    inside = local("Europe/Berlin", "2024-05-13 10:00:00.5")
    assert next_open(BERLIN, inside) == inside
    assert next_open(BERLIN, inside).tzinfo is UTC
    assert next_open(BERLIN, local("Europe/Berlin", "2024-05-17 17:00")) == utc("2024-05-21 07:00")
    assert next_open(LUNCH, local("Europe/Berlin", "2024-05-13 12:45")) == utc("2024-05-13 11:30")
    assert next_open(BERLIN, local("Europe/Berlin", "2024-12-31 17:00")) == utc("2025-01-02 08:00")


def test_end_of_business_day() -> None:
    assert end_of_business_day(BERLIN, date(2024, 5, 17)) == utc("2024-05-17 15:00")
    assert end_of_business_day(LUNCH, date(2024, 5, 17)) == utc("2024-05-17 16:00")
    assert end_of_business_day(BERLIN, date(2024, 5, 18)) is None  # Saturday
    assert end_of_business_day(BERLIN, date(2024, 5, 20)) is None  # holiday
    assert end_of_business_day(BERLIN, date(2024, 12, 24)) == utc("2024-12-24 16:00")
    assert end_of_business_day(NIGHTS_BERLIN, date(2024, 5, 13)) == utc("2024-05-14 04:00")


def test_open_dates_do_not_open_a_weekday_without_hours() -> None:
    cal = make(NINE_TO_FIVE, opened=(date(2024, 5, 18),))
    assert end_of_business_day(cal, date(2024, 5, 18)) is None
    assert add_business_days(cal, date(2024, 5, 17), 1) == date(2024, 5, 20)


def test_touching_intervals_form_one_stretch() -> None:
    cal = make({"mon": [["22:00", "00:00"]], "tue": [["00:00", "06:00"]]})
    monday_late = local("Europe/Berlin", "2024-05-13 23:00")
    assert add_business_time(cal, monday_late, 2 * H) == local("Europe/Berlin", "2024-05-14 01:00")
    assert add_business_time(cal, monday_late, H) == local("Europe/Berlin", "2024-05-14 00:00")
    assert is_open(cal, local("Europe/Berlin", "2024-05-14 00:00"))
    week = (local("Europe/Berlin", "2024-05-13"), local("Europe/Berlin", "2024-05-20"))
    assert business_time_between(cal, *week) == 8 * H


def test_overlapping_unvalidated_intervals_count_once() -> None:
    cal = BusinessCalendar("UTC", {0: ((time(9), time(12)), (time(11), time(14)))})
    assert business_time_between(cal, utc("2024-05-13"), utc("2024-05-14")) == 5 * H
    assert add_business_time(cal, utc("2024-05-13 08:00"), 4 * H) == utc("2024-05-13 13:00")
    assert add_business_time(cal, utc("2024-05-13 11:30"), 2 * H) == utc("2024-05-13 13:30")


# -- business days and deadlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2024, 5, 17), 0, date(2024, 5, 17)),
        (date(2024, 5, 17), 1, date(2024, 5, 21)),  # Whit Monday skipped
        (date(2024, 5, 18), 0, date(2024, 5, 21)),
        (date(2024, 5, 18), 1, date(2024, 5, 21)),
        (date(2024, 5, 13), 5, date(2024, 5, 21)),
        (date(2024, 12, 23), 1, date(2024, 12, 24)),  # closed, but re-opened
        (date(2024, 12, 24), 1, date(2024, 12, 27)),
        (date(2024, 12, 31), 1, date(2025, 1, 2)),
        (date(2024, 3, 28), 1, date(2024, 4, 2)),
        (date(2024, 1, 1), 260, date(2025, 1, 7)),  # 256 open dates left in 2024
    ],
)
def test_add_business_days(day: date, n: int, expected: date) -> None:
    assert add_business_days(BERLIN, day, n) == expected


def test_add_business_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_days(BERLIN, date(2024, 5, 13), -1)


DEADLINE_CASES = [
    # {"business_days": 5, "by": "17:00"} made Monday morning, Whit Monday in between
    ("five-by-17", BERLIN, "2024-05-13 10:00", 5, time(17), "2024-05-21 15:00"),
    ("five-at-close", LUNCH, "2024-05-13 10:00", 5, None, "2024-05-21 16:00"),
    ("five-by-noon", LUNCH, "2024-05-13 10:00", 5, time(12), "2024-05-21 10:00"),
    ("zero-today", BERLIN, "2024-05-13 10:00", 0, None, "2024-05-13 15:00"),
    ("zero-after-close", BERLIN, "2024-05-13 18:00", 0, None, "2024-05-14 15:00"),
    ("zero-at-close", BERLIN, "2024-05-13 17:00", 0, None, "2024-05-14 15:00"),
    ("zero-by-passed", BERLIN, "2024-05-13 13:00", 0, time(12), "2024-05-14 10:00"),
    ("zero-saturday", BERLIN, "2024-05-18 10:00", 0, None, "2024-05-21 15:00"),
    ("one-after-close-friday", BERLIN, "2024-05-17 20:00", 1, None, "2024-05-21 15:00"),
    ("one-year-end", BERLIN, "2024-12-31 10:00", 1, None, "2025-01-02 16:00"),
    ("one-before-easter", BERLIN, "2024-03-28 10:00", 1, time(17), "2024-04-02 15:00"),
    ("zero-overnight", NIGHTS_BERLIN, "2024-05-13 12:00", 0, None, "2024-05-14 04:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cal", "start", "n", "by", "expected"),
    [case[1:] for case in DEADLINE_CASES],
    ids=[case[0] for case in DEADLINE_CASES],
)
def test_business_day_deadline(
    cal: BusinessCalendar, start: str, n: int, by: time | None, expected: str
) -> None:
    result = business_day_deadline(cal, local(cal.timezone, start), n, by)
    assert result == utc(expected)
    assert result.tzinfo is UTC


def test_deadline_by_time_follows_the_gap_rule() -> None:
    cal = make({"sun": [["00:00", "00:00"]]})
    start = local("Europe/Berlin", "2017-03-26 00:30")
    assert business_day_deadline(cal, start, 0, time(2, 30)) == utc("2017-03-26 01:00")


def test_deadline_rejects_bad_arguments() -> None:
    start = utc("2024-05-13 10:00")
    with pytest.raises(ValueError, match="naive"):
        business_day_deadline(BERLIN, start, 1, time(17, tzinfo=UTC))
    with pytest.raises(ValueError, match="negative"):
        business_day_deadline(BERLIN, start, -1, None)


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"monday": [["09:00", "17:00"]]}, "weekly_hours.monday"),
        ({"Mon": [["09:00", "17:00"]]}, "weekly_hours.Mon"),
        ({"mon": "09:00-17:00"}, "weekly_hours.mon"),
        ({"mon": [["9:00", "17:00"]]}, "weekly_hours.mon[0]"),
        ({"mon": [["09:00", "12:00"], ["13:00", "25:00"]]}, "weekly_hours.mon[1]"),
        ({"mon": [["09:00", "17:60"]]}, "weekly_hours.mon[0]"),
        ({"mon": [["09:00", "17:00:00"]]}, "weekly_hours.mon[0]"),
        ({"mon": [["09:00"]]}, "weekly_hours.mon[0]"),
        ({"mon": [["09:00", "12:00", "13:00"]]}, "weekly_hours.mon[0]"),
        ({"mon": ["09:00"]}, "weekly_hours.mon[0]"),
        ({"mon": [[9, 17]]}, "weekly_hours.mon[0]"),
        ({"tue": [["09:00", "09:00"]]}, "weekly_hours.tue[0]"),
        ({"tue": [["24:00", "06:00"]]}, "weekly_hours.tue[0]"),
        ({"wed": [["09:00", "13:00"], ["12:00", "17:00"]]}, "weekly_hours.wed[1]"),
        ({"wed": [["13:00", "17:00"], ["09:00", "13:30"]]}, "weekly_hours.wed[0]"),
        ({"wed": [["09:00", "12:00"], ["09:00", "12:00"]]}, "weekly_hours.wed[1]"),
        ({"thu": [["08:00", "20:00"], ["09:00", "10:00"]]}, "weekly_hours.thu[1]"),
        ({"mon": [["22:00", "06:00"]], "tue": [["05:00", "09:00"]]}, "weekly_hours.tue[0]"),
        ({"tue": [["00:00", "00:00"], ["23:00", "01:00"]]}, "weekly_hours.tue[1]"),
        ({"sun": [["22:00", "02:00"]], "mon": [["01:00", "09:00"]]}, "weekly_hours.mon[0]"),
    ],
)  # fmt: skip
def test_parse_weekly_hours_errors_name_the_field(raw: Any, field: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_weekly_hours(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)


def test_parse_weekly_hours_rejects_a_non_mapping() -> None:
    with pytest.raises(CalendarError) as caught:
        parse_weekly_hours([["09:00", "17:00"]])  # type: ignore[arg-type]
    assert caught.value.field == "weekly_hours"


def test_parse_weekly_hours_accepts() -> None:
    parsed = parse_weekly_hours(
        {
            "fri": [["13:30", "18:00"], ["09:00", "12:30"]],
            "mon": [["12:00", "13:00"], ["09:00", "12:00"]],  # touching is fine
            "sat": [["22:00", "24:00"]],
            "sun": [["00:00", "00:00"]],
            "tue": [],
        }
    )
    assert parsed == {
        0: ((time(9), time(12)), (time(12), time(13))),
        4: ((time(9), time(12, 30)), (time(13, 30), time(18))),
        5: ((time(22), time(0)),),
        6: ((time(0), time(0)),),
    }
    assert list(parsed) == [0, 4, 5, 6]
    assert parse_weekly_hours({}) == {}


@pytest.mark.parametrize(
    ("zone", "hours", "field"),
    [
        ("Mars/Olympus_Mons", {0: ((time(9), time(17)),)}, "timezone"),
        ("", {0: ((time(9), time(17)),)}, "timezone"),
        ("America", {0: ((time(9), time(17)),)}, "timezone"),
        ("../../etc/passwd", {0: ((time(9), time(17)),)}, "timezone"),
        ("localtime", {0: ((time(9), time(17)),)}, "timezone"),
        ("Europe/Berlin", {}, "weekly_hours"),
        ("Europe/Berlin", {0: (), 1: ()}, "weekly_hours"),
        ("Europe/Berlin", {7: ((time(9), time(17)),)}, "weekly_hours[7]"),
        ("Europe/Berlin", {0: ((time(9), time(9)),)}, "weekly_hours.mon[0]"),
        ("Europe/Berlin", {2: ((time(9), time(17, tzinfo=UTC)),)}, "weekly_hours.wed[0]"),
        (
            "Europe/Berlin",
            {6: ((time(20), time(4)),), 0: ((time(3), time(5)),)},
            "weekly_hours.mon[0]",
        ),
    ],
)
def test_validate_calendar_errors_name_the_field(zone: str, hours: Any, field: str) -> None:
    with pytest.raises(CalendarError) as caught:
        validate_calendar(BusinessCalendar(zone, hours))
    assert caught.value.field == field


def test_functions_reject_an_unknown_zone() -> None:
    cal = BusinessCalendar("Nowhere/Special", {0: ((time(9), time(17)),)})
    with pytest.raises(CalendarError) as caught:
        is_open(cal, utc("2024-05-13 10:00"))
    assert caught.value.field == "timezone"
    with pytest.raises(CalendarError):
        end_of_business_day(cal, date(2024, 5, 13))


NAIVE = datetime(2024, 5, 13, 10)
NAIVE_CALLS: list[Callable[[], object]] = [
    lambda: is_open(BERLIN, NAIVE),
    lambda: next_open(BERLIN, NAIVE),
    lambda: add_business_time(BERLIN, NAIVE, H),
    lambda: add_business_time(BERLIN, NAIVE, timedelta(0)),
    lambda: business_time_between(BERLIN, NAIVE, utc("2024-05-14")),
    lambda: business_time_between(BERLIN, utc("2024-05-14"), NAIVE),
    lambda: business_day_deadline(BERLIN, NAIVE, 1, None),
]


@pytest.mark.parametrize("call", NAIVE_CALLS)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# -- never open: fail fast, never hang -----------------------------------------------------------


def test_calendar_without_hours_raises_no_open_time_quickly() -> None:
    cal = BusinessCalendar("Europe/Berlin", {})
    t = utc("2024-05-13 10:00")
    began = clock.perf_counter()
    calls: list[Callable[[], object]] = [
        lambda: next_open(cal, t),
        lambda: add_business_time(cal, t, H),
        lambda: add_business_days(cal, date(2024, 5, 13), 0),
        lambda: add_business_days(cal, date(2024, 5, 13), 3),
        lambda: business_day_deadline(cal, t, 1, time(17)),
    ]
    for call in calls:
        with pytest.raises(NoOpenTime) as caught:
            call()
        assert caught.value.field == "weekly_hours"
        assert isinstance(caught.value, CalendarError)
    assert not is_open(cal, t)
    assert business_time_between(cal, t, t + 400 * DAY) == timedelta(0)
    assert end_of_business_day(cal, date(2024, 5, 13)) is None
    assert clock.perf_counter() - began < 1


def test_closed_for_longer_than_the_horizon_raises_no_open_time() -> None:
    first = date(2024, 5, 13)
    closed = tuple(first + i * DAY for i in range(MAX_CLOSED_DAYS + 10))
    cal = make(NINE_TO_FIVE, closed=closed)
    t = local("Europe/Berlin", "2024-05-13 10:00")
    began = clock.perf_counter()
    calls: list[Callable[[], object]] = [
        lambda: next_open(cal, t),
        lambda: add_business_time(cal, t, MIN),
        lambda: add_business_days(cal, first, 1),
        lambda: business_day_deadline(cal, t, 0, None),
    ]
    for call in calls:
        with pytest.raises(NoOpenTime) as caught:
            call()
        assert caught.value.field == "closed_dates"
    assert business_time_between(cal, t, t + 11 * 365 * DAY) > timedelta(0)
    assert clock.perf_counter() - began < 2


def test_long_closure_within_the_horizon_is_crossed() -> None:
    first = date(2024, 5, 13)
    cal = make(NINE_TO_FIVE, closed=tuple(first + i * DAY for i in range(3000)))
    reopening = next_open(cal, local("Europe/Berlin", "2024-05-13 10:00"))
    assert reopening.astimezone(ZoneInfo("Europe/Berlin")).date() >= first + 3000 * DAY
    assert is_open(cal, reopening)


def test_five_business_days_is_cheap() -> None:
    start = local("Europe/Berlin", "2024-05-13 10:00")
    began = clock.perf_counter()
    for _ in range(1000):
        add_business_time(LUNCH, start, 40 * H)
    assert clock.perf_counter() - began < 1  # about 50 microseconds a call


# -- properties against a brute-force minute-by-minute reference ---------------------------------

ANCHORS = [  # around each zone's 2017 DST changes (and a year end)
    ("Europe/Berlin", date(2017, 3, 26)),
    ("Europe/Berlin", date(2017, 10, 29)),
    ("America/New_York", date(2017, 3, 12)),
    ("America/New_York", date(2017, 11, 5)),
    ("America/Sao_Paulo", date(2017, 2, 19)),
    ("America/Sao_Paulo", date(2017, 10, 15)),
    ("Australia/Lord_Howe", date(2017, 4, 2)),  # a 30-minute DST shift
    ("Australia/Lord_Howe", date(2017, 10, 1)),
    ("Asia/Kolkata", date(2017, 12, 31)),
    ("UTC", date(2017, 12, 31)),
]
WINDOW_DAYS = 12  # the reference covers [anchor - 4 days, anchor + 8 days)
N = WINDOW_DAYS * 1440
QUERY = (2 * 1440, 7 * 1440)  # queried instants, as minute offsets in the window
SLOT = 15  # calendar edges on a 15-minute grid; instants and durations in whole minutes
WEEK_SLOTS = 7 * 96


@cache
def wall_clock(zone: str, anchor: date) -> tuple[datetime, tuple[datetime, ...]]:
    """The window's origin and, per minute, the running maximum of the local wall-clock reading."""
    origin = datetime.combine(anchor - 4 * DAY, time(0), tzinfo=UTC)
    tz = ZoneInfo(zone)
    walls = ((origin + i * MIN).astimezone(tz).replace(tzinfo=None) for i in range(N))
    return origin, tuple(accumulate(walls, max))


@dataclass(frozen=True)
class Case:
    cal: BusinessCalendar
    origin: datetime
    open_minutes: bytes  # 1 where the minute starting there is open
    prefix: tuple[int, ...]  # prefix[i] = open minutes in [0, i)
    day_closes: dict[date, int | None]  # minute index of each local date's close, None if closed

    def at(self, minute: int) -> datetime:
        return self.origin + minute * MIN


def reference(cal: BusinessCalendar, anchor: date) -> Case:
    """Independent model: a wall-clock time maps to the first minute whose local reading is at or
    after it; a minute is open when some interval of an open date covers it."""
    origin, running = wall_clock(cal.timezone, anchor)
    opened = bytearray(N)
    closes: dict[date, int | None] = {}
    day = anchor - 6 * DAY
    while day <= anchor + 9 * DAY:
        closes[day] = None
        if day not in cal.closed_dates or day in cal.open_dates:
            for start, end in cal.weekly_hours.get(day.weekday(), ()):
                i = bisect_left(running, datetime.combine(day, start))
                end_day = day if end > start else day + DAY
                j = bisect_left(running, datetime.combine(end_day, end))
                if j > i:
                    opened[i:j] = b"\x01" * (j - i)
                    closes[day] = max(j, closes[day] or 0)
        day += DAY
    return Case(cal, origin, bytes(opened), (0, *accumulate(opened)), closes)


# Edges are biased towards 00:00-04:00, where the DST changes of these zones happen, and towards
# short intervals, so that edges often fall inside a gap or a repeated hour.
STARTS = (
    st.integers(0, WEEK_SLOTS - 1)
    | st.builds(lambda day, slot: day * 96 + slot, st.integers(0, 6), st.integers(0, 16))
    | st.integers(0, 6).map(lambda day: day * 96)
)
LENGTHS = st.integers(1, 96) | st.integers(1, 8) | st.just(96)


@st.composite
def weekly_hours(draw: st.DrawFn, *, overlaps: bool = False) -> dict[int, tuple[Interval, ...]]:
    """Random (start, length) pairs on a 15-minute grid. Valid by construction unless `overlaps`:
    pairs that would overlap (overnight spills and Sunday-into-Monday included) are dropped."""
    pairs = draw(st.lists(st.tuples(STARTS, LENGTHS), min_size=1, max_size=8))
    kept: list[tuple[int, int]] = []
    for start, drawn in sorted(pairs):
        length = 95 if start % 96 and drawn == 96 else drawn  # 24 h only from midnight
        if overlaps or not kept or start >= kept[-1][1]:
            kept.append((start, start + length))
    while not overlaps and len(kept) > 1 and kept[-1][1] - WEEK_SLOTS > kept[0][0]:
        kept.pop()
    hours: dict[int, list[Interval]] = {}
    for start, end in kept:
        edges = (time(start % 96 // 4, start % 4 * SLOT), time(end % 96 // 4, end % 4 * SLOT))
        hours.setdefault(start // 96, []).append(edges)
    return {weekday: tuple(intervals) for weekday, intervals in hours.items()}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone, anchor = draw(st.sampled_from(ANCHORS))
    window_dates = st.integers(-5, 8).map(lambda offset: anchor + offset * DAY)
    # One calendar in five is built directly with overlapping intervals (as validate_calendar
    # would refuse): the arithmetic must still count the union once.
    overlaps = draw(st.integers(0, 4)) == 0
    cal = BusinessCalendar(
        zone,
        draw(weekly_hours(overlaps=overlaps)),
        frozenset(draw(st.sets(window_dates, max_size=6))),
        frozenset(draw(st.sets(window_dates, max_size=3))),
    )
    if not overlaps:
        validate_calendar(cal)  # the generator builds valid calendars
    return reference(cal, anchor)


minutes_in_window = st.integers(*QUERY)
business_minutes = st.integers(0, 3 * 1440)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(cases(), minutes_in_window, minutes_in_window)
def test_between_matches_reference(case: Case, a: int, b: int) -> None:
    expected = (case.prefix[b] - case.prefix[a]) * MIN
    assert business_time_between(case.cal, case.at(a), case.at(b)) == expected


@PROPERTY
@given(cases(), minutes_in_window, business_minutes)
def test_add_matches_reference(case: Case, a: int, minutes: int) -> None:
    result = add_business_time(case.cal, case.at(a), minutes * MIN)
    target = case.prefix[a] + minutes
    if minutes == 0:
        assert result == case.at(a)
    elif target <= case.prefix[N]:
        assert result == case.at(bisect_left(case.prefix, target))
    else:  # beyond the reference window
        assert result > case.at(N)


@PROPERTY
@given(cases(), minutes_in_window)
def test_add_stops_exactly_at_a_close(case: Case, a: int) -> None:
    """A duration used up exactly at a close returns the close, not the next opening."""
    closes = [i for i in range(a + 1, N) if case.open_minutes[i - 1] and not case.open_minutes[i]]
    for close in closes[:3]:
        used = (case.prefix[close] - case.prefix[a]) * MIN
        assert add_business_time(case.cal, case.at(a), used) == case.at(close)


@PROPERTY
@given(cases(), minutes_in_window)
def test_is_open_and_next_open_match_reference(case: Case, u: int) -> None:
    assert is_open(case.cal, case.at(u)) is bool(case.open_minutes[u])
    following = case.open_minutes.find(b"\x01", u)
    if following != -1:
        assert next_open(case.cal, case.at(u)) == case.at(following)
    else:
        assert next_open(case.cal, case.at(u)) >= case.at(N)


@PROPERTY
@given(cases(), st.integers(-2, 4), st.integers(0, 3))
def test_business_days_match_reference(case: Case, offset: int, n: int) -> None:
    day = case.origin.date() + 4 * DAY + offset * DAY
    close = case.day_closes[day]
    assert end_of_business_day(case.cal, day) == (None if close is None else case.at(close))
    # dates whose intervals lie inside the reference window
    last_day = case.origin.date() + 9 * DAY
    open_days = sorted(d for d, c in case.day_closes.items() if c is not None and d <= last_day)
    expected = [d for d in open_days if d > day or (n == 0 and d == day)]
    if len(expected) > max(n - 1, 0):
        assert add_business_days(case.cal, day, n) == expected[max(n - 1, 0)]


@PROPERTY
@given(
    cases(),
    st.integers(QUERY[0] * 60_000_000, QUERY[1] * 60_000_000),
    st.integers(0, 3 * 86_400_000_000),
)
def test_between_inverts_add(case: Case, start_us: int, duration_us: int) -> None:
    """Holds at microsecond precision, for instants given in any offset."""
    start = (case.origin + timedelta(microseconds=start_us)).astimezone(ZoneInfo("Asia/Tokyo"))
    duration = timedelta(microseconds=duration_us)
    end = add_business_time(case.cal, start, duration)
    assert end >= start
    assert business_time_between(case.cal, start, end) == duration


@PROPERTY
@given(cases(), minutes_in_window, business_minutes, business_minutes)
def test_add_is_monotonic_and_additive(case: Case, a: int, m1: int, m2: int) -> None:
    start = case.at(a)
    first = add_business_time(case.cal, start, m1 * MIN)
    both = add_business_time(case.cal, start, (m1 + m2) * MIN)
    assert start <= first <= both
    assert add_business_time(case.cal, first, m2 * MIN) == both


@PROPERTY
@given(cases(), minutes_in_window, minutes_in_window, minutes_in_window)
def test_between_is_additive(case: Case, a: int, b: int, c: int) -> None:
    ta, tb, tc = case.at(a), case.at(b), case.at(c)
    cal = case.cal
    assert business_time_between(cal, ta, tb) + business_time_between(
        cal, tb, tc
    ) == business_time_between(cal, ta, tc)


@PROPERTY
@given(weekly_hours())
def test_parse_round_trips_generated_hours(hours: dict[int, tuple[Interval, ...]]) -> None:
    raw = {
        WEEKDAYS[weekday]: [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in intervals]
        for weekday, intervals in hours.items()
    }
    assert parse_weekly_hours(raw) == {weekday: tuple(sorted(v)) for weekday, v in hours.items()}
