"""Query building for promise lists: status from the clock in SQL, labels, keyset pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, case, exists, false, literal_column, or_, select
from sqlmodel import col

from api.domain.outcomes import Status
from api.models import Promise, PromiseLabel


def status_condition(status: Status, now: datetime) -> ColumnElement[bool]:
    """SQL for "status at `now` is `status`": the same rule as `read_status`, on columns."""
    resolved = col(Promise.resolved_status)
    is_open = resolved.is_(None)
    if status is Status.PENDING:
        return and_(is_open, col(Promise.at_risk_at) > now)
    if status is Status.AT_RISK:
        return and_(is_open, col(Promise.at_risk_at) <= now, col(Promise.breach_at) >= now)
    if status is Status.BROKEN:
        return or_(resolved == Status.BROKEN.value,
                   and_(is_open, col(Promise.breach_at) < now))
    return resolved == status.value


def _status_literal(status: Status) -> ColumnElement[str]:
    # Inline, not a bound parameter: PostgreSQL must see GROUP BY and SELECT expressions equal.
    return literal_column(f"'{status.value}'", String)


def status_case(now: datetime, *, first: bool = False) -> ColumnElement[str]:
    """SQL for the status at `now` as one value, to count and group by: the same rule as
    `status_condition` and `read_status`. `first=True` reads the first-promise status."""
    if first:
        resolved, breach_at, at_risk_at = (
            Promise.first_resolved_status, Promise.first_breach_at, Promise.first_at_risk_at)
    else:
        resolved, breach_at, at_risk_at = (
            Promise.resolved_status, Promise.breach_at, Promise.at_risk_at)
    return case(
        (col(resolved).is_not(None), col(resolved)),
        (col(breach_at) < now, _status_literal(Status.BROKEN)),
        (col(at_risk_at) <= now, _status_literal(Status.AT_RISK)),
        else_=_status_literal(Status.PENDING),
    )


@dataclass(frozen=True)
class PromiseFilters:
    statuses: tuple[Status, ...] = ()
    kind: str | None = None
    order_id: str | None = None
    customer_id: str | None = None
    external_id: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    due_after: datetime | None = None
    due_before: datetime | None = None

    def conditions(self, tenant_id: str, now: datetime) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [col(Promise.tenant_id) == tenant_id]
        if self.statuses:
            conditions.append(or_(false(), *(status_condition(s, now) for s in self.statuses)))
        for column, value in (
            (Promise.kind, self.kind),
            (Promise.order_id, self.order_id),
            (Promise.customer_id, self.customer_id),
            (Promise.external_id, self.external_id),
        ):
            if value is not None:
                conditions.append(col(column) == value)
        if self.due_after is not None:
            conditions.append(col(Promise.due_at) >= self.due_after)
        if self.due_before is not None:
            conditions.append(col(Promise.due_at) < self.due_before)
        for key, value in self.labels.items():
            conditions.append(
                exists(
                    select(col(PromiseLabel.key)).where(
                        col(PromiseLabel.tenant_id) == col(Promise.tenant_id),
                        col(PromiseLabel.promise_id) == col(Promise.id),
                        col(PromiseLabel.key) == key,
                        col(PromiseLabel.value) == value,
                    )
                )
            )
        return conditions
