"""The worker's delivery queue: claim due deliveries with a lease, record each attempt and
what follows it, release what it will not send.

Claiming takes rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL; on SQLite the write lock), marks
them `delivering` and sets their lease: `next_attempt_at = lease_until`. A worker that dies
mid-delivery leaves them to be claimed again once the lease has passed, so nothing is lost;
results are stored only by the worker still holding the lease, so nothing is decided twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import tuple_, update
from sqlmodel import Session, col, select

from api.db import Database, writing
from api.domain.retry_schedule import Decision, Verdict, decide, is_success, parse_retry_after
from api.ids import new_id
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from api.webhooks.delivery import AttemptResult, body_of
from api.webhooks.service import fail_outstanding
from api.webhooks.states import OUTSTANDING, DeliveryState

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds until `lease_until`, with what sending it needs."""

    tenant_id: str
    id: str
    message_id: str
    lease_until: datetime
    url: str
    body: bytes
    signing_secrets: list[str]
    endpoint_enabled: bool


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def claim(database: Database, now: datetime, limit: int, lease: timedelta = LEASE
          ) -> list[Claimed]:
    """Take up to `limit` due deliveries (waiting ones, and ones whose lease has passed)."""
    with database.session() as session, writing(session):
        rows = list(session.exec(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.state).in_(OUTSTANDING),
                   col(WebhookDelivery.next_attempt_at) <= now)
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all())
        if not rows:
            return []
        lease_until = now + lease
        for row in rows:
            row.state = DeliveryState.DELIVERING.value
            row.lease_until = row.next_attempt_at = lease_until
            row.updated_at = now
            session.add(row)
        messages = {(m.tenant_id, m.id): m for m in session.exec(select(WebhookMessage).where(
            tuple_(col(WebhookMessage.tenant_id), col(WebhookMessage.id)).in_(
                {(r.tenant_id, r.message_id) for r in rows})))}
        endpoints = {(e.tenant_id, e.id): e for e in session.exec(select(WebhookEndpoint).where(
            tuple_(col(WebhookEndpoint.tenant_id), col(WebhookEndpoint.id)).in_(
                {(r.tenant_id, r.endpoint_id) for r in rows})))}
        claimed = []
        for row in rows:
            endpoint = endpoints[(row.tenant_id, row.endpoint_id)]
            claimed.append(Claimed(
                tenant_id=row.tenant_id, id=row.id, message_id=row.message_id,
                lease_until=lease_until, url=endpoint.url,
                body=body_of(messages[(row.tenant_id, row.message_id)].payload),
                signing_secrets=_secrets(endpoint, now), endpoint_enabled=endpoint.enabled,
            ))
        session.commit()
    return claimed


def record(
    database: Database, item: Claimed, result: AttemptResult, now: datetime, jitter: float
) -> Decision | None:
    """Store an attempt and decide what follows; None when the delivery is gone (its
    endpoint was deleted) or another worker took it over after the lease passed."""
    with database.session() as session, writing(session):
        row = session.get(WebhookDelivery, (item.tenant_id, item.id), with_for_update=True)
        if row is None:
            return None
        session.add(WebhookAttempt(
            tenant_id=item.tenant_id, id=new_id("wat"), delivery_id=item.id, attempted_at=now,
            status_code=result.status_code, latency_ms=result.latency_ms, error=result.error))
        if row.state != DeliveryState.DELIVERING or row.lease_until != item.lease_until:
            session.commit()
            return None
        endpoint = session.get(WebhookEndpoint, (item.tenant_id, row.endpoint_id),
                               with_for_update=True)
        assert endpoint is not None  # deliveries are deleted with their endpoint
        decision = decide(
            status_code=result.status_code,
            retry_after=parse_retry_after(result.retry_after, now),
            failed_attempts=row.attempt_count + 1, first_scheduled_at=row.created_at,
            failing_since=endpoint.failing_since, now=now, jitter=jitter)
        row.attempt_count += 1
        row.last_status_code = result.status_code
        row.last_latency_ms = result.latency_ms
        row.last_error = result.error if decision.reason is None else (
            f"{result.error}; {decision.reason}" if result.error else decision.reason)[:500]
        row.lease_until = None
        row.updated_at = now
        if decision.verdict is Verdict.RETRY:
            row.state = DeliveryState.PENDING.value
            row.next_attempt_at = decision.next_attempt_at
        else:
            row.state = (DeliveryState.SUCCEEDED if decision.verdict is Verdict.SUCCEEDED
                         else DeliveryState.FAILED).value
            row.next_attempt_at = None
            row.completed_at = now
        session.add(row)
        _note_endpoint(session, endpoint, result, decision, now)
        session.commit()
    return decision


def _note_endpoint(
    session: Session, endpoint: WebhookEndpoint, result: AttemptResult, decision: Decision,
    now: datetime,
) -> None:
    """An endpoint's failure streak; disable it when the decision says so."""
    if is_success(result.status_code):
        endpoint.failing_since = None
    elif endpoint.failing_since is None:
        endpoint.failing_since = now
    if decision.disable_reason is not None and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_reason = decision.disable_reason
        endpoint.updated_at = now
        session.flush()
        fail_outstanding(session, endpoint.tenant_id, endpoint.id,
                         f"the endpoint was disabled: {decision.disable_reason}", now)
    session.add(endpoint)


def abandon(database: Database, item: Claimed, reason: str, now: datetime) -> None:
    """Give up a claimed delivery without sending it (its endpoint is disabled)."""
    _finish_claim(database, item, now, state=DeliveryState.FAILED, error=reason)


def release(database: Database, item: Claimed, now: datetime) -> None:
    """Hand a claimed delivery back, due at once (the worker is stopping)."""
    _finish_claim(database, item, now, state=DeliveryState.PENDING)


def _finish_claim(
    database: Database, item: Claimed, now: datetime, *, state: DeliveryState,
    error: str | None = None,
) -> None:
    values: dict[str, object] = {"state": state.value, "lease_until": None, "updated_at": now,
                                 "next_attempt_at": now if state is DeliveryState.PENDING
                                 else None}
    if error is not None:
        values |= {"last_error": error[:500], "completed_at": now}
    with database.session() as session, writing(session):
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.tenant_id) == item.tenant_id,
                   col(WebhookDelivery.id) == item.id,
                   col(WebhookDelivery.state) == DeliveryState.DELIVERING.value,
                   col(WebhookDelivery.lease_until) == item.lease_until)
            .values(**values))
        session.commit()
