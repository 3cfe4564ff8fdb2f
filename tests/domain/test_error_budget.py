"""Error budgets: windows, budget arithmetic, burn rates and the multi-window alert rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.error_budget import (
    BURN_RULES,
    BURN_WINDOWS,
    FORWARD_RULE,
    ObjectiveWindow,
    Severity,
    Tally,
    WindowType,
    burn_rate,
    error_budget,
    evaluate_alert,
    window_bounds,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def test_a_rolling_window_is_the_last_n_days() -> None:
    window = ObjectiveWindow(WindowType.ROLLING, "UTC", days=30)
    assert window_bounds(window, NOW) == (NOW - 30 * DAY, NOW)
    with pytest.raises(ValueError, match="days"):
        window_bounds(ObjectiveWindow(WindowType.ROLLING, "UTC", days=0), NOW)


@pytest.mark.parametrize(("now", "start", "end"), [
    # Berlin: November starts at 23:00Z (CET), after October's DST change.
    (NOW, "2026-10-31T23:00:00", "2026-11-30T23:00:00"),
    # The first local instant of November is still October in UTC.
    (datetime(2026, 10, 31, 23, 0, tzinfo=UTC), "2026-10-31T23:00:00", "2026-11-30T23:00:00"),
    (datetime(2026, 10, 31, 22, 59, 59, tzinfo=UTC), "2026-09-30T22:00:00",
     "2026-10-31T23:00:00"),
    # April starts in summer time; March in winter time.
    (datetime(2026, 4, 15, tzinfo=UTC), "2026-03-31T22:00:00", "2026-04-30T22:00:00"),
    (datetime(2026, 3, 15, tzinfo=UTC), "2026-02-28T23:00:00", "2026-03-31T22:00:00"),
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2026-12-31T23:00:00",
     "2027-01-31T23:00:00"),
])
def test_a_calendar_window_is_the_local_month(now: datetime, start: str, end: str) -> None:
    window = ObjectiveWindow(WindowType.CALENDAR, "Europe/Berlin")
    assert window_bounds(window, now) == (datetime.fromisoformat(start).replace(tzinfo=UTC),
                                          datetime.fromisoformat(end).replace(tzinfo=UTC))


def test_budget_arithmetic() -> None:
    budget = error_budget(Tally(decided=200, broken=3), target=0.98)
    assert budget.attainment == 197 / 200
    assert budget.allowed == pytest.approx(4.0)
    assert budget.used == 3
    assert budget.remaining == pytest.approx(1.0)
    assert budget.remaining_ratio == pytest.approx(0.25)
    overspent = error_budget(Tally(decided=100, broken=5), target=0.98)
    assert overspent.remaining == pytest.approx(-3.0)
    assert overspent.remaining_ratio == pytest.approx(-1.5)
    empty = error_budget(Tally(decided=0, broken=0), target=0.98)
    assert (empty.attainment, empty.allowed, empty.remaining, empty.remaining_ratio) == (
        None, 0.0, 0.0, None)


def test_burn_rate() -> None:
    assert burn_rate(Tally(decided=100, broken=2), 0.98) == pytest.approx(1.0)
    assert burn_rate(Tally(decided=10, broken=3), 0.95) == pytest.approx(6.0)
    assert burn_rate(Tally(decided=0, broken=0), 0.95) is None
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="target"):
            burn_rate(Tally(decided=1, broken=0), bad)


@given(st.integers(1, 10**6), st.data(), st.floats(0.5, 0.9999))
def test_burning_exactly_the_budget_has_rate_one(decided: int, data: st.DataObject,
                                                 target: float) -> None:
    broken = data.draw(st.integers(0, decided))
    rate = burn_rate(Tally(decided, broken), target)
    budget = error_budget(Tally(decided, broken), target)
    assert rate is not None
    assert rate * budget.allowed == pytest.approx(broken)


def test_the_rules_are_the_workbooks_scaled_to_days() -> None:
    assert [(r.name, r.severity, r.long_window, r.short_window, r.threshold)
            for r in BURN_RULES] == [
        ("fast-burn", Severity.PAGE, DAY, 2 * HOUR, 14.4),
        ("steady-burn", Severity.PAGE, 3 * DAY, 6 * HOUR, 6.0),
        ("slow-burn", Severity.TICKET, 7 * DAY, 14 * HOUR, 1.0),
    ]
    assert all(rule.long_window == 12 * rule.short_window for rule in BURN_RULES)
    assert BURN_WINDOWS == (2 * HOUR, 6 * HOUR, 14 * HOUR, DAY, 3 * DAY, 7 * DAY)


def tallies(rates: dict[timedelta, tuple[int, int]]) -> dict[timedelta, Tally]:
    """Per window (decided, broken); windows not given are quiet (100 decided, 0 broken)."""
    return {span: Tally(*rates.get(span, (100, 0))) for span in BURN_WINDOWS}


QUIET = Tally(decided=10, broken=0)


def alert(rates: dict[timedelta, tuple[int, int]], forward: Tally = QUIET,
          target: float = 0.99, decided: int = 1000, min_count: int = 0) -> tuple[str, str]:
    result = evaluate_alert(target, tallies(rates), forward, window_decided=decided,
                            min_count=min_count)
    return result.state.value, result.rule.name if result.rule else ""


def test_fast_burn_pages_when_both_windows_burn() -> None:
    # target 0.99: 15 % broken is a burn rate of 15.
    assert alert({DAY: (100, 15), 2 * HOUR: (20, 3)}) == ("page", "fast-burn")
    # Exactly at the threshold fires: 14.4 % broken.
    assert alert({DAY: (1000, 144), 2 * HOUR: (1000, 144)}) == ("page", "fast-burn")


def test_a_rule_needs_its_short_window_too() -> None:
    # The day burned, but the last two hours are clean: the breaking has stopped.
    assert alert({DAY: (100, 15), 2 * HOUR: (20, 0)}) == ("ok", "")
    # The last two hours burn, but not the day: a blip.
    assert alert({DAY: (100, 5), 2 * HOUR: (20, 10)}) == ("ok", "")
    # A short window with nothing decided cannot confirm.
    assert alert({DAY: (100, 15), 2 * HOUR: (0, 0)}) == ("ok", "")


def test_steady_burn_pages_and_slow_burn_tickets() -> None:
    assert alert({3 * DAY: (300, 20), 6 * HOUR: (25, 2)}) == ("page", "steady-burn")
    assert alert({7 * DAY: (700, 8), 14 * HOUR: (60, 1)}) == ("ticket", "slow-burn")
    # Below every threshold.
    assert alert({7 * DAY: (700, 6), 14 * HOUR: (60, 0)}) == ("ok", "")


def test_pages_win_over_tickets() -> None:
    everything = {DAY: (100, 20), 2 * HOUR: (10, 2), 3 * DAY: (300, 20), 6 * HOUR: (30, 2),
                  7 * DAY: (700, 30), 14 * HOUR: (50, 5)}
    assert alert(everything) == ("page", "fast-burn")
    assert alert(everything, forward=Tally(10, 10)) == ("page", "fast-burn")


def test_forward_burn_tickets_before_the_breaks_happen() -> None:
    # 1 of 10 promises due in the next 24 h is at risk: burn 10 at target 0.99.
    state, rule = alert({}, forward=Tally(decided=10, broken=1))
    assert (state, rule) == ("ticket", FORWARD_RULE)
    assert alert({}, forward=Tally(decided=100, broken=5)) == ("ok", "")
    assert alert({}, forward=Tally(decided=0, broken=0)) == ("ok", "")


def test_too_few_promises_never_alert() -> None:
    result = evaluate_alert(0.99, tallies({DAY: (10, 10), 2 * HOUR: (1, 1)}), QUIET,
                            window_decided=10, min_count=50)
    assert result.state is Severity.OK
    assert result.rule is None
    assert "10 < min_count 50" in result.reason
    assert alert({DAY: (10, 10), 2 * HOUR: (1, 1)}, decided=50, min_count=50) == (
        "page", "fast-burn")


def test_the_alert_reports_the_rates_that_fired() -> None:
    result = evaluate_alert(0.99, tallies({DAY: (100, 15), 2 * HOUR: (20, 4)}), QUIET,
                            window_decided=1000, min_count=0)
    assert result.long_burn_rate == pytest.approx(15.0)
    assert result.short_burn_rate == pytest.approx(20.0)
    assert "1 day" in result.reason and "2 hours" in result.reason
