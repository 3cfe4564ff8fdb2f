"""Pause and resume in the pure fold: clocks, order, breaches, business time."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from api.domain.business_calendar import BusinessCalendar
from api.domain.outcomes import BrokenReason, EventType, LoggedEvent, Status
from api.domain.scoring import NEVER, evaluate, read_status, thresholds
from api.domain.terms import Precision, Terms, end_of_day

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def ev(kind: EventType, at: datetime) -> LoggedEvent:
    return LoggedEvent(kind, at)


def terms(**overrides: object) -> Terms:
    base: dict[str, object] = {"made_at": T0, "due_at": T0 + 10 * HOUR}
    base.update(overrides)
    return Terms(**base)  # type: ignore[arg-type]


def test_a_finished_pause_moves_the_due_time_by_its_length() -> None:
    result = evaluate(terms(), [ev(EventType.PAUSED, T0 + HOUR),
                                ev(EventType.RESUMED, T0 + 4 * HOUR)])
    assert result.current.terms.due_at == T0 + 13 * HOUR
    assert result.current.paused == 3 * HOUR
    assert result.current.paused_since is None
    assert result.first.terms.due_at == T0 + 13 * HOUR


def test_repeated_and_overlapping_pause_events_count_once_in_any_order() -> None:
    events = [ev(EventType.PAUSED, T0 + HOUR), ev(EventType.PAUSED, T0 + 2 * HOUR),
              ev(EventType.RESUMED, T0 + 3 * HOUR), ev(EventType.RESUMED, T0 + 5 * HOUR),
              ev(EventType.PAUSED, T0 + 6 * HOUR), ev(EventType.RESUMED, T0 + 7 * HOUR)]
    answers = {evaluate(terms(), order).current for order in itertools.permutations(events)}
    assert len(answers) == 1
    (track,) = answers
    assert track.paused == 3 * HOUR
    assert track.terms.due_at == T0 + 13 * HOUR


def test_the_clock_stands_still_while_paused() -> None:
    result = evaluate(terms(), [ev(EventType.PAUSED, T0 + 9 * HOUR)])
    track = result.current
    assert track.paused_since == T0 + 9 * HOUR
    # Long after the original due time, the promise still reads as it did when paused.
    later = read_status(track, T0 + 100 * HOUR)
    assert later.status is Status.AT_RISK
    assert later.time_remaining == HOUR
    at_risk_from, broken_after = thresholds(track)
    assert broken_after == NEVER
    assert at_risk_from == T0 + 8 * HOUR


def test_a_pause_before_at_risk_keeps_the_promise_pending() -> None:
    track = evaluate(terms(), [ev(EventType.PAUSED, T0 + HOUR)]).current
    assert read_status(track, T0 + 50 * HOUR).status is Status.PENDING
    assert thresholds(track) == (NEVER, NEVER)


def test_a_pause_never_hides_a_breach() -> None:
    result = evaluate(terms(), [ev(EventType.PAUSED, T0 + 11 * HOUR),
                                ev(EventType.RESUMED, T0 + 20 * HOUR)])
    assert result.current.terms.due_at == T0 + 10 * HOUR
    reading = read_status(result.current, T0 + 21 * HOUR)
    assert (reading.status, reading.broken_reason) == (Status.BROKEN, BrokenReason.OVERDUE)


def test_a_pause_within_grace_still_stops_the_clock() -> None:
    result = evaluate(terms(grace=2 * HOUR), [ev(EventType.PAUSED, T0 + 11 * HOUR),
                                              ev(EventType.RESUMED, T0 + 12 * HOUR)])
    assert result.current.terms.due_at == T0 + 11 * HOUR


def test_fulfilment_during_a_pause_ends_it() -> None:
    result = evaluate(terms(), [ev(EventType.PAUSED, T0 + 9 * HOUR),
                                ev(EventType.FULFILLED, T0 + 15 * HOUR)])
    assert result.current.paused == 6 * HOUR
    assert result.current.terms.due_at == T0 + 16 * HOUR
    assert result.current.outcome is not None
    assert result.current.outcome.status is Status.MET


def test_business_time_pauses_count_only_open_hours() -> None:
    calendar = BusinessCalendar("UTC", {d: ((time(9), time(17)),) for d in range(5)})
    made = datetime(2026, 3, 6, 9, tzinfo=UTC)  # Friday
    promise = terms(made_at=made, due_at=datetime(2026, 3, 6, 17, tzinfo=UTC),
                    calendar=calendar)
    # Paused Friday 16:00 to Monday 10:00: one business hour on Friday, one on Monday.
    result = evaluate(promise, [ev(EventType.PAUSED, datetime(2026, 3, 6, 16, tzinfo=UTC)),
                                ev(EventType.RESUMED, datetime(2026, 3, 9, 10, tzinfo=UTC))])
    assert result.current.paused == 2 * HOUR
    assert result.current.terms.due_at == datetime(2026, 3, 9, 11, tzinfo=UTC)


def test_day_precision_pauses_move_by_whole_local_days() -> None:
    zone = "Europe/Berlin"
    due = end_of_day(date(2026, 3, 27), zone)  # the weekend DST starts
    promise = Terms(made_at=datetime(2026, 3, 20, tzinfo=UTC), due_at=due,
                    precision=Precision.DAY, timezone=zone)
    start = datetime(2026, 3, 21, 8, tzinfo=UTC)
    result = evaluate(promise, [ev(EventType.PAUSED, start),
                                ev(EventType.RESUMED, start + timedelta(hours=30))])
    # 30 hours round up to two days: due on 29 March, whose end is 23:00 UTC (CEST).
    assert result.current.terms.due_at == end_of_day(date(2026, 3, 29), zone)
    assert result.current.terms.due_at == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_a_revision_during_a_pause_restarts_the_count() -> None:
    from api.domain.outcomes import Party
    from api.domain.terms import Deadlines

    revision = LoggedEvent(EventType.REVISED, T0 + 5 * HOUR, Party.BUSINESS,
                           Deadlines(T0 + 20 * HOUR, None))
    result = evaluate(terms(), [ev(EventType.PAUSED, T0 + 2 * HOUR), revision,
                                ev(EventType.RESUMED, T0 + 6 * HOUR)])
    assert result.current.terms.due_at == T0 + 21 * HOUR
