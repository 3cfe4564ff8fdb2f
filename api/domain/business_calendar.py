"""Business-calendar arithmetic: opening hours, closed days and business time. Pure, stdlib only.

The rules, chosen deliberately (tests pin every one of them):

* **Open dates.** A date is open when its weekday has opening hours and it is not in
  ``closed_dates``, or it is in ``open_dates`` (an exception that re-opens a closed date with its
  weekday's normal hours; it cannot open a weekday that has no hours). A date whose intervals all
  vanish in a DST gap counts as closed.
* **Intervals belong to the date they start on.** An interval whose end is at or before its start
  runs overnight: Monday 22:00-06:00 runs Monday 22:00 -> Tuesday 06:00, and 00:00-00:00 is a full
  24 h day. A holiday on Monday removes Monday's overnight shift; a holiday on Tuesday does not cut
  it. ``parse_weekly_hours`` accepts "24:00" as an end ("until midnight" = "00:00").
* **Wall-clock edges, real durations.** Interval edges are local wall-clock times in the
  calendar's zone; business time is real elapsed time. Across a DST change an interval is as long
  as the real time between its two edges (22:00-06:00 lasts 7 h or 9 h on a DST night).
* **Nonexistent local times** (spring-forward gap) map to the first instant after the gap:
  02:30 in Europe/Berlin on the spring-forward day is 03:00 CEST; 00:00 in America/Sao_Paulo on
  2017-10-15 is 01:00 -02.
* **Ambiguous local times** (fall-back) take their first occurrence (``fold=0``), for an
  interval's start and for its end alike.
  Both rules amount to one: a wall-clock time maps to the earliest instant whose local reading is
  at or after it.
* **Business time** is the total length of the union of the open intervals: overlapping or
  touching intervals (Monday 22:00-00:00 then Tuesday 00:00-06:00) count once, with no seam.
* ``add_business_time`` with a zero duration returns ``start`` unchanged (even when closed); a
  positive duration that is used up exactly at a close returns that close, not the next opening.
  ``business_time_between(a, b)`` counts ``[a, b)`` and is negative when ``b < a``.
* ``business_day_deadline``: ``start``'s local date is day 0. With ``n == 0`` the deadline is the
  close (or ``by``) of the first open date on or after day 0 that is still ahead of ``start``.
* Every search for open time gives up with ``NoOpenTime`` after ``MAX_CLOSED_DAYS`` consecutive
  days without an opening; nothing loops forever.

All datetimes in must be timezone-aware (naive ones raise ``ValueError``); all out are UTC.
Functions expect a calendar that passed ``validate_calendar`` (an unknown zone always raises).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.domain.business_hours import (
    WEEKDAYS,
    CalendarError,
    Interval,
    WeeklyHours,
    check_weekly_hours,
    parse_weekly_hours,
)

__all__ = [
    "MAX_CLOSED_DAYS",
    "WEEKDAYS",
    "BusinessCalendar",
    "CalendarError",
    "Interval",
    "NoOpenTime",
    "WeeklyHours",
    "add_business_days",
    "add_business_time",
    "business_day_deadline",
    "business_time_between",
    "end_of_business_day",
    "is_open",
    "next_open",
    "parse_weekly_hours",
    "validate_calendar",
]

MAX_CLOSED_DAYS = 3700
"""A search for open time gives up after this many consecutive days without an opening."""

_ONE_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOST_ZONES = frozenset({"localtime", "posixrules"})  # depend on the machine, not on IANA

_Span = tuple[datetime, datetime]


class NoOpenTime(CalendarError):
    """The calendar does not open within ``MAX_CLOSED_DAYS`` days of the search's start."""


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    """IANA time zone name."""
    weekly_hours: WeeklyHours
    """0=Monday ... 6=Sunday -> local (start, end) intervals; a missing weekday is closed."""
    closed_dates: frozenset[date] = frozenset()
    """Public holidays and the tenant's own closed dates."""
    open_dates: frozenset[date] = frozenset()
    """Exceptions: open with the weekday's normal hours even when in ``closed_dates``."""


# -- validation ---------------------------------------------------------------------------------


def _zone(cal: BusinessCalendar) -> ZoneInfo:
    name = cal.timezone
    try:
        if isinstance(name, str) and name not in _HOST_ZONES:
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise CalendarError("timezone", f"unknown time zone {name!r}")


def validate_calendar(cal: BusinessCalendar) -> None:
    """Raise ``CalendarError`` unless ``cal`` is usable: a known zone, well-formed
    non-overlapping hours, and some open time in the week."""
    _zone(cal)
    if not isinstance(cal.weekly_hours, Mapping):
        raise CalendarError("weekly_hours", "expected a mapping of weekday -> intervals")
    for weekday, intervals in cal.weekly_hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise CalendarError(f"weekly_hours[{weekday!r}]", "weekday must be 0 (Mon) to 6 (Sun)")
        for index, pair in enumerate(intervals):
            if len(pair) != 2 or not all(
                isinstance(edge, time) and edge.tzinfo is None for edge in pair
            ):
                raise CalendarError(
                    f"weekly_hours.{WEEKDAYS[weekday]}[{index}]", "expected two naive times"
                )
    check_weekly_hours(cal.weekly_hours)
    if not any(cal.weekly_hours.values()):
        raise CalendarError("weekly_hours", "the calendar is never open")


# -- local wall-clock time -> instants ----------------------------------------------------------


def _utc(t: datetime, name: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {t.isoformat()}")
    return t.astimezone(UTC)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _previous(day: date) -> date:
    return day - _ONE_DAY if day > date.min else day


def local_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The earliest instant whose local reading is at or after ``day wall``: the first occurrence
    of an ambiguous time, the end of the gap for a nonexistent one."""
    naive = datetime.combine(day, wall).replace(tzinfo=None, fold=0)
    instant = naive.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    # In a gap: read with the offset after the change (fold=1) the instant is before the
    # transition, with the offset before it (fold=0) at or after. Bisect on whole seconds
    # (tzdata transitions fall on whole seconds).
    after = instant.astimezone(tz).utcoffset()
    low = (naive.replace(tzinfo=tz, fold=1).astimezone(UTC) - _EPOCH) // _SECOND
    high = -((_EPOCH - instant) // _SECOND)  # ceiling
    while high - low > 1:
        middle = (low + high) // 2
        if (_EPOCH + middle * _SECOND).astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return _EPOCH + high * _SECOND


def _is_open_date(cal: BusinessCalendar, day: date) -> bool:
    return bool(cal.weekly_hours.get(day.weekday())) and (
        day not in cal.closed_dates or day in cal.open_dates
    )


def _day_spans(cal: BusinessCalendar, tz: ZoneInfo, day: date) -> list[_Span]:
    """The non-empty open intervals starting on ``day``, as UTC instants, sorted by start."""
    if not _is_open_date(cal, day):
        return []
    spans = []
    for start, end in cal.weekly_hours[day.weekday()]:
        begin = local_to_utc(day, start, tz)
        close = local_to_utc(day if end > start else day + _ONE_DAY, end, tz)
        if close > begin:
            spans.append((begin, close))
    spans.sort()
    return spans


def _no_open_time(cal: BusinessCalendar, after: date) -> NoOpenTime:
    if not any(cal.weekly_hours.values()):
        return NoOpenTime("weekly_hours", "the calendar has no opening hours")
    return NoOpenTime("closed_dates", f"no open time within {MAX_CLOSED_DAYS} days of {after}")


def _spans(cal: BusinessCalendar, tz: ZoneInfo, first: date, last: date | None) -> Iterator[_Span]:
    """Open intervals starting on ``first`` .. ``last`` (or for ever), sorted by start. They may
    overlap or touch; callers take the union. Unbounded, raises ``NoOpenTime`` after
    ``MAX_CLOSED_DAYS`` consecutive days with no interval."""
    if last is None and not any(cal.weekly_hours.values()):
        raise _no_open_time(cal, first)
    day, closed_run = first, 0
    while last is None or day <= last:
        spans = _day_spans(cal, tz, day)
        if spans:
            closed_run = 0
            yield from spans
        elif last is None:
            closed_run += 1
            if closed_run > MAX_CLOSED_DAYS:
                raise _no_open_time(cal, first)
        day += _ONE_DAY


def _open_date_from(cal: BusinessCalendar, tz: ZoneInfo, day: date) -> date:
    """The first open date on or after ``day``."""
    for offset in range(MAX_CLOSED_DAYS + 1):
        candidate = day + offset * _ONE_DAY
        if _day_spans(cal, tz, candidate):
            return candidate
    raise _no_open_time(cal, day)


# -- the arithmetic -----------------------------------------------------------------------------


def is_open(cal: BusinessCalendar, t: datetime) -> bool:
    """Whether ``t`` falls inside an open interval (starts inclusive, ends exclusive)."""
    tz, instant = _zone(cal), _utc(t, "t")
    day = _local_date(instant, tz)
    return any(start <= instant < end for start, end in _spans(cal, tz, _previous(day), day))


def next_open(cal: BusinessCalendar, t: datetime) -> datetime:
    """``t`` itself (in UTC) when open, else the start of the next open interval."""
    tz, instant = _zone(cal), _utc(t, "t")
    for start, end in _spans(cal, tz, _previous(_local_date(instant, tz)), None):
        if end > instant:
            return max(start, instant)
    raise _no_open_time(cal, _local_date(instant, tz))  # pragma: no cover - _spans raises first


def add_business_time(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of business time has elapsed after ``start``.

    Zero returns ``start`` (in UTC) unchanged; a duration used up exactly at a close returns the
    close. Negative durations raise ``ValueError``.
    """
    tz, cursor = _zone(cal), _utc(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return cursor
    remaining = duration
    for begin, end in _spans(cal, tz, _previous(_local_date(cursor, tz)), None):
        if end <= cursor:
            continue
        available = end - max(begin, cursor)
        if remaining <= available:
            return max(begin, cursor) + remaining
        remaining -= available
        cursor = end
    raise _no_open_time(cal, _local_date(cursor, tz))  # pragma: no cover - _spans raises first


def business_time_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time in ``[a, b)``; ``-business_time_between(cal, b, a)`` when ``b < a``."""
    tz, low, high = _zone(cal), _utc(a, "a"), _utc(b, "b")
    if high < low:
        return -business_time_between(cal, high, low)
    total, cursor = timedelta(0), low
    for begin, end in _spans(cal, tz, _previous(_local_date(low, tz)), _local_date(high, tz)):
        if begin >= high:
            break
        counted_from, counted_to = max(begin, cursor), min(end, high)
        if counted_to > counted_from:
            total += counted_to - counted_from
            cursor = counted_to
    return total


def end_of_business_day(cal: BusinessCalendar, d: date) -> datetime | None:
    """The close of the last interval starting on ``d`` (possibly the next morning, for an
    overnight shift), or None when ``d`` is closed."""
    spans = _day_spans(cal, _zone(cal), d)
    return max(end for _, end in spans) if spans else None


def add_business_days(cal: BusinessCalendar, d: date, n: int) -> date:
    """The ``n``-th open date after ``d``; for ``n == 0``, ``d`` if open else the next open date."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    tz = _zone(cal)
    if n == 0:
        return _open_date_from(cal, tz, d)
    for _ in range(n):
        d = _open_date_from(cal, tz, d + _ONE_DAY)
    return d


def business_day_deadline(
    cal: BusinessCalendar, start: datetime, n: int, by: time | None
) -> datetime:
    """The end of the ``n``-th business day after ``start`` (whose local date is day 0): the
    close of that date's last interval, or local time ``by`` on that date when given.

    With ``n == 0``, when that deadline is not after ``start`` (a request after today's close),
    the next business day's deadline applies, so a deadline is never already past.
    """
    tz, instant = _zone(cal), _utc(start, "start")
    if by is not None and by.tzinfo is not None:
        raise ValueError("by must be a naive local time")
    day = add_business_days(cal, _local_date(instant, tz), n)

    def deadline_on(business_day: date) -> datetime:
        if by is not None:
            return local_to_utc(business_day, by, tz)
        close = end_of_business_day(cal, business_day)
        assert close is not None  # day is an open date
        return close

    deadline = deadline_on(day)
    if deadline <= instant:
        deadline = deadline_on(_open_date_from(cal, tz, day + _ONE_DAY))
    return deadline
