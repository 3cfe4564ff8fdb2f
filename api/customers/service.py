"""The customer view: what a support agent should see before talking to a customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, label
from sqlmodel import Session, col, select

from api.customers.schemas import BrokenRun, CustomerPromise, CustomerSummary, StatusCounts
from api.domain.outcomes import Status
from api.models import Promise
from api.problems import NotFound
from api.promises.queries import PromiseFilters, status_case
from api.promises.records import to_public
from api.scorecards.expressions import KEPT, decided_at
from api.scorecards.service import ScorecardQuery, run_scorecard
from api.tenancy.auth import Principal

LAST_OUTCOMES = 10
OPEN_SHOWN = 50


def _shown(row: Promise, now: datetime) -> CustomerPromise:
    public = to_public(row, now)
    return CustomerPromise.model_validate(public.model_dump(include=set(
        CustomerPromise.model_fields)))


def broken_run(session: Session, tenant_id: str, customer_id: str, now: datetime) -> BrokenRun:
    """Broken promises decided after the customer's last kept one (void and open promises
    not yet due do not interrupt the run)."""
    scored = select(
        label("status", status_case(now)), label("decided_at", decided_at(now)),
    ).where(col(Promise.tenant_id) == tenant_id,
            col(Promise.customer_id) == customer_id).subquery("scored")
    last_kept = session.execute(
        select(func.max(scored.c.decided_at)).where(scored.c.status.in_(KEPT))).scalar()
    broken = select(func.count(), func.min(scored.c.decided_at)).where(
        scored.c.status == Status.BROKEN.value)
    if last_kept is not None:
        broken = broken.where(scored.c.decided_at > last_kept)
    length, since = session.execute(broken).one()
    return BrokenRun(length=length, since=since)


def customer_summary(
    session: Session, principal: Principal, customer_id: str, now: datetime
) -> CustomerSummary:
    tenant_id = principal.tenant_id
    totals = run_scorecard(session, tenant_id,
                           ScorecardQuery(filters=PromiseFilters(customer_id=customer_id)),
                           now).totals
    if totals.total == 0:
        raise NotFound(f"No promises for customer {customer_id!r}.")
    mine = (col(Promise.tenant_id) == tenant_id, col(Promise.customer_id) == customer_id)
    resolved = session.exec(
        select(Promise).where(*mine, col(Promise.resolved_status).is_not(None))
        .order_by(col(Promise.resolved_at).desc(), col(Promise.id).desc())
        .limit(LAST_OUTCOMES)).all()
    is_open = col(Promise.resolved_status).is_(None)
    open_rows = session.exec(
        select(Promise).where(*mine, is_open)
        .order_by(col(Promise.due_at), col(Promise.id)).limit(OPEN_SHOWN)).all()
    open_count = session.execute(
        select(func.count()).select_from(Promise).where(*mine, is_open)).scalar_one()
    return CustomerSummary(
        customer_id=customer_id,
        as_of=now,
        counts=StatusCounts.model_validate(totals.model_dump(include=set(
            StatusCounts.model_fields))),
        keep_rate=totals.keep_rate,
        broken_run=broken_run(session, tenant_id, customer_id, now),
        last_outcomes=[_shown(row, now) for row in resolved],
        open_promises=[_shown(row, now) for row in open_rows],
        open_count=open_count,
    )
