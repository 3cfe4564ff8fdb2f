"""Error budgets for promises: objective windows, budgets, burn rates and burn-rate alerts.

Pure: standard library only, no clock.

An objective says "keep `target` of these promises per window". Over a window, the *decided*
promises are those exceeded, met or broken (open promises past their deadline count as broken;
void and not-yet-due promises are outside). Then:

- attainment = kept / decided (the keep rate)
- budget (allowed breaks) = (1 − target) × decided; used = broken; remaining = budget − used
- burn rate over a trailing window = (broken / decided in it) / (1 − target): 1 spends the
  budget exactly over the objective's window, 14.4 spends a 30-day budget in about two days.

Alerts follow the multi-window, multi-burn-rate rules of the Google SRE workbook ("Alerting on
SLOs"), whose windows of 1 h, 6 h and 3 days suit requests measured in milliseconds. Promises
are decided over hours and days, so the long windows become 1, 3 and 7 days; each rule also
needs its short window (1/12 of the long one, as in the workbook) to burn above the threshold,
so an alert stops soon after the breaking stops.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class WindowType(StrEnum):
    ROLLING = "rolling"  # the last N days
    CALENDAR = "calendar"  # the current calendar month in a time zone


class Severity(StrEnum):
    PAGE = "page"
    TICKET = "ticket"
    OK = "ok"


@dataclass(frozen=True)
class ObjectiveWindow:
    type: WindowType
    timezone: str
    days: int | None = None  # rolling windows only


def _month_start(day: date, zone: ZoneInfo) -> datetime:
    # A local midnight that does not exist reads with the offset before the change: the first
    # instant of the day (as in api/domain/terms.py).
    return datetime.combine(day.replace(day=1), time(0), tzinfo=zone).astimezone(UTC)


def window_bounds(window: ObjectiveWindow, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the objective's window holding `now`."""
    if window.type is WindowType.ROLLING:
        if not window.days or window.days < 1:
            raise ValueError("a rolling window needs a number of days ≥ 1")
        return now - timedelta(days=window.days), now
    zone = ZoneInfo(window.timezone)
    today = now.astimezone(zone).date()
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    next_month = today.replace(day=1) + timedelta(days=days_in_month)
    return _month_start(today, zone), _month_start(next_month, zone)


@dataclass(frozen=True)
class Tally:
    """Decided promises in a window and how many of them broke."""

    decided: int
    broken: int

    @property
    def kept(self) -> int:
        return self.decided - self.broken


@dataclass(frozen=True)
class Budget:
    attainment: float | None
    allowed: float
    used: int
    remaining: float
    remaining_ratio: float | None  # remaining / allowed; negative once overspent


def check_target(target: float) -> None:
    if not 0.0 < target < 1.0:
        raise ValueError("target must be a keep rate strictly between 0 and 1, e.g. 0.98")


def error_budget(tally: Tally, target: float) -> Budget:
    check_target(target)
    allowed = (1.0 - target) * tally.decided
    remaining = allowed - tally.broken
    return Budget(
        attainment=tally.kept / tally.decided if tally.decided else None,
        allowed=allowed,
        used=tally.broken,
        remaining=remaining,
        remaining_ratio=remaining / allowed if allowed else None,
    )


def burn_rate(tally: Tally, target: float) -> float | None:
    """How fast the window spends the budget: its error rate over the allowed error rate."""
    check_target(target)
    if not tally.decided:
        return None
    return (tally.broken / tally.decided) / (1.0 - target)


@dataclass(frozen=True)
class BurnRule:
    name: str
    severity: Severity
    long_window: timedelta
    short_window: timedelta
    threshold: float


# Workbook → promises: page 14.4× over 1 h (5 min) → over 1 day (2 h); page 6× over 6 h
# (30 min) → over 3 days (6 h); ticket 1× over 3 days (6 h) → over 7 days (14 h).
BURN_RULES = (
    BurnRule("fast-burn", Severity.PAGE, timedelta(days=1), timedelta(hours=2), 14.4),
    BurnRule("steady-burn", Severity.PAGE, timedelta(days=3), timedelta(hours=6), 6.0),
    BurnRule("slow-burn", Severity.TICKET, timedelta(days=7), timedelta(hours=14), 1.0),
)
BURN_WINDOWS = tuple(sorted({w for rule in BURN_RULES for w in (rule.long_window,
                                                                   rule.short_window)}))

# Forward burn: the open promises due within this horizon; the at-risk ones are counted as
# projected breaks, the others as kept. A ticket when that would burn this fast.
FORWARD_HORIZON = timedelta(hours=24)
FORWARD_THRESHOLD = 6.0
FORWARD_RULE = "forward-burn"


@dataclass(frozen=True)
class Alert:
    state: Severity
    rule: BurnRule | None = None
    long_burn_rate: float | None = None
    short_burn_rate: float | None = None
    reason: str = ""


def _above(rate: float | None, threshold: float) -> bool:
    # At the threshold fires; the tolerance absorbs rounding in (1 − target), e.g. 1 − 0.99.
    return rate is not None and rate >= threshold * (1 - 1e-9)


def evaluate_alert(
    target: float,
    tallies: Mapping[timedelta, Tally],
    forward: Tally,
    *,
    window_decided: int,
    min_count: int,
) -> Alert:
    """The first rule that fires, pages before tickets; `ok` when none does.

    `tallies` holds a tally per trailing window of `BURN_WINDOWS`; `forward` counts the open
    promises due within `FORWARD_HORIZON` (decided) and the at-risk ones among them (broken).
    Nothing fires while the objective's window holds fewer than `min_count` decided promises.
    """
    if window_decided < min_count:
        return Alert(Severity.OK, reason=f"too few decided promises to judge "
                                         f"({window_decided} < min_count {min_count})")
    for rule in BURN_RULES:
        long_rate = burn_rate(tallies[rule.long_window], target)
        short_rate = burn_rate(tallies[rule.short_window], target)
        if _above(long_rate, rule.threshold) and _above(short_rate, rule.threshold):
            return Alert(rule.severity, rule, long_rate, short_rate,
                         f"burn rate ≥ {rule.threshold:g} over both {_span(rule.long_window)} "
                         f"and {_span(rule.short_window)}")
    forward_rate = burn_rate(forward, target)
    if _above(forward_rate, FORWARD_THRESHOLD):
        rule = BurnRule(FORWARD_RULE, Severity.TICKET, FORWARD_HORIZON, FORWARD_HORIZON,
                        FORWARD_THRESHOLD)
        return Alert(Severity.TICKET, rule, forward_rate, forward_rate,
                     f"at-risk promises due in the next {_span(FORWARD_HORIZON)} would burn "
                     f"the budget ≥ {FORWARD_THRESHOLD:g}× as fast as allowed")
    return Alert(Severity.OK, reason="no burn-rate rule fires")


def _span(value: timedelta) -> str:
    if value % timedelta(days=1) == timedelta(0):
        days = value // timedelta(days=1)
        return f"{days} day" + ("s" if days != 1 else "")
    hours = value // timedelta(hours=1)
    return f"{hours} hour" + ("s" if hours != 1 else "")
