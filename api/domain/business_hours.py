"""Weekly opening hours: parsing ``{"mon": [["09:00", "17:00"]], ...}`` and checking overlaps.

Pure, standard library only; the arithmetic lives in ``api.domain.business_calendar``, which
re-exports everything public here. An interval whose end is at or before its start runs
overnight into the next day (00:00-00:00 is a full day); other intervals with equal edges are
malformed. "24:00" is accepted as an end and means midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from itertools import pairwise

__all__ = [
    "WEEKDAYS",
    "CalendarError",
    "Interval",
    "WeeklyHours",
    "check_weekly_hours",
    "parse_weekly_hours",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[time, time]
"""Local wall-clock (start, end); end at or before start runs overnight."""
WeeklyHours = Mapping[int, tuple[Interval, ...]]
"""0=Monday ... 6=Sunday -> intervals; a missing weekday is closed."""

_DAY_US = 86_400_000_000
_WEEK_US = 7 * _DAY_US
_MIDNIGHT = time(0)
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")


class CalendarError(ValueError):
    """A calendar that cannot be used; ``field`` names the culprit (``weekly_hours.mon[1]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _parse_time(value: object, field: str, *, is_end: bool) -> time:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
        if is_end and (hours, minutes) == (24, 0):
            return _MIDNIGHT
    raise CalendarError(field, f"expected a time 'HH:MM' (00:00-23:59), got {value!r}")


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def check_weekly_hours(hours: Mapping[int, Sequence[Interval]]) -> None:
    """Raise ``CalendarError`` for equal edges (other than 00:00-00:00) and for overlapping
    intervals, an overnight interval spilling into the next day's (Sunday's into Monday's)
    included. Touching intervals (12:00-13:00 then 13:00-17:00) are allowed."""
    spans: list[tuple[int, int, str]] = []
    for weekday, intervals in hours.items():
        for index, (start, end) in enumerate(intervals):
            field = f"weekly_hours.{WEEKDAYS[weekday]}[{index}]"
            if start == end and start != _MIDNIGHT:
                raise CalendarError(field, "start equals end; write 00:00-00:00 for a full day")
            begin = weekday * _DAY_US + _micros(start)
            length = (_micros(end) - _micros(start)) % _DAY_US or _DAY_US
            spans.append((begin, begin + length, field))
    spans.sort()
    for (_, end1, field1), (begin2, _, field2) in pairwise(spans):
        if begin2 < end1:
            raise CalendarError(field2, f"overlaps {field1}")
    if len(spans) > 1 and spans[-1][1] - _WEEK_US > spans[0][0]:
        raise CalendarError(spans[0][2], f"overlaps {spans[-1][2]}")


def parse_weekly_hours(
    raw: Mapping[str, Sequence[Sequence[str]]],
) -> dict[int, tuple[Interval, ...]]:
    """Parse ``{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...}`` into weekday -> intervals.

    Keys are ``mon tue wed thu fri sat sun``; a missing key or an empty list is a closed weekday.
    Intervals are returned sorted by start. Raises ``CalendarError`` naming the bad field.
    """
    if not isinstance(raw, Mapping):
        raise CalendarError("weekly_hours", "expected an object keyed by mon, tue, ... sun")
    parsed: dict[int, tuple[Interval, ...]] = {}
    for key, pairs in raw.items():
        field = f"weekly_hours.{key}"
        if key not in WEEKDAYS:
            raise CalendarError(field, f"unknown weekday; expected one of {', '.join(WEEKDAYS)}")
        if isinstance(pairs, str) or not isinstance(pairs, Sequence):
            raise CalendarError(field, 'expected a list of ["HH:MM", "HH:MM"] intervals')
        intervals: list[Interval] = []
        for index, pair in enumerate(pairs):
            item = f"{field}[{index}]"
            if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise CalendarError(item, 'expected an interval ["HH:MM", "HH:MM"]')
            start = _parse_time(pair[0], item, is_end=False)
            intervals.append((start, _parse_time(pair[1], item, is_end=True)))
        if intervals:
            parsed[WEEKDAYS.index(key)] = tuple(intervals)
    check_weekly_hours(parsed)
    return {weekday: tuple(sorted(parsed[weekday])) for weekday in sorted(parsed)}
