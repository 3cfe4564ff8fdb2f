"""What the overview and the breakdown show: counts and rates of the promises decided in a period
(`tallies`, the scorecard's rules in SQL) and the objectives' statuses (the objectives
service). No scoring is done here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api.dashboard import tallies
from api.dashboard.charts import DayOutcome
from api.domain.scorecard_rules import GroupKey
from api.objectives import service as objectives
from api.objectives.schemas import ObjectiveStatus
from api.scorecards.schemas import Figures
from api.tenancy.auth import Principal

PERIODS = (7, 30, 90)
MAX_OBJECTIVES = 20


@dataclass(frozen=True)
class Period:
    days: int
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        span = self.end - self.start
        return Period(self.days, self.start - span, self.start)


def period_ending(now: datetime, days: int) -> Period:
    return Period(days, now - timedelta(days=days), now)


@dataclass(frozen=True)
class Overview:
    period: Period
    current: Figures
    previous: Figures
    days: list[DayOutcome]
    objectives: list[ObjectiveStatus]


def overview(session: Session, principal: Principal, period: Period, now: datetime) -> Overview:
    daily = tallies.decided_per_day(session, principal.tenant_id, principal.timezone, now,
                                    period.start, period.end)
    previous = tallies.decided_in(session, principal.tenant_id, now, period.previous.start,
                                  period.previous.end)
    days = [DayOutcome(str(group.value), group.exceeded, group.met, group.broken,
                       group.keep_rate) for group in daily.groups]
    rows, _ = objectives.list_objectives(session, principal, MAX_OBJECTIVES, None)
    statuses = [objectives.objective_status(session, principal, row.id, now) for row in rows]
    return Overview(period, daily.totals, previous.totals, days, statuses)


def change(current: float | None, previous: float | None) -> float | None:
    """The change of a rate against the previous period, in percentage points."""
    if current is None or previous is None:
        return None
    return (current - previous) * 100


def breakdown(session: Session, principal: Principal, period: Period, key: GroupKey,
              now: datetime) -> tallies.Tallies:
    return tallies.decided_in(session, principal.tenant_id, now, period.start, period.end, key)
