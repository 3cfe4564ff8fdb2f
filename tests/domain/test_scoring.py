"""Scoring (DESIGN §2): table cases for every rule and its exact boundaries, day precision across
time zones and DST, cancellations, extras, revisions, the order of the log, and Hypothesis
properties (order independence, monotonicity in the fulfilment time, open promises only ever
move forward).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import permutations
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.outcomes import (
    OPEN_STATUSES,
    BrokenReason,
    EventType,
    ExceededReason,
    LoggedEvent,
    Outcome,
    Party,
    Reading,
    Status,
)
from api.domain.scoring import (
    Evaluation,
    Track,
    evaluate,
    order_events,
    read_status,
    score_cancellation,
    score_fulfilment,
)
from api.domain.terms import (
    Deadlines,
    EarlyRule,
    Precision,
    Terms,
    TermsError,
    check_terms,
    due_date_of,
    end_of_day,
    local_date,
    start_of_day,
)

ZERO = timedelta(0)
US = timedelta(microseconds=1)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
DAY = timedelta(days=1)

MADE = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
# L = 10 days: the default exceed margin is 2 days, the default at-risk point MADE + 8 days.
DUE = MADE + 10 * DAY
WINDOW = DUE - DAY

FAST = settings(max_examples=200, deadline=None)


def terms(**changes: Any) -> Terms:
    """Instant-precision terms made at MADE and due at DUE, with `changes` applied."""
    return replace(Terms(made_at=MADE, due_at=DUE), **changes)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0,
          second: int = 0, microsecond: int = 0, *, fold: int = 0) -> datetime:
    """A wall-clock time in `zone`, as a UTC instant."""
    wall = datetime(year, month, day, hour, minute, second, microsecond,
                    tzinfo=ZoneInfo(zone), fold=fold)
    return wall.astimezone(UTC)


def day_terms(
    zone: str,
    due: date,
    *,
    window: date | None = None,
    grace_days: int = 0,
    margin_days: int | None = None,
    early: EarlyRule = EarlyRule.EXCEEDED,
) -> Terms:
    """Day-precision terms due on `due` in `zone`, made at the start of the day a week before."""
    return Terms(
        made_at=start_of_day(due - 7 * DAY, zone),
        due_at=end_of_day(due, zone),
        window_start=start_of_day(window, zone) if window is not None else None,
        precision=Precision.DAY,
        timezone=zone,
        grace=grace_days * DAY,
        exceed_margin=margin_days * DAY if margin_days is not None else None,
        early=early,
    )


def event(
    kind: EventType,
    at: datetime,
    party: Party | None = None,
    deadlines: Deadlines | None = None,
) -> LoggedEvent:
    return LoggedEvent(type=kind, occurred_at=at, party=party, deadlines=deadlines)


def fulfilled(at: datetime) -> LoggedEvent:
    return event(EventType.FULFILLED, at)


def cancelled(at: datetime, party: Party) -> LoggedEvent:
    return event(EventType.CANCELLED, at, party)


def revised(at: datetime, party: Party, due_at: datetime,
            window_start: datetime | None = None) -> LoggedEvent:
    return event(EventType.REVISED, at, party, Deadlines(due_at, window_start))


def extra(at: datetime) -> LoggedEvent:
    return event(EventType.EXTRA, at)


@dataclass(frozen=True)
class Expect:
    """The expected outcome of a fulfilment, without the fulfilment time."""

    status: Status
    reason: BrokenReason | ExceededReason | None = None
    lateness: timedelta | None = None
    earliness: timedelta | None = None

    def at(self, t: datetime) -> Outcome:
        broken = self.reason if isinstance(self.reason, BrokenReason) else None
        exceeded_ = self.reason if isinstance(self.reason, ExceededReason) else None
        return Outcome(self.status, t, broken_reason=broken, exceeded_reason=exceeded_,
                       lateness=self.lateness, earliness=self.earliness)


def met(*, late: timedelta | None = None, early: timedelta | None = None) -> Expect:
    return Expect(Status.MET, lateness=late, earliness=early)


def exceeded(early: timedelta) -> Expect:
    return Expect(Status.EXCEEDED, ExceededReason.EARLY, earliness=early)


def late(by: timedelta) -> Expect:
    return Expect(Status.BROKEN, BrokenReason.LATE, lateness=by)


def broken_early(early: timedelta) -> Expect:
    return Expect(Status.BROKEN, BrokenReason.EARLY, earliness=early)


def assert_outcome(actual: Outcome | None, expected: Outcome) -> None:
    assert actual == expected
    # StrEnums compare as strings ("early" == "early"): check the reason's kind too.
    assert actual is not None
    if actual.status is Status.BROKEN:
        assert isinstance(actual.broken_reason, BrokenReason)
        assert actual.exceeded_reason is None
    elif actual.status is Status.EXCEEDED:
        assert isinstance(actual.exceeded_reason, ExceededReason)
        assert actual.broken_reason is None
    else:
        assert actual.broken_reason is None
        assert actual.exceeded_reason is None


# --------------------------------------------------------------------------------------------
# Fulfilled, instant precision
# --------------------------------------------------------------------------------------------

INSTANT_CASES = [
    # the due time itself, no grace
    pytest.param(terms(), DUE, met(early=ZERO), id="exactly-at-D-met"),
    pytest.param(terms(), DUE - US, met(early=US), id="1us-before-D-met"),
    pytest.param(terms(), DUE + US, late(US), id="1us-after-D-late"),
    pytest.param(terms(), DUE + 3 * DAY, late(3 * DAY), id="three-days-late"),
    # the default exceed margin: 20% of L = 2 days
    pytest.param(terms(), DUE - 2 * DAY, met(early=2 * DAY), id="exactly-at-D-minus-m-met"),
    pytest.param(terms(), DUE - 2 * DAY + US, met(early=2 * DAY - US),
                 id="1us-after-D-minus-m-met"),
    pytest.param(terms(), DUE - 2 * DAY - US, exceeded(2 * DAY + US),
                 id="1us-before-D-minus-m-exceeded"),
    pytest.param(terms(), MADE + H, exceeded(10 * DAY - H), id="right-after-making-exceeded"),
    pytest.param(terms(due_at=MADE + 5 * H), MADE + 4 * H, met(early=H),
                 id="short-lead-margin-is-20pct-boundary-met"),
    pytest.param(terms(due_at=MADE + 5 * H), MADE + 4 * H - US, exceeded(H + US),
                 id="short-lead-margin-is-20pct-1us-before-exceeded"),
    # grace
    pytest.param(terms(grace=H), DUE + H, met(late=H), id="grace-exactly-at-D-plus-g-met"),
    pytest.param(terms(grace=H), DUE + H - US, met(late=H - US),
                 id="grace-1us-before-D-plus-g-met"),
    pytest.param(terms(grace=H), DUE + H + US, late(H + US), id="grace-1us-after-D-plus-g-late"),
    pytest.param(terms(grace=H), DUE + 30 * MIN, met(late=30 * MIN), id="grace-within-met"),
    pytest.param(terms(grace=H), DUE - 2 * DAY, met(early=2 * DAY),
                 id="grace-does-not-move-the-exceed-threshold"),
    pytest.param(terms(grace=H), DUE - 2 * DAY - US, exceeded(2 * DAY + US),
                 id="grace-exceeded-before-D-minus-m"),
    # custom exceed margin
    pytest.param(terms(exceed_margin=H), DUE - H, met(early=H), id="margin-1h-exactly-met"),
    pytest.param(terms(exceed_margin=H), DUE - H - US, exceeded(H + US),
                 id="margin-1h-1us-before-exceeded"),
    pytest.param(terms(exceed_margin=H), DUE - 90 * MIN, exceeded(90 * MIN),
                 id="margin-smaller-than-default-exceeds-sooner"),
    pytest.param(terms(exceed_margin=5 * DAY), DUE - 3 * DAY, met(early=3 * DAY),
                 id="margin-larger-than-default-met"),
    pytest.param(terms(exceed_margin=5 * DAY), DUE - 5 * DAY - US, exceeded(5 * DAY + US),
                 id="margin-larger-than-default-exceeded"),
    pytest.param(terms(exceed_ratio=0.5), DUE - 5 * DAY, met(early=5 * DAY),
                 id="exceed-ratio-half-boundary-met"),
    pytest.param(terms(exceed_ratio=0.5), DUE - 5 * DAY - US, exceeded(5 * DAY + US),
                 id="exceed-ratio-half-1us-before-exceeded"),
    pytest.param(terms(exceed_ratio=0.5, exceed_margin=H), DUE - 2 * H, exceeded(2 * H),
                 id="exceed-margin-wins-over-ratio"),
    pytest.param(terms(exceed_margin=ZERO), DUE - US, exceeded(US), id="margin-zero-before-D"),
    pytest.param(terms(exceed_margin=ZERO), DUE, met(early=ZERO), id="margin-zero-at-D-met"),
    # a window: the early rule before it, met inside it
    pytest.param(terms(window_start=WINDOW), WINDOW - US, exceeded(DAY + US),
                 id="window-default-rule-1us-before-W-exceeded"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.EXCEEDED), DUE - 5 * DAY,
                 exceeded(5 * DAY), id="window-rule-exceeded"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.MET), WINDOW - US,
                 met(early=DAY + US), id="window-rule-met-1us-before-W"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.MET), MADE + H,
                 met(early=10 * DAY - H), id="window-rule-met-long-before-W"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.BROKEN), WINDOW - US,
                 broken_early(DAY + US), id="window-rule-broken-1us-before-W"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.BROKEN), WINDOW, met(early=DAY),
                 id="window-rule-broken-exactly-at-W-met"),
    pytest.param(terms(window_start=WINDOW), WINDOW, met(early=DAY),
                 id="window-exactly-at-W-met"),
    pytest.param(terms(window_start=WINDOW), WINDOW + US, met(early=DAY - US),
                 id="window-1us-after-W-met"),
    pytest.param(terms(window_start=DUE - 5 * DAY), DUE - 3 * DAY, met(early=3 * DAY),
                 id="window-replaces-the-exceed-margin"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.BROKEN), DUE, met(early=ZERO),
                 id="window-exactly-at-D-met"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.BROKEN), DUE + US, late(US),
                 id="window-1us-after-D-late"),
    pytest.param(terms(window_start=WINDOW, grace=H), DUE + H, met(late=H),
                 id="window-grace-exactly-at-D-plus-g-met"),
    pytest.param(terms(window_start=WINDOW, grace=H), DUE + H + US, late(H + US),
                 id="window-grace-1us-after-D-plus-g-late"),
]


@pytest.mark.parametrize(("promise", "t", "expected"), INSTANT_CASES)
def test_fulfilment_instant_precision(promise: Terms, t: datetime, expected: Expect) -> None:
    check_terms(promise)
    assert_outcome(score_fulfilment(promise, t), expected.at(t))
    # the same answer through the log, on both tracks, and at any later reading
    evaluation = evaluate(promise, [fulfilled(t)])
    assert_outcome(evaluation.current.outcome, expected.at(t))
    assert evaluation.first == evaluation.current
    assert evaluation.fulfilled_at == t
    reading = read_status(evaluation.current, t + 365 * DAY)
    assert reading == Reading(expected.status, expected.at(t).broken_reason,
                              expected.at(t).exceeded_reason, expected.lateness,
                              expected.earliness)


def test_seed_example_same_delivery_different_promises() -> None:
    """DESIGN: the same seven-day delivery delights the customer promised ten days and angers
    the one promised three."""
    purchase = datetime(2024, 11, 25, 14, 0, tzinfo=UTC)
    delivered = purchase + 7 * DAY

    ten_days = Terms(made_at=purchase, due_at=purchase + 10 * DAY)
    assert_outcome(score_fulfilment(ten_days, delivered), exceeded(3 * DAY).at(delivered))

    three_days = Terms(made_at=purchase, due_at=purchase + 3 * DAY)
    assert_outcome(score_fulfilment(three_days, delivered), late(4 * DAY).at(delivered))


def test_seed_example_callback_within_two_hours() -> None:
    asked = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
    callback = Terms(made_at=asked, due_at=asked + 2 * H)
    called = asked + H + 50 * MIN
    # margin = 20% of 2 h = 24 min; 1 h 50 min is not before 1 h 36 min
    assert_outcome(score_fulfilment(callback, called), met(early=10 * MIN).at(called))


def test_extra_flag_on_score_fulfilment() -> None:
    t = DUE - H
    assert_outcome(score_fulfilment(terms(), t, extra=True),
                   Expect(Status.EXCEEDED, ExceededReason.EXTRA, earliness=H).at(t))


# --------------------------------------------------------------------------------------------
# Day precision: the builders, then local calendar dates across zones and DST
# --------------------------------------------------------------------------------------------

SP = "America/Sao_Paulo"
BERLIN = "Europe/Berlin"
KOLKATA = "Asia/Kolkata"


@pytest.mark.parametrize(
    ("day", "zone", "start", "length"),
    [
        pytest.param(date(2024, 6, 10), "UTC", datetime(2024, 6, 10, tzinfo=UTC), 24 * H,
                     id="utc"),
        pytest.param(date(2024, 6, 10), KOLKATA, datetime(2024, 6, 9, 18, 30, tzinfo=UTC),
                     24 * H, id="kolkata-half-hour-offset"),
        pytest.param(date(2024, 6, 10), SP, datetime(2024, 6, 10, 3, tzinfo=UTC), 24 * H,
                     id="sao-paulo-winter"),
        pytest.param(date(2017, 10, 15), SP, datetime(2017, 10, 15, 3, tzinfo=UTC), 23 * H,
                     id="sao-paulo-2017-10-15-midnight-does-not-exist"),
        pytest.param(date(2017, 10, 14), SP, datetime(2017, 10, 14, 3, tzinfo=UTC), 24 * H,
                     id="sao-paulo-2017-10-14-ends-at-the-gap"),
        pytest.param(date(2018, 2, 17), SP, datetime(2018, 2, 17, 2, tzinfo=UTC), 25 * H,
                     id="sao-paulo-2018-02-17-hour-repeated-at-midnight"),
        pytest.param(date(2024, 3, 31), BERLIN, datetime(2024, 3, 30, 23, tzinfo=UTC), 23 * H,
                     id="berlin-spring-forward"),
        pytest.param(date(2024, 10, 27), BERLIN, datetime(2024, 10, 26, 22, tzinfo=UTC), 25 * H,
                     id="berlin-fall-back"),
    ],
)
def test_day_bounds(day: date, zone: str, start: datetime, length: timedelta) -> None:
    assert start_of_day(day, zone) == start
    assert end_of_day(day, zone) == start + length
    assert local_date(start, zone) == day
    assert local_date(start - US, zone) == day - DAY
    assert local_date(start + length - US, zone) == day
    assert local_date(start + length, zone) == day + DAY
    assert due_date_of(end_of_day(day, zone), zone) == day


def test_start_of_day_without_midnight_is_one_oclock() -> None:
    start = start_of_day(date(2017, 10, 15), SP)
    wall = start.astimezone(ZoneInfo(SP))
    assert (wall.date(), wall.hour, wall.minute) == (date(2017, 10, 15), 1, 0)


DAY_CASES = [
    # UTC, due 2024-06-10: due_at = 2024-06-11T00:00Z
    pytest.param(day_terms("UTC", date(2024, 6, 10)), local("UTC", 2024, 6, 10, 23, 59, 59, 999999),
                 met(early=US), id="utc-last-microsecond-of-due-day-met"),
    pytest.param(day_terms("UTC", date(2024, 6, 10)), local("UTC", 2024, 6, 11, 0, 1),
                 late(MIN), id="utc-next-day-late"),
    pytest.param(day_terms("UTC", date(2024, 6, 10)), local("UTC", 2024, 6, 10),
                 met(early=DAY), id="utc-start-of-due-day-met"),
    pytest.param(day_terms("UTC", date(2024, 6, 10)), local("UTC", 2024, 6, 9, 23, 59, 59, 999999),
                 exceeded(DAY + US), id="utc-default-margin-one-day-before-exceeded"),
    pytest.param(day_terms("UTC", date(2024, 6, 10)), local("UTC", 2024, 6, 3, 12),
                 exceeded(7 * DAY + 12 * H), id="utc-a-week-before-exceeded"),
    # custom margin in days
    pytest.param(day_terms("UTC", date(2024, 6, 10), margin_days=2), local("UTC", 2024, 6, 9, 1),
                 met(early=DAY + 23 * H), id="utc-margin-2-days-one-day-before-met"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), margin_days=2),
                 local("UTC", 2024, 6, 8, 23), exceeded(2 * DAY + H),
                 id="utc-margin-2-days-two-days-before-exceeded"),
    # grace in days
    pytest.param(day_terms("UTC", date(2024, 6, 10), grace_days=1),
                 local("UTC", 2024, 6, 11, 23, 59), met(late=DAY - MIN),
                 id="utc-grace-1-day-last-minute-met"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), grace_days=1),
                 local("UTC", 2024, 6, 12, 0, 0, 0, 1), late(DAY + US),
                 id="utc-grace-1-day-day-after-late"),
    # a window whose first day is 2024-06-08
    pytest.param(day_terms("UTC", date(2024, 6, 10), window=date(2024, 6, 8)),
                 local("UTC", 2024, 6, 7, 23, 59), exceeded(3 * DAY + MIN),
                 id="utc-window-default-rule-day-before-window-exceeded"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), window=date(2024, 6, 8),
                           early=EarlyRule.MET),
                 local("UTC", 2024, 6, 7, 23, 59), met(early=3 * DAY + MIN),
                 id="utc-window-rule-met-day-before-window"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), window=date(2024, 6, 8),
                           early=EarlyRule.BROKEN),
                 local("UTC", 2024, 6, 7, 23, 59), broken_early(3 * DAY + MIN),
                 id="utc-window-rule-broken-day-before-window"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), window=date(2024, 6, 8),
                           early=EarlyRule.BROKEN),
                 local("UTC", 2024, 6, 8), met(early=3 * DAY),
                 id="utc-window-rule-broken-first-day-met"),
    pytest.param(day_terms("UTC", date(2024, 6, 10), window=date(2024, 6, 8)),
                 local("UTC", 2024, 6, 9, 12), met(early=DAY + 12 * H),
                 id="utc-window-replaces-the-exceed-margin"),
    # Sao Paulo (UTC-3): 23:30 local on the due date is already the next day in UTC
    pytest.param(day_terms(SP, date(2024, 6, 10)), local(SP, 2024, 6, 10, 23, 30),
                 met(early=30 * MIN), id="sao-paulo-2330-local-on-due-date-met"),
    pytest.param(day_terms(SP, date(2024, 6, 10)), local(SP, 2024, 6, 11, 0, 10),
                 late(10 * MIN), id="sao-paulo-0010-local-next-day-late"),
    pytest.param(day_terms(SP, date(2024, 6, 10)), local(SP, 2024, 6, 9, 22),
                 exceeded(DAY + 2 * H), id="sao-paulo-day-before-local-same-utc-date-exceeded"),
    # Kolkata (UTC+5:30): 00:10 local the next day is still the due date in UTC
    pytest.param(day_terms(KOLKATA, date(2024, 6, 10)), local(KOLKATA, 2024, 6, 10, 23, 30),
                 met(early=30 * MIN), id="kolkata-2330-local-on-due-date-met"),
    pytest.param(day_terms(KOLKATA, date(2024, 6, 10)), local(KOLKATA, 2024, 6, 11, 0, 10),
                 late(10 * MIN), id="kolkata-0010-local-next-day-late"),
    pytest.param(day_terms(KOLKATA, date(2024, 6, 10)), local(KOLKATA, 2024, 6, 10, 5),
                 met(early=19 * H), id="kolkata-0500-local-previous-utc-date-met"),
    pytest.param(day_terms(KOLKATA, date(2024, 6, 10)), local(KOLKATA, 2024, 6, 9, 23, 59),
                 exceeded(DAY + MIN), id="kolkata-2359-day-before-exceeded"),
    # Sao Paulo 2017-10-15: clocks jump from 00:00 to 01:00
    pytest.param(day_terms(SP, date(2017, 10, 14)), local(SP, 2017, 10, 14, 23, 30),
                 met(early=30 * MIN), id="sao-paulo-dst-gap-2330-before-gap-met"),
    pytest.param(day_terms(SP, date(2017, 10, 14)), local(SP, 2017, 10, 15, 1, 10),
                 late(10 * MIN), id="sao-paulo-dst-gap-0110-after-gap-late"),
    pytest.param(day_terms(SP, date(2017, 10, 15)), datetime(2017, 10, 15, 3, tzinfo=UTC),
                 met(early=23 * H), id="sao-paulo-dst-gap-first-instant-of-short-day-met"),
    pytest.param(day_terms(SP, date(2017, 10, 15)),
                 datetime(2017, 10, 15, 2, 59, 59, 999999, tzinfo=UTC), exceeded(23 * H + US),
                 id="sao-paulo-dst-gap-last-instant-before-short-day-exceeded"),
    pytest.param(day_terms(SP, date(2017, 10, 15)), local(SP, 2017, 10, 15, 23, 30),
                 met(early=30 * MIN), id="sao-paulo-short-day-2330-met"),
    pytest.param(day_terms(SP, date(2017, 10, 15)), local(SP, 2017, 10, 16, 0, 10),
                 late(10 * MIN), id="sao-paulo-short-day-0010-next-day-late"),
    pytest.param(day_terms(SP, date(2017, 10, 16), window=date(2017, 10, 15),
                           early=EarlyRule.BROKEN),
                 datetime(2017, 10, 15, 2, 59, 59, 999999, tzinfo=UTC),
                 broken_early(DAY + 23 * H + US),
                 id="sao-paulo-window-on-short-day-1us-before-broken-early"),
    pytest.param(day_terms(SP, date(2017, 10, 16), window=date(2017, 10, 15),
                           early=EarlyRule.BROKEN),
                 datetime(2017, 10, 15, 3, tzinfo=UTC), met(early=DAY + 23 * H),
                 id="sao-paulo-window-on-short-day-first-instant-met"),
    # Sao Paulo 2018-02-17: at midnight clocks go back to 23:00, so 23:30 happens twice
    pytest.param(day_terms(SP, date(2018, 2, 17)), local(SP, 2018, 2, 17, 23, 30, fold=0),
                 met(early=90 * MIN), id="sao-paulo-repeated-2330-first-met"),
    pytest.param(day_terms(SP, date(2018, 2, 17)), local(SP, 2018, 2, 17, 23, 30, fold=1),
                 met(early=30 * MIN), id="sao-paulo-repeated-2330-second-met"),
    pytest.param(day_terms(SP, date(2018, 2, 17)), local(SP, 2018, 2, 18, 0, 10),
                 late(10 * MIN), id="sao-paulo-after-repeated-hour-0010-late"),
    # Berlin, last Sunday of March: 02:00 -> 03:00
    pytest.param(day_terms(BERLIN, date(2024, 3, 31)), local(BERLIN, 2024, 3, 31, 23, 30),
                 met(early=30 * MIN), id="berlin-spring-2330-met"),
    pytest.param(day_terms(BERLIN, date(2024, 3, 31)), local(BERLIN, 2024, 4, 1, 0, 10),
                 late(10 * MIN), id="berlin-spring-0010-next-day-late"),
    pytest.param(day_terms(BERLIN, date(2024, 3, 31)), local(BERLIN, 2024, 3, 31, 3),
                 met(early=21 * H), id="berlin-spring-0300-after-jump-met"),
    pytest.param(day_terms(BERLIN, date(2024, 3, 31)), local(BERLIN, 2024, 3, 30, 23, 59),
                 exceeded(23 * H + MIN), id="berlin-spring-2359-day-before-exceeded"),
    # Berlin, last Sunday of October: 03:00 -> 02:00
    pytest.param(day_terms(BERLIN, date(2024, 10, 27)), local(BERLIN, 2024, 10, 27, 23, 30),
                 met(early=30 * MIN), id="berlin-autumn-2330-met"),
    pytest.param(day_terms(BERLIN, date(2024, 10, 27)), local(BERLIN, 2024, 10, 28, 0, 10),
                 late(10 * MIN), id="berlin-autumn-0010-next-day-late"),
    pytest.param(day_terms(BERLIN, date(2024, 10, 27)),
                 local(BERLIN, 2024, 10, 27, 2, 30, fold=0), met(early=22 * H + 30 * MIN),
                 id="berlin-autumn-first-0230-met"),
    pytest.param(day_terms(BERLIN, date(2024, 10, 27)),
                 local(BERLIN, 2024, 10, 27, 2, 30, fold=1), met(early=21 * H + 30 * MIN),
                 id="berlin-autumn-second-0230-met"),
    pytest.param(day_terms(BERLIN, date(2024, 10, 26), grace_days=1),
                 local(BERLIN, 2024, 10, 27, 23, 30), met(late=DAY + 30 * MIN),
                 id="berlin-autumn-grace-day-2330-met"),
    pytest.param(day_terms(BERLIN, date(2024, 3, 30), grace_days=1),
                 local(BERLIN, 2024, 4, 1, 0, 30), late(DAY + 30 * MIN - H),
                 id="berlin-spring-after-grace-day-0030-late"),
]


@pytest.mark.parametrize(("promise", "t", "expected"), DAY_CASES)
def test_fulfilment_day_precision(promise: Terms, t: datetime, expected: Expect) -> None:
    check_terms(promise)
    assert_outcome(score_fulfilment(promise, t), expected.at(t))
    assert_outcome(evaluate(promise, [fulfilled(t)]).current.outcome, expected.at(t))


@pytest.mark.parametrize(
    ("zone", "due", "before", "after"),
    [
        pytest.param(SP, date(2024, 6, 10), local(SP, 2024, 6, 10, 23, 30),
                     local(SP, 2024, 6, 11, 0, 10), id="sao-paulo"),
        pytest.param(KOLKATA, date(2024, 6, 10), local(KOLKATA, 2024, 6, 10, 23, 30),
                     local(KOLKATA, 2024, 6, 11, 0, 10), id="kolkata"),
        pytest.param(SP, date(2017, 10, 14), local(SP, 2017, 10, 14, 23, 30),
                     local(SP, 2017, 10, 15, 1, 10), id="sao-paulo-dst-gap"),
        pytest.param(BERLIN, date(2024, 3, 31), local(BERLIN, 2024, 3, 31, 23, 30),
                     local(BERLIN, 2024, 4, 1, 0, 10), id="berlin-spring"),
        pytest.param(BERLIN, date(2024, 10, 27), local(BERLIN, 2024, 10, 27, 23, 30),
                     local(BERLIN, 2024, 10, 28, 0, 10), id="berlin-autumn"),
    ],
)
def test_open_day_precision_breaks_after_local_midnight(
    zone: str, due: date, before: datetime, after: datetime
) -> None:
    track = Track(day_terms(zone, due), None)
    assert read_status(track, before) == Reading(Status.AT_RISK, time_remaining=30 * MIN)
    assert read_status(track, after) == Reading(Status.BROKEN, BrokenReason.OVERDUE,
                                                lateness=10 * MIN)


def test_open_day_precision_grace_day_shorter_across_spring_forward() -> None:
    """Due Sat 2024-03-30 in Berlin with one grace day: the grace day (Sun 31 March) is 23 h
    long. At 00:30 local on Mon 1 April a fulfilment is late, so the open promise is overdue
    too (grace counted as 24 h would still read at_risk)."""
    promise = day_terms(BERLIN, date(2024, 3, 30), grace_days=1)
    now = local(BERLIN, 2024, 4, 1, 0, 30)
    assert score_fulfilment(promise, now).status is Status.BROKEN
    assert read_status(Track(promise, None), now).status is Status.BROKEN


def test_open_day_precision_grace_day_longer_across_fall_back() -> None:
    """Due Sat 2024-10-26 in Berlin with one grace day: the grace day (Sun 27 October) is
    25 h long. At 23:30 local on the grace day a fulfilment is met, so the open promise is not
    yet overdue and a customer's cancellation is void (grace counted as 24 h would read
    broken/overdue for that last hour)."""
    promise = day_terms(BERLIN, date(2024, 10, 26), grace_days=1)
    now = local(BERLIN, 2024, 10, 27, 23, 30)
    assert score_fulfilment(promise, now).status is Status.MET
    assert read_status(Track(promise, None), now).status is Status.AT_RISK
    assert score_cancellation(promise, cancelled(now, Party.CUSTOMER)).status is Status.VOID


@pytest.mark.parametrize(
    ("zone", "due"),
    [
        pytest.param("UTC", date(2024, 6, 10), id="utc"),
        pytest.param(SP, date(2017, 10, 14), id="sao-paulo-before-missing-midnight"),
        pytest.param(BERLIN, date(2024, 10, 27), id="berlin-fall-back"),
    ],
)
def test_day_precision_late_at_exactly_next_midnight_reports_lateness(
    zone: str, due: date
) -> None:
    """Every resolved promise reports lateness or earliness (DESIGN §2), even a fulfilment at
    the very first instant of the day after the due date: late, by zero."""
    promise = day_terms(zone, due)
    t = promise.due_at
    assert_outcome(score_fulfilment(promise, t), late(ZERO).at(t))
    assert_outcome(score_fulfilment(promise, t - US), met(early=US).at(t - US))


# --------------------------------------------------------------------------------------------
# Open promises
# --------------------------------------------------------------------------------------------


def pending(remaining: timedelta) -> Reading:
    return Reading(Status.PENDING, time_remaining=remaining)


def at_risk(remaining: timedelta) -> Reading:
    return Reading(Status.AT_RISK, time_remaining=remaining)


def overdue(by: timedelta) -> Reading:
    return Reading(Status.BROKEN, BrokenReason.OVERDUE, lateness=by)


OPEN_CASES = [
    pytest.param(terms(), MADE, pending(10 * DAY), id="just-made-pending"),
    pytest.param(terms(), MADE + 8 * DAY - US, pending(2 * DAY + US),
                 id="ratio-1us-before-pending"),
    pytest.param(terms(), MADE + 8 * DAY, at_risk(2 * DAY), id="ratio-exactly-at-risk"),
    pytest.param(terms(), DUE, at_risk(ZERO), id="exactly-at-D-at-risk"),
    pytest.param(terms(), DUE + US, overdue(US), id="1us-after-D-overdue"),
    pytest.param(terms(), DUE + 2 * DAY, overdue(2 * DAY), id="two-days-overdue"),
    pytest.param(terms(grace=H), DUE + H, at_risk(-H), id="grace-exactly-at-D-plus-g-not-broken"),
    pytest.param(terms(grace=H), DUE + H + US, overdue(H + US), id="grace-1us-after-overdue"),
    pytest.param(terms(at_risk_ratio=0.5), MADE + 5 * DAY - US, pending(5 * DAY + US),
                 id="ratio-half-1us-before-pending"),
    pytest.param(terms(at_risk_ratio=0.5), MADE + 5 * DAY, at_risk(5 * DAY),
                 id="ratio-half-at-risk"),
    pytest.param(terms(at_risk_ratio=0.0), MADE, at_risk(10 * DAY), id="ratio-zero-at-risk"),
    pytest.param(terms(at_risk_ratio=1.0), DUE - US, pending(US), id="ratio-one-1us-before-D"),
    pytest.param(terms(at_risk_ratio=1.0), DUE, at_risk(ZERO), id="ratio-one-at-D"),
    pytest.param(terms(at_risk_ratio=1.0, at_risk_lead=3 * DAY), DUE - 3 * DAY - US,
                 pending(3 * DAY + US), id="lead-1us-before-pending"),
    pytest.param(terms(at_risk_ratio=1.0, at_risk_lead=3 * DAY), DUE - 3 * DAY,
                 at_risk(3 * DAY), id="lead-exactly-at-risk"),
    pytest.param(terms(at_risk_lead=3 * DAY), MADE + 7 * DAY, at_risk(3 * DAY),
                 id="lead-earlier-than-ratio-wins"),
    pytest.param(terms(at_risk_lead=3 * DAY), MADE + 7 * DAY - US, pending(3 * DAY + US),
                 id="lead-earlier-than-ratio-1us-before"),
    pytest.param(terms(at_risk_ratio=0.5, at_risk_lead=DAY), MADE + 5 * DAY, at_risk(5 * DAY),
                 id="ratio-earlier-than-lead-wins"),
    pytest.param(terms(due_at=MADE + 5 * H), MADE + 4 * H, at_risk(H),
                 id="short-lead-ratio-at-risk"),
    pytest.param(terms(due_at=MADE + 5 * H), MADE + 4 * H - US, pending(H + US),
                 id="short-lead-ratio-1us-before-pending"),
]


@pytest.mark.parametrize(("promise", "now", "expected"), OPEN_CASES)
def test_open_promise(promise: Terms, now: datetime, expected: Reading) -> None:
    check_terms(promise)
    evaluation = evaluate(promise, [])
    assert evaluation.current.outcome is None
    assert read_status(evaluation.current, now) == expected
    assert read_status(evaluation.first, now) == expected


def test_evaluate_without_events() -> None:
    promise = terms()
    assert evaluate(promise, []) == Evaluation(
        current=Track(promise, None), first=Track(promise, None), fulfilled_at=None,
        extra=False, revision_count=0, proactive_revision_count=0,
    )


def test_open_events_that_do_not_resolve() -> None:
    """Notes and extras leave a promise open; it still breaks with time."""
    log = [event(EventType.NOTE, MADE + DAY), extra(MADE + 2 * DAY)]
    evaluation = evaluate(terms(), log)
    assert evaluation.current.outcome is None
    assert evaluation.extra
    assert read_status(evaluation.current, MADE + 3 * DAY) == pending(7 * DAY)
    assert read_status(evaluation.current, DUE + US) == overdue(US)


# --------------------------------------------------------------------------------------------
# Cancellations
# --------------------------------------------------------------------------------------------

CANCEL_CASES = [
    pytest.param(terms(), cancelled(DUE - DAY, Party.CUSTOMER), Outcome(Status.VOID, DUE - DAY),
                 id="customer-before-D-void"),
    pytest.param(terms(), cancelled(DUE - DAY, Party.BUSINESS),
                 Outcome(Status.BROKEN, DUE - DAY, broken_reason=BrokenReason.CANCELLED),
                 id="business-before-D-broken-cancelled"),
    pytest.param(terms(), cancelled(DUE, Party.CUSTOMER), Outcome(Status.VOID, DUE),
                 id="customer-exactly-at-D-void"),
    pytest.param(terms(), cancelled(DUE + US, Party.CUSTOMER),
                 Outcome(Status.BROKEN, DUE + US, broken_reason=BrokenReason.OVERDUE,
                         lateness=US),
                 id="customer-1us-after-D-overdue"),
    pytest.param(terms(grace=H), cancelled(DUE + H, Party.CUSTOMER), Outcome(Status.VOID, DUE + H),
                 id="customer-exactly-at-D-plus-g-void"),
    pytest.param(terms(grace=H), cancelled(DUE + H, Party.BUSINESS),
                 Outcome(Status.BROKEN, DUE + H, broken_reason=BrokenReason.CANCELLED),
                 id="business-exactly-at-D-plus-g-cancelled"),
    pytest.param(terms(grace=H), cancelled(DUE + H + US, Party.CUSTOMER),
                 Outcome(Status.BROKEN, DUE + H + US, broken_reason=BrokenReason.OVERDUE,
                         lateness=H + US),
                 id="customer-1us-after-D-plus-g-stays-overdue"),
    pytest.param(terms(grace=H), cancelled(DUE + H + US, Party.BUSINESS),
                 Outcome(Status.BROKEN, DUE + H + US, broken_reason=BrokenReason.OVERDUE,
                         lateness=H + US),
                 id="business-1us-after-D-plus-g-stays-overdue"),
    pytest.param(day_terms(SP, date(2024, 6, 10)),
                 cancelled(local(SP, 2024, 6, 10, 23, 30), Party.CUSTOMER),
                 Outcome(Status.VOID, local(SP, 2024, 6, 10, 23, 30)),
                 id="day-precision-customer-2330-local-on-due-date-void"),
    pytest.param(day_terms(SP, date(2024, 6, 10)),
                 cancelled(local(SP, 2024, 6, 11, 0, 10), Party.CUSTOMER),
                 Outcome(Status.BROKEN, local(SP, 2024, 6, 11, 0, 10),
                         broken_reason=BrokenReason.OVERDUE, lateness=10 * MIN),
                 id="day-precision-customer-0010-next-day-overdue"),
]


@pytest.mark.parametrize(("promise", "cancellation", "expected"), CANCEL_CASES)
def test_cancellation(promise: Terms, cancellation: LoggedEvent, expected: Outcome) -> None:
    assert_outcome(score_cancellation(promise, cancellation), expected)
    evaluation = evaluate(promise, [cancellation])
    assert_outcome(evaluation.current.outcome, expected)
    assert evaluation.first == evaluation.current
    assert evaluation.fulfilled_at is None
    # a resolved promise no longer follows the clock
    for now in (MADE, cancellation.occurred_at, DUE + 100 * DAY):
        assert read_status(evaluation.current, now).status is expected.status


# --------------------------------------------------------------------------------------------
# Extras
# --------------------------------------------------------------------------------------------

EXTRA_CASES = [
    pytest.param(terms(), DUE - H, Expect(Status.EXCEEDED, ExceededReason.EXTRA, earliness=H),
                 id="met-becomes-exceeded-extra"),
    pytest.param(terms(grace=H), DUE + 30 * MIN,
                 Expect(Status.EXCEEDED, ExceededReason.EXTRA, lateness=30 * MIN),
                 id="met-within-grace-becomes-exceeded-extra"),
    pytest.param(terms(), DUE - 3 * DAY, exceeded(3 * DAY), id="exceeded-early-stays-early"),
    pytest.param(terms(), DUE + H, late(H), id="late-stays-broken"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.BROKEN), WINDOW - H,
                 broken_early(DAY + H), id="broken-early-stays-broken"),
    pytest.param(terms(window_start=WINDOW, early=EarlyRule.MET), WINDOW - H,
                 Expect(Status.EXCEEDED, ExceededReason.EXTRA, earliness=DAY + H),
                 id="early-rule-met-becomes-exceeded-extra"),
    pytest.param(terms(window_start=WINDOW), WINDOW - H, exceeded(DAY + H),
                 id="early-rule-exceeded-stays-early"),
    pytest.param(day_terms(SP, date(2024, 6, 10)), local(SP, 2024, 6, 10, 23, 30),
                 Expect(Status.EXCEEDED, ExceededReason.EXTRA, earliness=30 * MIN),
                 id="day-precision-met-becomes-exceeded-extra"),
]


@pytest.mark.parametrize("extra_offset", [-DAY, ZERO, DAY], ids=["before", "same-time", "after"])
@pytest.mark.parametrize(("promise", "t", "expected"), EXTRA_CASES)
def test_extra(promise: Terms, t: datetime, expected: Expect, extra_offset: timedelta) -> None:
    assert_outcome(score_fulfilment(promise, t, extra=True), expected.at(t))
    evaluation = evaluate(promise, [extra(t + extra_offset), fulfilled(t)])
    assert evaluation.extra
    assert_outcome(evaluation.current.outcome, expected.at(t))


def test_extra_does_not_unvoid_a_customer_cancellation() -> None:
    evaluation = evaluate(terms(), [cancelled(DUE - DAY, Party.CUSTOMER), extra(DUE)])
    assert_outcome(evaluation.current.outcome, Outcome(Status.VOID, DUE - DAY))


# --------------------------------------------------------------------------------------------
# Revisions
# --------------------------------------------------------------------------------------------

ORIGINAL_DUE = MADE + 3 * DAY
LATER_DUE = MADE + 6 * DAY  # L = 6 days once revised: default margin 1.2 days


def short() -> Terms:
    return terms(due_at=ORIGINAL_DUE)


def test_customer_requested_later_date_is_met_on_both_tracks() -> None:
    t = MADE + 5 * DAY
    evaluation = evaluate(short(), [revised(MADE + DAY, Party.CUSTOMER, LATER_DUE), fulfilled(t)])
    assert evaluation.current.terms.due_at == LATER_DUE
    assert evaluation.first.terms == evaluation.current.terms
    assert_outcome(evaluation.current.outcome, met(early=DAY).at(t))
    assert_outcome(evaluation.first.outcome, met(early=DAY).at(t))
    assert read_status(evaluation.first, t).status is Status.MET
    assert (evaluation.revision_count, evaluation.proactive_revision_count) == (1, 1)


def test_business_requested_later_date_breaks_the_first_promise() -> None:
    t = MADE + 5 * DAY
    evaluation = evaluate(short(), [revised(MADE + DAY, Party.BUSINESS, LATER_DUE), fulfilled(t)])
    assert evaluation.current.terms.due_at == LATER_DUE
    assert evaluation.first.terms == short()
    assert_outcome(evaluation.current.outcome, met(early=DAY).at(t))
    assert_outcome(evaluation.first.outcome, late(2 * DAY).at(t))
    assert read_status(evaluation.current, t).status is Status.MET
    assert read_status(evaluation.first, t) == Reading(Status.BROKEN, BrokenReason.LATE,
                                                       lateness=2 * DAY)
    assert (evaluation.revision_count, evaluation.proactive_revision_count) == (1, 1)


def test_business_revision_on_an_open_promise() -> None:
    evaluation = evaluate(short(), [revised(MADE + DAY, Party.BUSINESS, LATER_DUE)])
    now = MADE + 4 * DAY  # after the original D, before the revised at-risk point (4.8 days)
    assert read_status(evaluation.current, now) == pending(2 * DAY)
    assert read_status(evaluation.first, now) == overdue(DAY)


@pytest.mark.parametrize(
    ("revised_at", "proactive"),
    [
        pytest.param(MADE + DAY, 1, id="well-before-D-proactive"),
        pytest.param(ORIGINAL_DUE - US, 1, id="1us-before-D-proactive"),
        pytest.param(ORIGINAL_DUE, 0, id="exactly-at-D-reactive"),
        pytest.param(ORIGINAL_DUE + US, 0, id="1us-after-D-reactive"),
        pytest.param(ORIGINAL_DUE + 2 * DAY, 0, id="days-after-D-reactive"),
    ],
)
@pytest.mark.parametrize("party", [Party.CUSTOMER, Party.BUSINESS])
def test_proactive_and_reactive_revisions(
    revised_at: datetime, proactive: int, party: Party
) -> None:
    evaluation = evaluate(short(), [revised(revised_at, party, MADE + 9 * DAY)])
    assert (evaluation.revision_count, evaluation.proactive_revision_count) == (1, proactive)
    assert evaluation.current.terms.due_at == MADE + 9 * DAY


def test_proactive_is_judged_against_the_then_current_due_time() -> None:
    log = [
        revised(MADE + DAY, Party.BUSINESS, LATER_DUE),
        # after the original D but before the revised one: proactive
        revised(MADE + 4 * DAY, Party.BUSINESS, MADE + 8 * DAY),
        # after the second revision's D: reactive
        revised(MADE + 8 * DAY + H, Party.BUSINESS, MADE + 12 * DAY),
    ]
    evaluation = evaluate(short(), log)
    assert (evaluation.revision_count, evaluation.proactive_revision_count) == (3, 2)
    assert evaluation.current.terms.due_at == MADE + 12 * DAY
    assert evaluation.first.terms == short()


def test_only_customer_revisions_carry_over_to_the_first_promise() -> None:
    t = MADE + 5 * DAY
    log = [
        revised(MADE + DAY, Party.CUSTOMER, LATER_DUE),
        revised(MADE + 2 * DAY, Party.BUSINESS, MADE + 4 * DAY),  # the business brings it forward
        fulfilled(t),
    ]
    evaluation = evaluate(short(), log)
    assert evaluation.first.terms.due_at == LATER_DUE
    assert evaluation.current.terms.due_at == MADE + 4 * DAY
    assert_outcome(evaluation.first.outcome, met(early=DAY).at(t))
    assert_outcome(evaluation.current.outcome, late(DAY).at(t))


def test_customer_revision_after_a_business_revision_sets_both_tracks() -> None:
    t = MADE + 8 * DAY + 12 * H
    log = [
        revised(MADE + DAY, Party.BUSINESS, LATER_DUE),
        revised(MADE + 2 * DAY, Party.CUSTOMER, MADE + 9 * DAY),
        fulfilled(t),
    ]
    evaluation = evaluate(short(), log)
    assert evaluation.first.terms == evaluation.current.terms
    assert evaluation.current.terms.due_at == MADE + 9 * DAY
    assert_outcome(evaluation.current.outcome, met(early=12 * H).at(t))
    assert_outcome(evaluation.first.outcome, met(early=12 * H).at(t))


def test_revision_can_add_a_window() -> None:
    promise = terms(due_at=ORIGINAL_DUE, early=EarlyRule.BROKEN)
    t = MADE + 4 * DAY
    log = [revised(MADE + DAY, Party.CUSTOMER, LATER_DUE, MADE + 5 * DAY), fulfilled(t)]
    evaluation = evaluate(promise, log)
    assert evaluation.current.terms.window_start == MADE + 5 * DAY
    assert_outcome(evaluation.current.outcome, broken_early(2 * DAY).at(t))
    assert_outcome(evaluation.first.outcome, broken_early(2 * DAY).at(t))


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(fulfilled(MADE + 2 * DAY), id="fulfilled"),
        pytest.param(cancelled(MADE + 2 * DAY, Party.CUSTOMER), id="cancelled-by-customer"),
        pytest.param(cancelled(MADE + 2 * DAY, Party.BUSINESS), id="cancelled-by-business"),
    ],
)
@pytest.mark.parametrize("after", [ZERO, US, DAY], ids=["same-instant", "1us-later", "day-later"])
def test_revision_at_or_after_the_end_is_ignored(end: LoggedEvent, after: timedelta) -> None:
    revision = revised(end.occurred_at + after, Party.BUSINESS, LATER_DUE)
    with_revision = evaluate(short(), [revision, end])
    assert with_revision == evaluate(short(), [end])
    assert with_revision.revision_count == 0
    assert with_revision.current.terms == short()


# --------------------------------------------------------------------------------------------
# The order of the log
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        pytest.param([fulfilled(DUE - H), cancelled(DUE - 30 * MIN, Party.BUSINESS)],
                     met(early=H).at(DUE - H), id="fulfilled-then-cancelled-met"),
        pytest.param([cancelled(DUE - 30 * MIN, Party.BUSINESS), fulfilled(DUE - H)],
                     met(early=H).at(DUE - H), id="cancellation-arrived-first-still-met"),
        pytest.param([cancelled(DUE - H, Party.CUSTOMER), fulfilled(DUE - 30 * MIN)],
                     Outcome(Status.VOID, DUE - H), id="cancelled-then-fulfilled-void"),
        pytest.param([fulfilled(DUE + H), fulfilled(DUE - H)], met(early=H).at(DUE - H),
                     id="earlier-of-two-fulfilments-counts"),
        pytest.param([cancelled(DUE + H, Party.BUSINESS), cancelled(DUE - H, Party.CUSTOMER)],
                     Outcome(Status.VOID, DUE - H), id="earlier-of-two-cancellations-counts"),
    ],
)
def test_only_the_first_terminal_event_counts(log: list[LoggedEvent], expected: Outcome) -> None:
    assert_outcome(evaluate(terms(), log).current.outcome, expected)
    assert_outcome(evaluate(terms(), log[::-1]).current.outcome, expected)


def test_order_events_sorts_by_occurrence() -> None:
    log = [fulfilled(DUE), extra(MADE + DAY), revised(MADE, Party.CUSTOMER, DUE + DAY)]
    assert [e.occurred_at for e in order_events(log)] == [MADE, MADE + DAY, DUE]


def test_every_permutation_of_a_log_with_ties_gives_the_same_evaluation() -> None:
    tie = MADE + 2 * DAY
    log = [
        revised(tie, Party.CUSTOMER, MADE + 7 * DAY),
        revised(tie, Party.BUSINESS, MADE + 8 * DAY),
        revised(tie, Party.BUSINESS, MADE + 8 * DAY, MADE + 5 * DAY),
        fulfilled(MADE + 6 * DAY),
        cancelled(MADE + 6 * DAY, Party.CUSTOMER),
        extra(MADE + 6 * DAY),
    ]
    expected = evaluate(terms(), log)
    for order in permutations(log):
        assert evaluate(terms(), order) == expected


@pytest.mark.parametrize(
    "pair",
    [
        pytest.param((cancelled(DUE - DAY, Party.CUSTOMER), cancelled(DUE - DAY, Party.BUSINESS)),
                     id="cancellations-by-both-parties"),
        pytest.param((revised(MADE + DAY, Party.CUSTOMER, LATER_DUE),
                      revised(MADE + DAY, Party.BUSINESS, MADE + 7 * DAY)),
                     id="revisions-by-both-parties"),
        pytest.param((fulfilled(DUE - DAY), cancelled(DUE - DAY, Party.BUSINESS)),
                     id="fulfilment-and-cancellation"),
        pytest.param((revised(MADE + DAY, Party.BUSINESS, LATER_DUE),
                      revised(MADE + DAY, Party.BUSINESS, MADE + 7 * DAY)),
                     id="revisions-to-different-dates"),
    ],
)
def test_simultaneous_events_are_ordered_by_content(
    pair: tuple[LoggedEvent, LoggedEvent],
) -> None:
    one, two = pair
    assert evaluate(short(), [one, two]) == evaluate(short(), [two, one])
    assert order_events([one, two]) == order_events([two, one])


def test_simultaneous_revisions_differing_only_by_a_missing_window() -> None:
    """The order key must not confuse "no window" with "a window opening at this instant"."""
    at = MADE + DAY
    without_window = revised(at, Party.BUSINESS, LATER_DUE)
    window_opening_now = revised(at, Party.BUSINESS, LATER_DUE, at)
    assert evaluate(short(), [without_window, window_opening_now]) == evaluate(
        short(), [window_opening_now, without_window]
    )


# --------------------------------------------------------------------------------------------
# Terms validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("promise", "field"),
    [
        pytest.param(terms(due_at=MADE), "due_at", id="due-at-made"),
        pytest.param(terms(due_at=MADE - US), "due_at", id="due-before-made"),
        pytest.param(terms(window_start=DUE), "window_start", id="window-at-due"),
        pytest.param(terms(at_risk_ratio=1.01), "at_risk_ratio", id="ratio-above-one"),
        pytest.param(terms(at_risk_ratio=-0.1), "at_risk_ratio", id="ratio-negative"),
        pytest.param(terms(exceed_ratio=1.5), "exceed_ratio", id="exceed-ratio-above-one"),
        pytest.param(terms(grace=-US), "grace", id="negative-grace"),
        pytest.param(terms(exceed_margin=-US), "exceed_margin", id="negative-margin"),
        pytest.param(terms(at_risk_lead=-US), "at_risk_lead", id="negative-lead"),
        pytest.param(replace(day_terms("UTC", date(2024, 6, 10)), grace=H), "grace",
                     id="day-precision-grace-not-whole-days"),
        pytest.param(replace(day_terms("UTC", date(2024, 6, 10)), exceed_margin=DAY + H),
                     "exceed_margin", id="day-precision-margin-not-whole-days"),
    ],
)
def test_check_terms_refuses(promise: Terms, field: str) -> None:
    with pytest.raises(TermsError) as caught:
        check_terms(promise)
    assert caught.value.field == field


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

ZONES = ["UTC", SP, BERLIN, KOLKATA, "America/New_York", "Australia/Lord_Howe"]
RANK = {Status.BROKEN: 0, Status.MET: 1, Status.EXCEEDED: 2}
PROGRESS = {Status.PENDING: 0, Status.AT_RISK: 1, Status.BROKEN: 2}


@st.composite
def instant_terms(draw: st.DrawFn) -> Terms:
    lead = draw(st.timedeltas(min_value=MIN, max_value=30 * DAY))
    return Terms(
        made_at=MADE,
        due_at=MADE + lead,
        grace=draw(st.sampled_from([ZERO, US, H, DAY])),
        exceed_margin=draw(st.none() | st.timedeltas(min_value=ZERO, max_value=lead)),
        at_risk_ratio=draw(st.floats(min_value=0.0, max_value=1.0)),
        at_risk_lead=draw(st.none() | st.timedeltas(min_value=ZERO, max_value=lead)),
    )


@st.composite
def day_precision_terms(draw: st.DrawFn) -> Terms:
    zone = draw(st.sampled_from(ZONES))
    due = draw(st.sampled_from([date(2017, 10, 15), date(2018, 2, 17), date(2024, 3, 31),
                                date(2024, 10, 27), date(2024, 11, 3)])
               | st.dates(min_value=date(2017, 1, 1), max_value=date(2025, 12, 31)))
    due += draw(st.integers(-2, 2)) * DAY
    made_at = start_of_day(due - draw(st.integers(0, 20)) * DAY, zone)
    made_at += draw(st.timedeltas(min_value=ZERO, max_value=20 * H))
    margin = draw(st.none() | st.integers(0, 3))
    return Terms(
        made_at=made_at,
        due_at=end_of_day(due, zone),
        precision=Precision.DAY,
        timezone=zone,
        grace=draw(st.integers(0, 2)) * DAY,
        exceed_margin=margin * DAY if margin is not None else None,
        at_risk_ratio=draw(st.floats(min_value=0.0, max_value=1.0)),
        at_risk_lead=draw(st.none() | st.integers(0, 2).map(lambda n: n * DAY)),
    )


any_terms = instant_terms() | day_precision_terms()


# every type, with the ones whose ties matter (ends, revisions) drawn more often
EVENT_TYPES = [*EventType, EventType.CANCELLED, EventType.REVISED, EventType.REVISED]


@st.composite
def logged_event(draw: st.DrawFn, days: list[int]) -> LoggedEvent:
    at = MADE + draw(st.sampled_from(days)) * DAY
    deadlines = None
    if draw(st.booleans()):
        due = at + draw(st.integers(1, 3)) * DAY
        hours_before = draw(st.none() | st.sampled_from([24, 48]) | st.integers(1, 72))
        deadlines = Deadlines(due, None if hours_before is None else due - hours_before * H)
    return event(draw(st.sampled_from(EVENT_TYPES)), at,
                 draw(st.sampled_from([None, Party.CUSTOMER, Party.BUSINESS])), deadlines)


@st.composite
def event_logs(draw: st.DrawFn) -> tuple[list[LoggedEvent], list[LoggedEvent]]:
    """A log and a permutation of it, made to be full of ties: events are drawn as variants of
    a few templates sharing an instant, differing only by party or by their window (none, or
    one opening at the very instant of the event)."""
    days = draw(st.lists(st.integers(0, 8), min_size=1, max_size=3, unique=True))
    templates = draw(st.lists(logged_event(days), min_size=1, max_size=4))
    events: list[LoggedEvent] = []
    for _ in range(draw(st.integers(0, 8))):
        base = draw(st.sampled_from(templates))
        party = base.party
        if draw(st.booleans()):
            party = draw(st.sampled_from([None, Party.CUSTOMER, Party.BUSINESS]))
        deadlines = base.deadlines
        if deadlines is not None:
            window = draw(st.sampled_from([deadlines.window_start, None, base.occurred_at]))
            deadlines = Deadlines(deadlines.due_at, window)
        events.append(replace(base, party=party, deadlines=deadlines))
    return events, draw(st.permutations(events))


@FAST
@given(any_terms, event_logs())
def test_property_any_permutation_gives_the_same_evaluation(
    promise: Terms, logs: tuple[list[LoggedEvent], list[LoggedEvent]]
) -> None:
    log, shuffled = logs
    expected = evaluate(promise, log)
    assert evaluate(promise, shuffled) == expected
    # reversing the log swaps every pair of events that tie in time
    assert evaluate(promise, log[::-1]) == expected


@FAST
@given(any_terms, st.timedeltas(min_value=-DAY, max_value=40 * DAY),
       st.timedeltas(min_value=ZERO, max_value=10 * DAY), st.booleans())
def test_property_later_fulfilment_never_scores_better(
    promise: Terms, offset: timedelta, delay: timedelta, with_extra: bool
) -> None:
    assert promise.window_start is None  # monotonicity holds only without a window
    earlier = promise.made_at + offset
    later = earlier + delay
    first = score_fulfilment(promise, earlier, extra=with_extra)
    second = score_fulfilment(promise, later, extra=with_extra)
    assert RANK[second.status] <= RANK[first.status]
    # exactly one of lateness / earliness, measured from the due time
    for outcome, at in ((first, earlier), (second, later)):
        if at > promise.due_at:
            assert (outcome.lateness, outcome.earliness) == (at - promise.due_at, None)
        elif at < promise.due_at:
            assert (outcome.lateness, outcome.earliness) == (None, promise.due_at - at)
        else:
            assert (outcome.lateness, outcome.earliness) in ((ZERO, None), (None, ZERO))


@FAST
@given(any_terms, st.lists(st.timedeltas(min_value=-DAY, max_value=40 * DAY), min_size=2,
                           max_size=12))
def test_property_open_status_only_moves_forward(
    promise: Terms, offsets: list[timedelta]
) -> None:
    track = Track(promise, None)
    nows = sorted(promise.made_at + offset for offset in offsets)
    nows += [promise.due_at, promise.breach_at, promise.breach_at + US]
    nows.sort()
    steps = [PROGRESS[read_status(track, now).status] for now in nows]
    assert steps == sorted(steps)
    assert read_status(track, promise.breach_at).status in OPEN_STATUSES
    assert read_status(track, promise.breach_at + US).status is Status.BROKEN
    assert read_status(track, promise.due_at).status is Status.AT_RISK


@FAST
@given(any_terms, st.timedeltas(min_value=ZERO, max_value=40 * DAY))
def test_property_fulfilment_is_late_exactly_when_open_is_overdue(
    promise: Terms, offset: timedelta
) -> None:
    """At any instant, the open reading, a fulfilment and a customer's cancellation agree on
    whether the promise is already broken."""
    at = promise.made_at + offset
    if promise.precision is Precision.DAY and at == promise.breach_at:
        # the first instant of the day after the last grace day: a fulfilment is late by date,
        # while an open promise breaks only after it (now > D + g)
        return
    overdue_ = read_status(Track(promise, None), at).status is Status.BROKEN
    assert overdue_ == (score_fulfilment(promise, at).status is Status.BROKEN)
    assert overdue_ == (
        score_cancellation(promise, cancelled(at, Party.CUSTOMER)).status is Status.BROKEN
    )


@FAST
@given(day_precision_terms(), st.sampled_from([0, 1, 2]))
def test_property_day_precision_breaks_at_a_local_midnight(promise: Terms, grace: int) -> None:
    promise = replace(promise, grace=grace * DAY)
    due_on = due_date_of(promise.due_at, promise.timezone)
    assert promise.breach_at == end_of_day(due_on + grace * DAY, promise.timezone)
    last_day = local_date(promise.breach_at - US, promise.timezone)
    assert last_day == due_on + grace * DAY
