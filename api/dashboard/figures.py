"""What each page shows, read through the services (scorecards, objectives, promises, events,
webhooks): no scoring or aggregation is done here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api.dashboard.charts import DayOutcome
from api.domain.scorecard_rules import Bucket, GroupKey, TimeField
from api.objectives import service as objectives
from api.objectives.schemas import ObjectiveStatus
from api.promises.queries import PromiseFilters
from api.scorecards import service as scorecards
from api.scorecards.schemas import Figures, ScorecardGroup
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


def _decided_in(period: Period, principal: Principal, bucket: Bucket | None = None,
                group_by: tuple[GroupKey, ...] = (),
                filters: PromiseFilters | None = None) -> scorecards.ScorecardQuery:
    return scorecards.ScorecardQuery(
        filters=filters or PromiseFilters(), time_field=TimeField.RESOLVED, start=period.start,
        end=period.end, group_by=group_by, bucket=bucket, timezone=principal.timezone)


def overview(session: Session, principal: Principal, period: Period, now: datetime) -> Overview:
    current = scorecards.scorecard(session, principal, _decided_in(period, principal), now)
    previous = scorecards.scorecard(
        session, principal, _decided_in(period.previous, principal), now)
    daily = scorecards.scorecard(
        session, principal, _decided_in(period, principal, Bucket.DAY), now)
    days = [DayOutcome(str(group.key.get("bucket")), group.exceeded, group.met, group.broken,
                       group.keep_rate) for group in daily.groups]
    rows, _ = objectives.list_objectives(session, principal, MAX_OBJECTIVES, None)
    statuses = [objectives.objective_status(session, principal, row.id, now) for row in rows]
    return Overview(period, current.totals, previous.totals, days, statuses)


def change(current: float | None, previous: float | None) -> float | None:
    """The change of a rate against the previous period, in percentage points."""
    if current is None or previous is None:
        return None
    return (current - previous) * 100


def breakdown(session: Session, principal: Principal, period: Period, key: GroupKey,
              now: datetime) -> tuple[list[ScorecardGroup], Figures]:
    result = scorecards.scorecard(
        session, principal, _decided_in(period, principal, group_by=(key,)), now)
    return result.groups, result.totals
