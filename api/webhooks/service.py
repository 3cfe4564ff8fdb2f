"""Webhook endpoint use cases: create, read, change, delete, rotate the secret, send a test;
deliveries: list and redeliver. Each write commits once, with its audit entry."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from api.audit import service as audit
from api.db import writing
from api.ids import new_id
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from api.problems import Conflict, NotFound, Unprocessable
from api.tenancy.auth import Principal
from api.webhooks.delivery import literal_refusal
from api.webhooks.outbox import Outbox, Subscriber
from api.webhooks.schemas import EndpointCreate, EndpointUpdate
from api.webhooks.signing import new_secret
from api.webhooks.states import OUTSTANDING, DeliveryState

# After a rotation, the old secret keeps signing for this long, so receivers can switch over.
ROTATION_OVERLAP = timedelta(hours=24)
TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    type: str
    attempts: list[WebhookAttempt]


def _check_target(url: str, allow_private: bool) -> None:
    if allow_private:
        return
    reason = literal_refusal(httpx.URL(url).host)
    if reason is not None:
        raise Unprocessable.for_field(
            "body.url", f"webhooks are not sent to private, loopback or link-local addresses "
            f"({reason}); set KEPT_WEBHOOK_ALLOW_PRIVATE=true to allow them")


def get_endpoint(session: Session, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, (principal.tenant_id, endpoint_id))
    if row is None:
        raise NotFound(f"No webhook endpoint {endpoint_id!r}.")
    return row


def list_endpoints(
    session: Session, principal: Principal, limit: int, after: str | None
) -> tuple[list[WebhookEndpoint], str | None]:
    query = select(WebhookEndpoint).where(col(WebhookEndpoint.tenant_id) == principal.tenant_id)
    if after is not None:
        query = query.where(col(WebhookEndpoint.id) > after)
    rows = list(session.exec(query.order_by(col(WebhookEndpoint.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def create_endpoint(
    session: Session, principal: Principal, body: EndpointCreate, allow_private: bool,
    now: datetime,
) -> WebhookEndpoint:
    """A new endpoint; its secret is on the returned row, to be shown once."""
    _check_target(body.url, allow_private)
    row = WebhookEndpoint(
        tenant_id=principal.tenant_id, id=new_id("whe"), url=body.url, events=body.events,
        description=body.description, enabled=body.enabled, secret=new_secret(),
        created_at=now, updated_at=now,
    )
    with writing(session):
        session.add(row)
        audit.record(session, principal.tenant_id, principal.key_id, "webhook_endpoint.created",
                     row.id, now, url=row.url, events=row.events, enabled=row.enabled)
        session.commit()
    return row


def fail_outstanding(
    session: Session, tenant_id: str, endpoint_id: str, reason: str, now: datetime
) -> None:
    """Give up the endpoint's waiting deliveries (it was disabled); the caller commits."""
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.tenant_id) == tenant_id,
               col(WebhookDelivery.endpoint_id) == endpoint_id,
               col(WebhookDelivery.state).in_(OUTSTANDING))
        .values(state=DeliveryState.FAILED.value, next_attempt_at=None, lease_until=None,
                last_error=reason[:500], completed_at=now, updated_at=now)
    )


def update_endpoint(
    session: Session, principal: Principal, endpoint_id: str, body: EndpointUpdate,
    allow_private: bool, now: datetime,
) -> WebhookEndpoint:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "url" in changes:
        _check_target(changes["url"], allow_private)
    with writing(session):
        row = get_endpoint(session, principal, endpoint_id)
        changed = {name: value for name, value in changes.items() if getattr(row, name) != value}
        for name, value in changed.items():
            setattr(row, name, value)
        if changed.get("enabled") is True:
            row.disabled_reason = None
            row.failing_since = None
        if changed.get("enabled") is False:
            fail_outstanding(session, row.tenant_id, row.id, "the endpoint was disabled", now)
        if changed:
            row.updated_at = now
            session.add(row)
            audit.record(session, principal.tenant_id, principal.key_id,
                         "webhook_endpoint.updated", row.id, now, changes=changed)
        session.commit()
    return row


def delete_endpoint(
    session: Session, principal: Principal, endpoint_id: str, now: datetime
) -> None:
    """Delete the endpoint with its deliveries and their attempts (messages stay)."""
    with writing(session):
        row = get_endpoint(session, principal, endpoint_id)
        session.delete(row)
        audit.record(session, principal.tenant_id, principal.key_id, "webhook_endpoint.deleted",
                     row.id, now, url=row.url)
        session.commit()


def rotate_secret(
    session: Session, principal: Principal, endpoint_id: str, now: datetime
) -> WebhookEndpoint:
    """A new secret; the old one keeps signing for 24 h (a rotation before then drops the
    secret replaced by the previous rotation)."""
    with writing(session):
        row = get_endpoint(session, principal, endpoint_id)
        row.previous_secret = row.secret
        row.previous_secret_expires_at = now + ROTATION_OVERLAP
        row.secret = new_secret()
        row.updated_at = now
        session.add(row)
        audit.record(session, principal.tenant_id, principal.key_id,
                     "webhook_endpoint.secret_rotated", row.id, now,
                     previous_secret_expires_at=row.previous_secret_expires_at.isoformat())
        session.commit()
    return row


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise Conflict(f"Webhook endpoint {endpoint.id!r} is disabled; enable it first.",
                       disabled_reason=endpoint.disabled_reason)


def send_test(
    session: Session, principal: Principal, endpoint_id: str, now: datetime
) -> DeliveryView:
    """Queue a `webhook.test` message to this endpoint, whatever it subscribes to."""
    with writing(session):
        endpoint = get_endpoint(session, principal, endpoint_id)
        _require_enabled(endpoint)
        data = {"endpoint_id": endpoint.id,
                "message": "A test from Kept: your endpoint receives and verifies webhooks."}
        outbox = Outbox(session, now)
        outbox.enqueue(principal.tenant_id, TEST_EVENT, data,
                       endpoints=[Subscriber(endpoint.id, endpoint.events)])
        [delivery] = outbox.deliveries
        session.commit()
    return DeliveryView(delivery, TEST_EVENT, [])


def get_delivery(session: Session, principal: Principal, delivery_id: str) -> WebhookDelivery:
    row = session.get(WebhookDelivery, (principal.tenant_id, delivery_id))
    if row is None:
        raise NotFound(f"No webhook delivery {delivery_id!r}.")
    return row


def redeliver(
    session: Session, principal: Principal, delivery_id: str, now: datetime
) -> DeliveryView:
    """Send a delivery's message again, at once: a waiting delivery is brought forward; a
    finished one gets a new delivery (with the same `webhook-id`)."""
    with writing(session):
        old = get_delivery(session, principal, delivery_id)
        endpoint = get_endpoint(session, principal, old.endpoint_id)
        _require_enabled(endpoint)
        if old.state == DeliveryState.DELIVERING:
            raise Conflict(f"Delivery {old.id!r} is being attempted right now.")
        if old.state == DeliveryState.PENDING:
            old.next_attempt_at = now
            old.updated_at = now
            row = old
        else:
            row = WebhookDelivery(
                tenant_id=old.tenant_id, id=new_id("dlv"), message_id=old.message_id,
                endpoint_id=old.endpoint_id, state=DeliveryState.PENDING.value,
                next_attempt_at=now, created_at=now, updated_at=now)
        session.add(row)
        session.commit()
        [view] = _views(session, principal.tenant_id, [row])
    return view


def _views(
    session: Session, tenant_id: str, rows: list[WebhookDelivery]
) -> list[DeliveryView]:
    if not rows:
        return []
    message_ids = list({row.message_id for row in rows})
    types = dict(session.exec(select(WebhookMessage.id, WebhookMessage.type).where(
        col(WebhookMessage.tenant_id) == tenant_id, col(WebhookMessage.id).in_(message_ids)
    )).all())
    attempts: dict[str, list[WebhookAttempt]] = defaultdict(list)
    for attempt in session.exec(select(WebhookAttempt).where(
        col(WebhookAttempt.tenant_id) == tenant_id,
        col(WebhookAttempt.delivery_id).in_([row.id for row in rows]),
    ).order_by(col(WebhookAttempt.id))).all():
        attempts[attempt.delivery_id].append(attempt)
    return [DeliveryView(row, types.get(row.message_id, ""), attempts[row.id]) for row in rows]


def list_deliveries(
    session: Session, principal: Principal, endpoint_id: str, state: DeliveryState | None,
    limit: int, before: str | None,
) -> tuple[list[DeliveryView], str | None]:
    """The endpoint's deliveries, newest first, with their attempts."""
    get_endpoint(session, principal, endpoint_id)
    query = select(WebhookDelivery).where(
        col(WebhookDelivery.tenant_id) == principal.tenant_id,
        col(WebhookDelivery.endpoint_id) == endpoint_id,
    )
    if state is not None:
        query = query.where(col(WebhookDelivery.state) == state.value)
    if before is not None:
        query = query.where(col(WebhookDelivery.id) < before)
    rows = list(session.exec(
        query.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)).all())
    last = rows[limit - 1].id if len(rows) > limit else None
    return _views(session, principal.tenant_id, rows[:limit]), last
