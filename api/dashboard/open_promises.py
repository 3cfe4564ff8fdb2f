"""At risk now: the open promises with the least time remaining, ordered and counted in SQL over
every open promise of the tenant, so the page shows the right ones however many are open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Integer, and_, case, func, literal
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.models import Promise
from api.promises.records import to_public
from api.promises.schemas import PromisePublic
from api.scorecards.expressions import Dialect, Sql, dialect_of, epoch_seconds
from api.tenancy.auth import Principal

SHOWN = 100


@dataclass(frozen=True)
class OpenPromises:
    shown: list[PromisePublic]
    open_count: int
    at_risk_count: int


def is_open(tenant_id: str, now: datetime) -> list[ColumnElement[bool]]:
    """Pending or at risk at `now`: not resolved and not past the deadline (the statuses of
    `api.promises.queries.status_condition`), in the shape of the index on (tenant_id,
    resolved_status, breach_at)."""
    return [col(Promise.tenant_id) == tenant_id, col(Promise.resolved_status).is_(None),
            col(Promise.breach_at) >= now]


def time_remaining(now: datetime, dialect: Dialect) -> Sql:
    """Seconds from `now` to the due time, as `read_status` reads them: a paused promise's
    clock stands still at the start of its pause."""
    paused_since = col(Promise.paused_since)
    stopped = case(
        (and_(paused_since.is_not(None), paused_since < now),
         epoch_seconds(paused_since, dialect)),
        else_=literal(now.timestamp(), Float),
    )
    return epoch_seconds(col(Promise.due_at), dialect) - stopped


def open_by_time_remaining(session: Session, principal: Principal, now: datetime,
                           limit: int = SHOWN) -> OpenPromises:
    """The `limit` open promises with the least time remaining (overdue-in-grace first), and
    how many are open and at risk in all."""
    where = is_open(principal.tenant_id, now)
    remaining = time_remaining(now, dialect_of(session))
    rows = session.exec(select(Promise).where(*where)
                        .order_by(remaining, col(Promise.id)).limit(limit)).all()
    at_risk = func.coalesce(func.sum(case((col(Promise.at_risk_at) <= now, 1), else_=0)), 0)
    open_count, at_risk_count = session.exec(
        select(func.count(), at_risk.cast(Integer)).where(*where)).one()
    return OpenPromises([to_public(row, now) for row in rows], int(open_count),
                        int(at_risk_count))
