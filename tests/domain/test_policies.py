"""Due times and windows from policies (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from api.domain.business_calendar import BusinessCalendar
from api.domain.policies import (
    DueRule,
    PolicyError,
    WindowRule,
    check_rules,
    compute_due,
    compute_window,
)

BERLIN = "Europe/Berlin"
WEEKDAYS_9_TO_17 = {day: ((time(9), time(17)),) for day in range(5)}
# Whit Monday 2026 is 25 May.
CALENDAR = BusinessCalendar(BERLIN, WEEKDAYS_9_TO_17, frozenset({date(2026, 5, 25)}))
FRIDAY_1630 = datetime(2026, 5, 22, 14, 30, tzinfo=UTC)


def test_calendar_time_needs_no_calendar() -> None:
    assert compute_due(DueRule(calendar_time=timedelta(days=3)), FRIDAY_1630, None) == \
        FRIDAY_1630 + timedelta(days=3)


def test_business_time_skips_the_weekend_and_the_holiday() -> None:
    due = compute_due(DueRule(business_time=timedelta(hours=2)), FRIDAY_1630, CALENDAR)
    assert due == datetime(2026, 5, 26, 8, 30, tzinfo=UTC)


def test_end_of_the_nth_business_day_and_by_a_time() -> None:
    close = compute_due(DueRule(business_days=1), FRIDAY_1630, CALENDAR)
    assert close == datetime(2026, 5, 26, 15, tzinfo=UTC)  # Tuesday 17:00 Berlin
    by_noon = compute_due(DueRule(business_days=1, by=time(12)), FRIDAY_1630, CALENDAR)
    assert by_noon == datetime(2026, 5, 26, 10, tzinfo=UTC)


def test_windows() -> None:
    due = datetime(2026, 5, 29, 15, tzinfo=UTC)  # Friday 17:00 Berlin
    assert compute_window(WindowRule(calendar_time=timedelta(days=2)), due, None) == \
        due - timedelta(days=2)
    # Three business days before Friday: Tuesday (Monday is the holiday), opening 09:00.
    assert compute_window(WindowRule(business_days=3), due, CALENDAR) == \
        datetime(2026, 5, 26, 7, tzinfo=UTC)


@pytest.mark.parametrize(("due", "window", "has_calendar", "field"), [
    (DueRule(), None, True, "target"),
    (DueRule(calendar_time=timedelta(days=1), business_days=1), None, True, "target"),
    (DueRule(calendar_time=timedelta(days=1), by=time(17)), None, True, "target.by"),
    (DueRule(calendar_time=timedelta(0)), None, True, "target.calendar_time"),
    (DueRule(business_time=timedelta(hours=2)), None, False, "calendar"),
    (DueRule(calendar_time=timedelta(days=1)), WindowRule(), True, "window"),
    (DueRule(calendar_time=timedelta(days=1)), WindowRule(business_days=2), False, "calendar"),
])
def test_rules_that_cannot_work_name_their_field(
    due: DueRule, window: WindowRule | None, has_calendar: bool, field: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        check_rules(due, window, has_calendar)
    assert raised.value.field == field


def test_valid_rules_pass() -> None:
    check_rules(DueRule(business_days=5, by=time(17)), WindowRule(business_days=3), True)
    check_rules(DueRule(calendar_time=timedelta(days=3)), WindowRule(calendar_time=timedelta(
        days=1)), False)
