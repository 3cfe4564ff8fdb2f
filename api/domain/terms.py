"""The terms a promise is scored against, and the calendar-day arithmetic of day precision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from api.domain.business_calendar import BusinessCalendar

DEFAULT_AT_RISK_RATIO = 0.8
DEFAULT_EXCEED_RATIO = 0.2
DEFAULT_EXCEED_DAYS = 1
ONE_DAY = timedelta(days=1)


class Precision(StrEnum):
    INSTANT = "instant"
    DAY = "day"


class EarlyRule(StrEnum):
    """What a fulfilment before the window opens counts as."""

    EXCEEDED = "exceeded"
    MET = "met"
    BROKEN = "broken"


def start_of_day(day: date, zone: str) -> datetime:
    """The first instant of `day` in `zone`, in UTC.

    When local midnight does not exist (a DST change at midnight, as in America/Sao_Paulo),
    zoneinfo reads the wall time with the offset in force before the change, which is exactly
    the first instant of the day.
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def end_of_day(day: date, zone: str) -> datetime:
    """The end of `day` in `zone` (the start of the next local day), in UTC."""
    return start_of_day(day + ONE_DAY, zone)


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def due_date_of(due_at: datetime, zone: str) -> date:
    """The calendar date of a day-precision due time (its end of day)."""
    return local_date(due_at, zone) - ONE_DAY


@dataclass(frozen=True)
class Deadlines:
    """The current due time and window of a promise; revisions replace them."""

    due_at: datetime
    window_start: datetime | None


@dataclass(frozen=True)
class Terms:
    """Everything a promise is scored against.

    For day precision `due_at` is the end of the due day and `window_start` the start of the
    window's first day, both in `timezone`; `grace` and `exceed_margin` are whole days.
    """

    made_at: datetime
    due_at: datetime
    window_start: datetime | None = None
    precision: Precision = Precision.INSTANT
    timezone: str = "UTC"
    grace: timedelta = timedelta(0)
    exceed_margin: timedelta | None = None
    early: EarlyRule = EarlyRule.EXCEEDED
    at_risk_ratio: float = DEFAULT_AT_RISK_RATIO
    at_risk_lead: timedelta | None = None
    exceed_ratio: float | None = None
    calendar: BusinessCalendar | None = None

    @property
    def lead_time(self) -> timedelta:
        return self.due_at - self.made_at

    @property
    def breach_at(self) -> datetime:
        """Past this instant an open promise is broken (`overdue`).

        For day precision the grace is in local calendar days (23 or 25 hours long across a
        DST change), as fulfilments are judged.
        """
        if self.precision is Precision.DAY:
            due_on = due_date_of(self.due_at, self.timezone)
            return end_of_day(due_on + timedelta(days=self.grace.days), self.timezone)
        return self.due_at + self.grace

    @property
    def at_risk_at(self) -> datetime:
        """From this instant an open promise is at risk."""
        by_ratio = self.made_at + self.lead_time * self.at_risk_ratio
        if self.at_risk_lead is None:
            return by_ratio
        return min(by_ratio, self.due_at - self.at_risk_lead)

    @property
    def margin(self) -> timedelta:
        """How much earlier than due a fulfilment must be to exceed the promise."""
        if self.exceed_margin is not None:
            return self.exceed_margin
        if self.precision is Precision.DAY:
            return DEFAULT_EXCEED_DAYS * ONE_DAY
        ratio = DEFAULT_EXCEED_RATIO if self.exceed_ratio is None else self.exceed_ratio
        return self.lead_time * ratio

    def with_deadlines(self, deadlines: Deadlines) -> Terms:
        return replace(self, due_at=deadlines.due_at, window_start=deadlines.window_start)

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.due_at, self.window_start)


class TermsError(ValueError):
    """Terms that cannot be scored; `field` names the offending request field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_terms(terms: Terms) -> None:
    """Refuse terms that make no sense to score. Raises TermsError naming the field."""
    _check_order(terms.made_at, terms.due_at, terms.window_start)
    for field, ratio in (("at_risk_ratio", terms.at_risk_ratio),
                         ("exceed_ratio", terms.exceed_ratio)):
        if ratio is not None and not 0.0 <= ratio <= 1.0:
            raise TermsError(field, f"{field} must be between 0 and 1")
    for field, value in (("grace", terms.grace), ("exceed_margin", terms.exceed_margin),
                         ("at_risk_lead", terms.at_risk_lead)):
        if value is None:
            continue
        if value < timedelta(0):
            raise TermsError(field, f"{field} must not be negative")
        if terms.precision is Precision.DAY and value % ONE_DAY:
            raise TermsError(field, f"{field} must be whole days for a promise due on a date")


def check_deadlines(terms: Terms, deadlines: Deadlines) -> None:
    """A due time must follow the promise's making; a window must open by the due time."""
    _check_order(terms.made_at, deadlines.due_at, deadlines.window_start)


def _check_order(made_at: datetime, due_at: datetime, window_start: datetime | None) -> None:
    if due_at <= made_at:
        raise TermsError("due_at", "due_at must be after made_at")
    if window_start is not None and window_start >= due_at:
        raise TermsError("window_start", "window_start must be before due_at")
