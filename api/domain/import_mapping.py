"""How one row of an import file becomes a promise and its events. Pure, standard library only.

The rules (tested in `tests/domain/test_import_mapping.py`):

* **Naive timestamps** (no offset: `2017-10-02 10:56:33`) are wall-clock times in the import's
  zone. A time that does not exist (spring-forward gap) is the first instant after the gap; a
  time that exists twice (fall-back) is its first occurrence — the rule of business calendars.
  Timestamps with an offset or `Z` keep it.
* **Dates.** A due value written as a date (`2017-10-02`) has day precision (DESIGN §2). A
  field named in `date_fields` is read as a date even when the file writes a time of midnight
  (`2017-10-02 00:00:00`, as Olist does); any other time of day there is refused.
* **Status.** A status column can say a promise was cancelled (`canceled` → cancelled by the
  customer, `unavailable` → by the business). Values without a rule change nothing. The
  cancellation happens at `cancelled_at` when mapped and given, else at `made_at`: the file does
  not say it came later, so it is not scored as after the deadline.
* **A promise ends once.** A row that says it was both fulfilled and cancelled is refused
  whole (nothing of it is loaded), as are events in the future (beyond the tolerance).
* Empty cells are missing values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.domain.business_calendar import local_to_utc as wall_clock_to_utc

REFERENCE_FIELDS = ("external_id", "kind", "order_id", "customer_id", "timezone")
TIME_FIELDS = ("made_at", "fulfilled_at", "cancelled_at")
DUE_FIELDS = ("due_at", "window_start")
FIELDS = (*REFERENCE_FIELDS, *TIME_FIELDS, *DUE_FIELDS, "status")
PARTIES = ("customer", "business")
LABEL_PREFIX = "label."

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?)?$"
)


class MappingError(ValueError):
    """A mapping that cannot work (unknown field, missing column…); the message says why."""


class RowError(ValueError):
    """A row that cannot be loaded; `field` names the promise field, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ImportMapping:
    """Which column feeds which promise field.

    `columns`: field → column; `labels`: label key → column; `values`: field → a constant
    for every row (e.g. kind=delivery); `cancelled_statuses`: status value → who cancelled;
    `date_fields`: due fields read as calendar dates; `zone`: where naive timestamps are read.
    """

    columns: Mapping[str, str]
    zone: str
    labels: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    cancelled_statuses: Mapping[str, str] = field(default_factory=dict)
    date_fields: frozenset[str] = frozenset()

    def used_columns(self) -> list[str]:
        return sorted({*self.columns.values(), *self.labels.values()})


@dataclass(frozen=True)
class Cancellation:
    at: datetime
    by: str


@dataclass(frozen=True)
class ConvertedRow:
    """A row as a create body (datetimes and dates, not strings) and the events it implies."""

    external_id: str
    promise: dict[str, object]
    fulfilled_at: datetime | None = None
    cancellation: Cancellation | None = None


def _known_zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"unknown IANA time zone {zone!r}") from None


def parse_assignment(text: str, option: str) -> tuple[str, str]:
    """`name=value` → (name, value), both stripped and non-empty."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise MappingError(f"{option} {text!r}: expected NAME=VALUE")
    return name.strip(), value.strip()


def parse_cancelled_status(text: str) -> tuple[str, str]:
    """`canceled=cancelled:customer` → ("canceled", "customer"); the party defaults to business."""
    value, action = parse_assignment(text, "--status")
    kind, _, party = action.partition(":")
    if kind != "cancelled":
        raise MappingError(
            f"--status {text!r}: the only action is `cancelled[:customer|:business]`")
    party = party or "business"
    if party not in PARTIES:
        raise MappingError(f"--status {text!r}: who cancelled must be customer or business")
    return value, party


def build_mapping(
    maps: Iterable[str], zone: str, *, values: Iterable[str] = (),
    statuses: Iterable[str] = (), date_fields: Iterable[str] = (),
    base: ImportMapping | None = None,
) -> ImportMapping:
    """A mapping from command-line style options, on top of `base` (a preset) when given."""
    _known_zone(zone)
    columns = dict(base.columns) if base else {}
    labels = dict(base.labels) if base else {}
    constants = dict(base.values) if base else {}
    cancelled = dict(base.cancelled_statuses) if base else {}
    dated = set(base.date_fields) if base else set()
    for text in maps:
        name, column = parse_assignment(text, "--map")
        if name.startswith(LABEL_PREFIX) and len(name) > len(LABEL_PREFIX):
            labels[name.removeprefix(LABEL_PREFIX)] = column
        elif name in FIELDS:
            columns[name] = column
        else:
            raise MappingError(f"--map {text!r}: unknown field {name!r} (known: "
                               f"{', '.join(FIELDS)}, label.<key>)")
    for text in values:
        name, value = parse_assignment(text, "--value")
        if name not in REFERENCE_FIELDS:
            raise MappingError(f"--value {text!r}: a constant can be given for "
                               f"{', '.join(REFERENCE_FIELDS)}")
        constants[name] = value
    for text in statuses:
        value, party = parse_cancelled_status(text)
        cancelled[value] = party
    for name in date_fields:
        if name not in DUE_FIELDS:
            raise MappingError(f"--date-field {name!r}: only {', '.join(DUE_FIELDS)} are dates")
        dated.add(name)
    mapping = ImportMapping(columns=columns, zone=zone, labels=labels, values=constants,
                            cancelled_statuses=cancelled, date_fields=frozenset(dated))
    _check_complete(mapping)
    return mapping


def _check_complete(mapping: ImportMapping) -> None:
    if "external_id" not in mapping.columns:
        raise MappingError("map external_id to a column (--map external_id=COLUMN): it is what "
                           "makes a rerun load nothing twice")
    if "due_at" not in mapping.columns:
        raise MappingError("map due_at to a column (--map due_at=COLUMN)")
    if "kind" not in mapping.columns and "kind" not in mapping.values:
        raise MappingError("give the kind: --map kind=COLUMN or --value kind=delivery")
    if mapping.cancelled_statuses and "status" not in mapping.columns:
        raise MappingError("--status rules need the status column: --map status=COLUMN")


def missing_columns(mapping: ImportMapping, header: Iterable[str]) -> list[str]:
    present = set(header)
    return [column for column in mapping.used_columns() if column not in present]


def _parts(text: str, name: str) -> tuple[date, time | None, str | None]:
    match = _TIMESTAMP.match(text)
    if match is None:
        raise RowError(name, f"{text!r} is not a date or timestamp (e.g. 2017-10-02 10:56:33)")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        if hour is None:
            return day_value, None, None
        micro = int(((fraction or ".0")[1:] + "000000")[:6])
        clock = time(int(hour), int(minute), int(second or 0), micro)
    except ValueError as error:
        raise RowError(name, f"{text!r} is not a valid date or time: {error}") from None
    return day_value, clock, offset


def _with_offset(day: date, clock: time, offset: str) -> datetime:
    if offset in ("Z", "z"):
        return datetime.combine(day, clock, tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (datetime.combine(day, clock, tzinfo=UTC) - sign * delta).astimezone(UTC)


def read_timestamp(text: str, zone: str, name: str = "timestamp") -> datetime:
    """An instant, in UTC: naive values are wall-clock times in `zone` (see module rules)."""
    day, clock, offset = _parts(text.strip(), name)
    if clock is None:
        raise RowError(name, f"{text!r} is a date: {name} needs a time of day")
    if offset is not None:
        return _with_offset(day, clock, offset)
    return wall_clock_to_utc(day, clock, ZoneInfo(zone))


def read_due(text: str, zone: str, name: str, *, date_only: bool) -> datetime | date:
    """A due value: a date (day precision) or an instant. `date_only` fields take dates, or
    timestamps at midnight without an offset, as dates."""
    value = text.strip()
    day, clock, offset = _parts(value, name)
    if clock is None:
        return day
    if date_only:
        if clock != time(0) or offset is not None:
            raise RowError(name, f"{text!r} has a time of day, but {name} is read as a date")
        return day
    return read_timestamp(value, zone, name)


def _cell(row: Mapping[str, str], mapping: ImportMapping, name: str) -> str | None:
    column = mapping.columns.get(name)
    if column is None:
        return mapping.values.get(name)
    value = row.get(column)
    value = value.strip() if value is not None else ""
    return value or None


def convert_row(
    row: Mapping[str, str], mapping: ImportMapping, now: datetime, tolerance: timedelta
) -> ConvertedRow:
    """One row as a create body and its events; raises RowError naming the field."""
    external_id = _cell(row, mapping, "external_id")
    if external_id is None:
        raise RowError("external_id", f"column {mapping.columns['external_id']!r} is empty")
    zone = _cell(row, mapping, "timezone") or mapping.zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError("timezone", f"unknown IANA time zone {zone!r}") from None
    body: dict[str, object] = {"external_id": external_id, "timezone": zone}
    for name in ("kind", "order_id", "customer_id"):
        value = _cell(row, mapping, name)
        if value is not None:
            body[name] = value
    times = {name: read_timestamp(value, zone, name) for name in TIME_FIELDS
             if (value := _cell(row, mapping, name)) is not None}
    if "made_at" in times:
        body["made_at"] = times["made_at"]
    for name in DUE_FIELDS:
        value = _cell(row, mapping, name)
        if value is not None:
            body[name] = read_due(value, zone, name, date_only=name in mapping.date_fields)
    if "due_at" not in body:
        raise RowError("due_at", f"column {mapping.columns['due_at']!r} is empty")
    labels = {key: value for key, column in mapping.labels.items()
              if (value := (row.get(column) or "").strip())}
    if labels:
        body["labels"] = labels
    cancellation = _cancellation(row, mapping, times)
    fulfilled_at = times.get("fulfilled_at")
    if cancellation is not None and fulfilled_at is not None:
        raise RowError("status", "the row says the promise was both fulfilled and cancelled; "
                       "a promise ends once")
    for name, at in (("fulfilled_at", fulfilled_at),
                     ("cancelled_at", cancellation.at if cancellation else None)):
        if at is not None and at > now + tolerance:
            raise RowError(name, f"{at.isoformat()} is in the future")
    return ConvertedRow(external_id, body, fulfilled_at, cancellation)


def _cancellation(
    row: Mapping[str, str], mapping: ImportMapping, times: Mapping[str, datetime]
) -> Cancellation | None:
    status = _cell(row, mapping, "status") if "status" in mapping.columns else None
    party = mapping.cancelled_statuses.get(status) if status is not None else None
    if party is None and "cancelled_at" not in times:
        return None
    at = times.get("cancelled_at") or times.get("made_at")
    if at is None:
        raise RowError("cancelled_at", "a cancelled promise needs cancelled_at or made_at")
    return Cancellation(at, party or "business")
