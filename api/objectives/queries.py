"""The tallies of an objective in one SQL pass: decided and broken promises per trailing
window (by when each was decided), and the open promises due within the forward horizon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, label, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from api.domain.error_budget import Tally
from api.domain.outcomes import Status
from api.models import Promise
from api.promises.queries import PromiseFilters, status_case
from api.scorecards.expressions import DECIDED, decided_at


@dataclass(frozen=True)
class Tallies:
    windows: dict[str, Tally]
    forward: Tally


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def objective_tallies(
    session: Session,
    tenant_id: str,
    filters: PromiseFilters,
    policy: str | None,
    starts: Mapping[str, datetime],
    now: datetime,
    horizon: timedelta,
) -> Tallies:
    """A tally for each named window start (decided at or after it), and the forward tally:
    open promises not yet broken that are due by `now + horizon`, at-risk ones as breaks."""
    conditions = filters.conditions(tenant_id, now)
    if policy is not None:
        conditions.append(col(Promise.policy_key) == policy)
    earliest = min(starts.values())
    # Decided at or after `earliest` means resolved or broken since then; open promises not
    # yet broken have their deadline ahead. Lets the database use its time indexes.
    conditions.append(or_(col(Promise.resolved_at) >= earliest,
                          col(Promise.breach_at) >= earliest))
    scored = select(
        label("status", status_case(now)),
        label("decided_at", decided_at(now)),
        col(Promise.due_at).label("due_at"),
    ).where(*conditions).subquery("scored")
    decided = scored.c.status.in_(DECIDED)
    broken = scored.c.status == Status.BROKEN.value
    figures: list[Any] = []
    for name, start in starts.items():
        recent = scored.c.decided_at >= start
        figures += [_count_if(and_(decided, recent)).label(f"{name}_decided"),
                    _count_if(and_(broken, recent)).label(f"{name}_broken")]
    soon = scored.c.due_at <= now + horizon
    figures += [
        _count_if(and_(scored.c.status.in_((Status.PENDING.value, Status.AT_RISK.value)), soon))
        .label("forward_open"),
        _count_if(and_(scored.c.status == Status.AT_RISK.value, soon)).label("forward_at_risk"),
    ]
    row = session.execute(select(*figures)).mappings().one()
    return Tallies(
        windows={name: Tally(decided=int(row[f"{name}_decided"]),
                             broken=int(row[f"{name}_broken"])) for name in starts},
        forward=Tally(decided=int(row["forward_open"]), broken=int(row["forward_at_risk"])),
    )
