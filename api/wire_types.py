"""How timestamps, due values and durations look on the wire.

Timestamps are RFC 3339 with an offset (refused without one) and are returned in UTC with `Z`.
A due value is such a timestamp or a calendar date `YYYY-MM-DD`. Durations are ISO 8601
(`PT15M`, `P1D`, `P1W`); years and months are refused because their length varies.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The form clients send almost always (e.g. 2026-12-05T17:00:00Z, 2026-12-05T17:00:00.25+01:00),
# which `datetime.fromisoformat` reads as it stands: a third of the general path's cost, and a
# batch of 1,000 promises parses 2,000 timestamps.
_COMMON_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
MAX_DURATION = timedelta(days=3660)
# Far from datetime's limits, so that arithmetic with any accepted duration cannot overflow.
YEARS = range(1900, 3000)


def _check_year(day: date, value: object) -> None:
    if day.year not in YEARS:
        raise ValueError(f"{value!r} is outside the supported years {YEARS.start}-{YEARS.stop - 1}")


def parse_timestamp(value: Any) -> datetime:
    if type(value) is str and _COMMON_RFC3339.fullmatch(value):
        try:
            common = datetime.fromisoformat(value)
        except ValueError:
            pass  # e.g. hour 24: the general path below explains
        else:
            if common.year in YEARS:
                return common.astimezone(UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no UTC offset; add one, e.g. Z or +01:00")
        _check_year(value, value)
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 timestamp string, e.g. 2026-12-05T17:00:00Z")
    match = _RFC3339.match(value.strip())
    if match is None:
        raise ValueError(
            f"{value!r} is not an RFC 3339 timestamp (expected e.g. 2026-12-05T17:00:00+01:00)"
        )
    day, clock, fraction, offset = match.groups()
    if offset is None:
        raise ValueError(
            f"timestamp {value!r} has no UTC offset; add one, e.g. {day}T{clock}Z or +01:00"
        )
    micro = (fraction or "")[:7]
    offset = "+00:00" if offset in "Zz" else offset
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}{micro}{offset}")
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid timestamp: {error}") from None
    _check_year(parsed, value)
    return parsed.astimezone(UTC)


def parse_due(value: Any) -> datetime | date:
    """A calendar date (`day` precision) or a timestamp with offset (`instant` precision)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        _check_year(value, value)
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as error:
            raise ValueError(f"{value!r} is not a valid date: {error}") from None
        _check_year(day, value)
        return day
    return parse_timestamp(value)


def format_timestamp(value: datetime) -> str:
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def format_due(value: datetime | date) -> str:
    return format_timestamp(value) if isinstance(value, datetime) else value.isoformat()


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 duration string such as PT15M or P1D")
    match = _DURATION.match(value.strip().upper())
    if match is None:
        raise ValueError(
            f"{value!r} is not an ISO 8601 duration in weeks, days, hours, minutes or seconds "
            "(e.g. PT2H, P1D, P1DT12H); years and months are not accepted"
        )
    parts = {name: float(number) for name, number in match.groupdict().items() if number}
    duration = timedelta(**parts)
    if duration > MAX_DURATION:
        raise ValueError(f"{value!r} is longer than the longest accepted duration (P3660D)")
    return duration


def format_duration(value: timedelta) -> str:
    total = round(value.total_seconds(), 6)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P" + (f"{int(days)}D" if days else "")
    clock = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if seconds:
        clock += f"{seconds:g}S" if seconds % 1 else f"{int(seconds)}S"
    if clock:
        text += "T" + clock
    return text if text not in {"P", "-P"} else "PT0S"


Timestamp = Annotated[
    datetime,
    PlainValidator(parse_timestamp),
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time",
                    "description": "RFC 3339 timestamp with a UTC offset"}),
]

DueValue = Annotated[
    datetime | date,
    PlainValidator(parse_due),
    PlainSerializer(format_due, return_type=str),
    WithJsonSchema({
        "type": "string",
        "description": "RFC 3339 timestamp with offset (instant precision) or a date "
                       "YYYY-MM-DD meaning the end of that day in the promise's time zone "
                       "(day precision)",
        "examples": ["2026-12-05T17:00:00+01:00", "2026-12-05"],
    }),
]

Duration = Annotated[
    timedelta,
    PlainValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "description": "ISO 8601 duration, e.g. PT15M or P1D",
                    "examples": ["PT15M", "P1D"]}),
]
