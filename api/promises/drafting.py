"""From a create request to the terms of a new promise, with or without a policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlmodel import Session

from api.domain.terms import Precision, Terms, TermsError, check_terms
from api.models import Policy
from api.policies import service as policies
from api.problems import FieldError, NotFound, Unprocessable
from api.promises.records import resolve_due, resolve_window
from api.promises.schemas import PromiseCreate
from api.tenancy.auth import Principal

# Request fields that, given explicitly, override what a policy says.
OVERRIDABLE = ("kind", "due_at", "window_start", "grace", "exceed_margin", "early",
               "at_risk_ratio")


class Draft(NamedTuple):
    """A validated create request: the promise's terms and where they came from.

    A named tuple rather than a frozen dataclass: a batch drafts a thousand, and a frozen
    dataclass costs twice as much to build."""

    body: PromiseCreate
    kind: str
    terms: Terms
    policy: Policy | None = None
    calendar_id: str | None = None
    overrides: tuple[str, ...] = ()


@dataclass
class PolicyCache:
    """Policies looked up once per request, however many promises name them."""

    found: dict[str, Policy] = field(default_factory=dict)

    def get(self, session: Session, tenant_id: str, key: str) -> Policy:
        if key not in self.found:
            try:
                self.found[key] = policies.get_policy(session, tenant_id, key)
            except NotFound as error:
                raise Unprocessable.for_field("body.policy", f"no policy {key!r}") from error
        return self.found[key]


def precision_of(value: datetime | date) -> Precision:
    return Precision.INSTANT if isinstance(value, datetime) else Precision.DAY


def _check_forms(body: PromiseCreate) -> None:
    if body.due_at is None or body.window_start is None:
        return
    if precision_of(body.window_start) is not precision_of(body.due_at):
        raise Unprocessable.for_field(
            "body.window_start",
            "window_start must have the same form as due_at (both dates or both timestamps)",
        )


def draft_promise(
    session: Session, principal: Principal, body: PromiseCreate, now: datetime,
    cache: PolicyCache | None = None,
) -> Draft:
    """The terms of a create request; raises Unprocessable naming the bad field."""
    if body.policy is None:
        return draft_without_policy(principal, body, now)
    _check_forms(body)
    made_at = body.made_at or now
    policy = (cache or PolicyCache()).get(session, principal.tenant_id, body.policy)
    planned = policies.plan(session, principal.tenant_id, policy, made_at)
    given = body.model_fields_set
    zone = body.timezone or (planned.calendar.timezone if planned.calendar else
                             principal.timezone)
    if body.due_at is not None:
        due_at, precision = resolve_due(body.due_at, zone), precision_of(body.due_at)
    else:
        due_at, precision = planned.due_at, Precision.INSTANT
    window = planned.window_start if body.due_at is None else None
    if body.window_start is not None:
        window = resolve_window(body.window_start, zone)
    policy_terms = planned.terms
    terms = Terms(
        made_at=made_at, due_at=due_at, window_start=window, precision=precision,
        timezone=zone,
        grace=(body.grace if "grace" in given else policy_terms.grace) or timedelta(0),
        exceed_margin=body.exceed_margin if "exceed_margin" in given
        else policy_terms.exceed_margin,
        exceed_ratio=None if "exceed_margin" in given else policy_terms.exceed_ratio,
        early=body.early if "early" in given else policy_terms.early,
        at_risk_ratio=body.at_risk_ratio if "at_risk_ratio" in given
        else policy_terms.at_risk_ratio,
        at_risk_lead=policy_terms.at_risk_lead,
        calendar=planned.business_calendar,
    )
    kind = body.kind or policy.kind
    if kind is None:
        raise Unprocessable.for_field("body.kind", "kind is required: the policy names none")
    _check(terms)
    overrides = tuple(name for name in OVERRIDABLE
                      if name in given and getattr(body, name) is not None)
    return Draft(body, kind, terms, policy, policy.calendar_id, overrides)


def draft_without_policy(principal: Principal, body: PromiseCreate, now: datetime) -> Draft:
    """The terms of a create request that names no policy: no database needed."""
    due_at, kind = body.due_at, body.kind
    if due_at is None or kind is None:
        missing = [name for name in ("due_at", "kind") if getattr(body, name) is None]
        raise Unprocessable(
            f"{' and '.join(missing)} required without a policy.",
            errors=[FieldError(field=f"body.{name}", message="field required without a policy",
                               type="missing") for name in missing],
        )
    window_start = body.window_start
    if window_start is not None:
        _check_forms(body)
    zone = body.timezone or principal.timezone
    terms = Terms(
        made_at=body.made_at or now,
        due_at=resolve_due(due_at, zone),
        window_start=resolve_window(window_start, zone) if window_start else None,
        precision=precision_of(due_at),
        timezone=zone,
        grace=body.grace or timedelta(0),
        exceed_margin=body.exceed_margin,
        early=body.early,
        at_risk_ratio=body.at_risk_ratio,
    )
    _check(terms)
    return Draft(body, kind, terms)


def _check(terms: Terms) -> None:
    try:
        check_terms(terms)
    except TermsError as error:
        raise Unprocessable.for_field(f"body.{error.field}", error.message) from None
