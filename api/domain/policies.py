"""Policies: how a due time and a window follow from when a promise is made.

A target is one of: a calendar duration (`P3D`), a business duration (`PT2H`, on the policy's
calendar), or "end of the Nth business day" — the close of business, or a time of day `by`.
A window opens a calendar duration or N business days before the due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from api.domain.business_calendar import (
    BusinessCalendar,
    add_business_time,
    business_day_deadline,
    end_of_business_day,
    next_open,
)
from api.domain.terms import ONE_DAY, local_date, start_of_day

# How far back a window search goes before deciding the calendar is closed.
_MAX_DAYS_BACK = 3700


class PolicyError(ValueError):
    """A policy that cannot give a due time; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DueRule:
    """Exactly one of the three targets is set (`by` only with `business_days`)."""

    calendar_time: timedelta | None = None
    business_time: timedelta | None = None
    business_days: int | None = None
    by: time | None = None


@dataclass(frozen=True)
class WindowRule:
    """Exactly one is set: the window opens this long, or this many business days, before due."""

    calendar_time: timedelta | None = None
    business_days: int | None = None


def check_rules(due: DueRule, window: WindowRule | None, has_calendar: bool) -> None:
    """Refuse rules that are ambiguous or need a calendar the policy does not have."""
    targets = [due.calendar_time, due.business_time, due.business_days]
    if sum(value is not None for value in targets) != 1:
        raise PolicyError("target", "give exactly one of calendar_time, business_time and "
                          "business_days")
    if due.by is not None and due.business_days is None:
        raise PolicyError("target.by", "by applies only to a business_days target")
    if due.calendar_time is not None and due.calendar_time <= timedelta(0):
        raise PolicyError("target.calendar_time", "the target must be a positive duration")
    if due.business_time is not None and due.business_time <= timedelta(0):
        raise PolicyError("target.business_time", "the target must be a positive duration")
    if due.business_days is not None and due.business_days < 0:
        raise PolicyError("target.business_days", "business_days must not be negative")
    needs_calendar = due.business_time is not None or due.business_days is not None
    if window is not None:
        if (window.calendar_time is None) == (window.business_days is None):
            raise PolicyError("window", "give exactly one of calendar_time and business_days")
        if window.calendar_time is not None and window.calendar_time <= timedelta(0):
            raise PolicyError("window.calendar_time", "the window must be a positive duration")
        if window.business_days is not None and window.business_days < 1:
            raise PolicyError("window.business_days", "business_days must be at least 1")
        needs_calendar = needs_calendar or window.business_days is not None
    if needs_calendar and not has_calendar:
        raise PolicyError("calendar", "business time and business days need a calendar")


def compute_due(rule: DueRule, made_at: datetime, calendar: BusinessCalendar | None) -> datetime:
    """The due time of a promise made at `made_at` under `rule`."""
    if rule.calendar_time is not None:
        return made_at + rule.calendar_time
    if calendar is None:
        raise PolicyError("calendar", "business time and business days need a calendar")
    if rule.business_time is not None:
        return add_business_time(calendar, made_at, rule.business_time)
    assert rule.business_days is not None
    return business_day_deadline(calendar, made_at, rule.business_days, rule.by)


def _business_day_before(calendar: BusinessCalendar, day: date, count: int) -> date:
    """The open date `count` open dates before `day` (which itself does not count)."""
    found = 0
    for _ in range(_MAX_DAYS_BACK):
        day -= ONE_DAY
        if end_of_business_day(calendar, day) is not None:
            found += 1
            if found == count:
                return day
    raise PolicyError("window.business_days", "the calendar has no business days before due")


def compute_window(
    rule: WindowRule, due_at: datetime, calendar: BusinessCalendar | None
) -> datetime:
    """When the window opens, for a promise due at `due_at`."""
    if rule.calendar_time is not None:
        return due_at - rule.calendar_time
    if calendar is None:
        raise PolicyError("calendar", "business days need a calendar")
    assert rule.business_days is not None
    # The due time may be a close just after midnight (an overnight shift): count from the
    # business day that instant belongs to, the local date of one moment earlier.
    due_day = local_date(due_at - timedelta(microseconds=1), calendar.timezone)
    opening_day = _business_day_before(calendar, due_day, rule.business_days)
    return next_open(calendar, start_of_day(opening_day, calendar.timezone))
