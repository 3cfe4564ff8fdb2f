"""Request and response models of calendars and their business-time arithmetic."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from api.promises.schemas import ZoneName
from api.wire_types import YEARS, Duration, Timestamp

MAX_DATES = 1000
MAX_INTERVALS_PER_DAY = 24

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_calendar_date(value: Any) -> date:
    """Only `YYYY-MM-DD`: pydantic's lax dates would also take numbers and midnight timestamps."""
    if isinstance(value, str) and _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a valid date: {error}") from None
        if day.year not in YEARS:
            raise ValueError(
                f"{value!r} is outside the supported years {YEARS.start}-{YEARS.stop - 1}"
            )
        return day
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=8)]
SubdivisionCode = Annotated[str, StringConstraints(min_length=1, max_length=16)]
CalendarDate = Annotated[
    date,
    PlainValidator(parse_calendar_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-24"]}),
]
DateList = Annotated[list[CalendarDate], Field(max_length=MAX_DATES)]
Interval = Annotated[list[str], Field(examples=[["09:00", "17:00"]])]
WeeklyHoursIn = Annotated[
    dict[str, Annotated[list[Interval], Field(max_length=MAX_INTERVALS_PER_DAY)]],
    Field(
        max_length=7,
        description='Weekday (`mon` … `sun`) → list of `["HH:MM", "HH:MM"]` local intervals. '
        "A missing or empty weekday is closed. An interval whose end is at or before its start "
        'runs overnight into the next day (`["22:00", "06:00"]`); `["00:00", "00:00"]` is a '
        'full day and `"24:00"` is accepted as an end. Intervals must not overlap.',
        examples=[{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], "sat": [["10:00", "14:00"]]}],
    ),
]

_COUNTRY_DESCRIPTION = (
    "ISO 3166-1 country code (e.g. `DE`): its public holidays, from the `holidays` package, "
    "are closed days"
)
_SUBDIVISION_DESCRIPTION = "Subdivision code (e.g. `BY` for Bavaria) for regional holidays"
_CLOSED_DESCRIPTION = "The tenant's own closed dates, on top of public holidays"
_OPEN_DESCRIPTION = (
    "Dates open with their weekday's usual hours despite a public holiday (a weekday without "
    "hours cannot be opened this way)"
)


class CalendarCreate(BaseModel):
    """A business calendar: where business time is counted and when it runs."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Unique per tenant; policies may refer to it")
    timezone: ZoneName = Field(description="IANA time zone of the opening hours")
    weekly_hours: WeeklyHoursIn
    country: CountryCode | None = Field(default=None, description=_COUNTRY_DESCRIPTION)
    subdivision: SubdivisionCode | None = Field(default=None,
                                                description=_SUBDIVISION_DESCRIPTION)
    closed_dates: DateList = Field(default_factory=list, description=_CLOSED_DESCRIPTION)
    open_dates: DateList = Field(default_factory=list, description=_OPEN_DESCRIPTION)


class CalendarUpdate(BaseModel):
    """A partial change: only the fields given change. `weekly_hours`, `closed_dates` and
    `open_dates` are replaced as a whole; `country: null` also clears the subdivision."""

    model_config = ConfigDict(extra="forbid")

    name: Name | SkipJsonSchema[None] = None
    timezone: ZoneName | SkipJsonSchema[None] = None
    weekly_hours: WeeklyHoursIn | SkipJsonSchema[None] = None
    country: CountryCode | None = Field(default=None, description=_COUNTRY_DESCRIPTION)
    subdivision: SubdivisionCode | None = Field(default=None,
                                                description=_SUBDIVISION_DESCRIPTION)
    closed_dates: DateList | SkipJsonSchema[None] = Field(default=None,
                                                           description=_CLOSED_DESCRIPTION)
    open_dates: DateList | SkipJsonSchema[None] = Field(default=None,
                                                         description=_OPEN_DESCRIPTION)

    @field_validator("name", "timezone", "weekly_hours", "closed_dates", "open_dates",
                     mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Omitting a field leaves it unchanged; null is no value these fields can take.
        if value is None:
            raise ValueError("may not be null; omit the field to leave it unchanged")
        return value


class CalendarPublic(BaseModel):
    """A calendar as the API returns it."""

    id: str
    name: str
    timezone: str
    weekly_hours: dict[str, list[list[str]]] = Field(
        description="Every weekday `mon` … `sun`; an empty list is a closed day"
    )
    country: str | None
    subdivision: str | None
    closed_dates: list[date]
    open_dates: list[date]
    created_at: Timestamp
    updated_at: Timestamp


class CalendarList(BaseModel):
    data: list[CalendarPublic]
    next_cursor: str | None


class BusinessTime(BaseModel):
    """The business time between two instants."""

    model_config = ConfigDict(populate_by_name=True)

    start: Timestamp = Field(alias="from")
    to: Timestamp
    business_seconds: float = Field(description="Negative when `to` is before `from`")
    business_time: Duration = Field(description="The same, as an ISO 8601 duration")


class BusinessTimeAdded(BaseModel):
    """The instant at which a duration of business time has elapsed."""

    start: Timestamp
    duration: Duration
    result: Timestamp
