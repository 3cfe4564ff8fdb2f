"""Policy use cases: versioned definitions, quotes, and the policy a promise is made under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.calendars.service import business_calendar_of, find_calendar, get_calendar
from api.db import writing
from api.domain.business_calendar import BusinessCalendar, CalendarError
from api.domain.policies import (
    DueRule,
    PolicyError,
    WindowRule,
    check_rules,
    compute_due,
    compute_window,
)
from api.ids import new_id
from api.models import Calendar, Policy
from api.policies.schemas import (
    PolicyCreate,
    PolicyPublic,
    PolicyTerms,
    Quote,
    TargetIn,
    WindowIn,
)
from api.problems import Conflict, NotFound, Unprocessable
from api.tenancy.auth import Principal


@dataclass(frozen=True)
class Plan:
    """What a policy gives a promise made at `made_at`."""

    policy: Policy
    terms: PolicyTerms
    calendar: Calendar | None
    business_calendar: BusinessCalendar | None
    due_at: datetime
    window_start: datetime | None


def rules_of(policy: Policy) -> tuple[DueRule, WindowRule | None]:
    target = TargetIn.model_validate(policy.target)
    window = WindowIn.model_validate(policy.window) if policy.window else None
    return (
        DueRule(target.calendar_time, target.business_time, target.business_days, target.by),
        WindowRule(window.calendar_time, window.business_days) if window else None,
    )


def to_public(policy: Policy) -> PolicyPublic:
    return PolicyPublic(
        id=policy.id, key=policy.key, version=policy.version, kind=policy.kind,
        calendar_id=policy.calendar_id, target=TargetIn.model_validate(policy.target),
        window=WindowIn.model_validate(policy.window) if policy.window else None,
        created_at=policy.created_at, **policy.terms,
    )


def _definition(body: PolicyCreate, calendar: Calendar | None) -> dict[str, object]:
    terms = PolicyTerms.model_validate(body.model_dump(include=set(PolicyTerms.model_fields)))
    return {
        "kind": body.kind,
        "calendar_id": calendar.id if calendar else None,
        "target": body.target.model_dump(mode="json", exclude_none=True),
        "window": body.window.model_dump(mode="json", exclude_none=True) if body.window else None,
        "terms": terms.model_dump(mode="json"),
    }


def _same_definition(policy: Policy, definition: dict[str, object]) -> bool:
    return all(getattr(policy, name) == value for name, value in definition.items())


def plan(
    session: Session, tenant_id: str, policy: Policy, made_at: datetime
) -> Plan:
    """Compute the due time and window of a promise made at `made_at` under `policy`."""
    calendar = get_calendar(session, tenant_id, policy.calendar_id) if policy.calendar_id \
        else None
    business = business_calendar_of(calendar, made_at) if calendar else None
    due_rule, window_rule = rules_of(policy)
    try:
        due_at = compute_due(due_rule, made_at, business)
        window = compute_window(window_rule, due_at, business) if window_rule else None
    except (PolicyError, CalendarError) as error:
        raise Unprocessable.for_field("body.policy",
                                      f"policy {policy.key!r} gives no due time: {error}"
                                      ) from None
    return Plan(policy, PolicyTerms.model_validate(policy.terms), calendar, business, due_at,
                window)


def create_policy(
    session: Session, principal: Principal, body: PolicyCreate, now: datetime
) -> tuple[Policy, bool]:
    """Add the policy, or a new version of it; an unchanged definition returns the latest."""
    calendar = None
    if body.calendar is not None:
        calendar = find_calendar(session, principal.tenant_id, body.calendar)
        if calendar is None:
            raise Unprocessable.for_field("body.calendar", f"no calendar {body.calendar!r}")
    definition = _definition(body, calendar)
    due_rule = DueRule(body.target.calendar_time, body.target.business_time,
                       body.target.business_days, body.target.by)
    window_rule = (WindowRule(body.window.calendar_time, body.window.business_days)
                   if body.window else None)
    try:
        check_rules(due_rule, window_rule, calendar is not None)
    except PolicyError as error:
        raise Unprocessable.for_field(f"body.{error.field}", error.message) from None
    for _attempt in range(2):
        with writing(session):
            latest = _latest(session, principal.tenant_id, body.key)
            if latest is not None and _same_definition(latest, definition):
                return latest, False
            policy = Policy(
                tenant_id=principal.tenant_id, id=new_id("pol"), key=body.key,
                version=latest.version + 1 if latest else 1, created_at=now,
                **definition,  # type: ignore[arg-type]
            )
            plan(session, principal.tenant_id, policy, now)  # refuses a policy that never ends
            session.add(policy)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return policy, True
    raise Conflict(f"Policy {body.key!r} was changed concurrently; retry.")


def _latest(session: Session, tenant_id: str, key: str) -> Policy | None:
    return session.exec(
        select(Policy)
        .where(col(Policy.tenant_id) == tenant_id, col(Policy.key) == key)
        .order_by(col(Policy.version).desc())
        .limit(1)
    ).first()


def get_policy(
    session: Session, tenant_id: str, key: str, version: int | None = None
) -> Policy:
    if version is None:
        policy = _latest(session, tenant_id, key)
    else:
        policy = session.exec(select(Policy).where(
            col(Policy.tenant_id) == tenant_id, col(Policy.key) == key,
            col(Policy.version) == version)).first()
    if policy is None:
        suffix = f" version {version}" if version is not None else ""
        raise NotFound(f"No policy {key!r}{suffix}.")
    return policy


def list_policies(
    session: Session, principal: Principal, limit: int, after: str | None
) -> tuple[list[Policy], str | None]:
    """The latest version of each policy, ordered by key."""
    latest = (
        select(col(Policy.key), func.max(Policy.version).label("version"))
        .where(col(Policy.tenant_id) == principal.tenant_id)
        .group_by(col(Policy.key))
        .subquery()
    )
    query = select(Policy).join(
        latest, (col(Policy.key) == latest.c.key) & (col(Policy.version) == latest.c.version)
    ).where(col(Policy.tenant_id) == principal.tenant_id)
    if after is not None:
        query = query.where(col(Policy.key) > after)
    rows = list(session.exec(query.order_by(col(Policy.key)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].key
    return rows, None


def quote(
    session: Session, principal: Principal, key: str, made_at: datetime
) -> Quote:
    policy = get_policy(session, principal.tenant_id, key)
    planned = plan(session, principal.tenant_id, policy, made_at)
    return Quote(
        policy=policy.key, policy_version=policy.version, made_at=made_at,
        due_at=planned.due_at, window_start=planned.window_start, precision="instant",
        calendar_id=policy.calendar_id,
    )


