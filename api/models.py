"""Every table of Kept: the one module Alembic imports.

Tenant-owned tables key on (tenant_id, id) and every unique constraint and hot index starts
with tenant_id, so the schema distributes by tenant (Citus) unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from api.db import JSONValue, UTCDateTime


def _timestamp(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json() -> Any:
    return Field(sa_column=Column(JSONValue, nullable=False))


class Tenant(SQLModel, table=True):
    __tablename__ = "tenant"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100, unique=True)
    timezone: str = Field(max_length=64)
    created_at: datetime = _timestamp()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (
        UniqueConstraint("tenant_id", "prefix"),
        Index("ix_api_key_key_hash", "key_hash"),
    )

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    prefix: str = Field(max_length=20)
    key_hash: str = Field(max_length=64)
    scopes: str = Field(max_length=200)
    created_at: datetime = _timestamp()
    revoked_at: datetime | None = _timestamp(nullable=True)


class Calendar(SQLModel, table=True):
    """Business hours, closed days and their time zone, for business-time arithmetic."""

    __tablename__ = "calendar"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    timezone: str = Field(max_length=64)
    weekly_hours: dict[str, Any] = _json()
    country: str | None = Field(default=None, max_length=8)
    subdivision: str | None = Field(default=None, max_length=16)
    closed_dates: list[str] = _json()
    open_dates: list[str] = _json()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Policy(SQLModel, table=True):
    """One version of a named promise policy. Editing a policy adds a version."""

    __tablename__ = "policy"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", "version"),
        ForeignKeyConstraint(["tenant_id", "calendar_id"], ["calendar.tenant_id", "calendar.id"]),
    )

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=100)
    version: int
    kind: str | None = Field(default=None, max_length=64)
    calendar_id: str | None = Field(default=None, max_length=40)
    target: dict[str, Any] = _json()
    window: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONValue,
                                                                          nullable=True))
    terms: dict[str, Any] = _json()
    created_at: datetime = _timestamp()


class Promise(SQLModel, table=True):
    """A promise: its terms as made, the current terms, and what scoring derived from its log.

    Status itself is never stored for open promises: it follows from `breach_at` and
    `at_risk_at` and the clock, so it is right at read time without any background job.
    """

    __tablename__ = "promise"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_promise_tenant_id_order_id", "tenant_id", "order_id"),
        Index("ix_promise_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index("ix_promise_tenant_id_due_at", "tenant_id", "due_at"),
        Index("ix_promise_tenant_id_resolved_status_breach_at",
              "tenant_id", "resolved_status", "breach_at"),
        ForeignKeyConstraint(["tenant_id", "calendar_id"], ["calendar.tenant_id", "calendar.id"]),
        ForeignKeyConstraint(["tenant_id", "policy_id"], ["policy.tenant_id", "policy.id"]),
        # The worker's queue of time-driven transitions, across tenants, open promises only.
        Index("ix_promise_next_alert_at", "next_alert_at",
              postgresql_where=text("next_alert_at IS NOT NULL"),
              sqlite_where=text("next_alert_at IS NOT NULL")),
        Index("ix_promise_tenant_id_made_at", "tenant_id", "made_at"),
        Index("ix_promise_tenant_id_resolved_at", "tenant_id", "resolved_at"),
    )

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    external_id: str = Field(max_length=200)
    kind: str = Field(max_length=64)
    order_id: str | None = Field(default=None, max_length=200)
    customer_id: str | None = Field(default=None, max_length=200)
    labels: dict[str, str] = _json()

    # The terms as made.
    made_at: datetime = _timestamp()
    precision: str = Field(max_length=10)
    timezone: str = Field(max_length=64)
    original_due_at: datetime = _timestamp()
    original_window_start: datetime | None = _timestamp(nullable=True)
    grace_seconds: float = 0.0
    exceed_margin_seconds: float | None = None
    early: str = Field(max_length=10)
    at_risk_ratio: float
    at_risk_lead_seconds: float | None = None
    exceed_ratio: float | None = None
    calendar_id: str | None = Field(default=None, max_length=40)
    policy_id: str | None = Field(default=None, max_length=40)
    policy_key: str | None = Field(default=None, max_length=100)
    policy_version: int | None = None
    overrides: list[str] | None = Field(default=None, sa_column=Column(JSONValue, nullable=True))

    # The current terms and their open-promise deadlines.
    due_at: datetime = _timestamp()
    window_start: datetime | None = _timestamp(nullable=True)
    breach_at: datetime = _timestamp()
    at_risk_at: datetime = _timestamp()

    # The outcome once resolved (NULL while open).
    resolved_status: str | None = Field(default=None, max_length=10)
    broken_reason: str | None = Field(default=None, max_length=10)
    exceeded_reason: str | None = Field(default=None, max_length=10)
    resolved_at: datetime | None = _timestamp(nullable=True)
    fulfilled_at: datetime | None = _timestamp(nullable=True)
    lateness_seconds: float | None = None
    earliness_seconds: float | None = None
    business_lateness_seconds: float | None = None
    business_earliness_seconds: float | None = None
    extra: bool = False

    # The first-promise track: original terms with only the customer's revisions.
    first_due_at: datetime = _timestamp()
    first_window_start: datetime | None = _timestamp(nullable=True)
    first_breach_at: datetime = _timestamp()
    first_at_risk_at: datetime = _timestamp()
    first_resolved_status: str | None = Field(default=None, max_length=10)
    first_broken_reason: str | None = Field(default=None, max_length=10)
    first_exceeded_reason: str | None = Field(default=None, max_length=10)

    paused_seconds: float = 0.0
    paused_since: datetime | None = _timestamp(nullable=True)

    # Time-driven announcements: the next instant a transition (at_risk, broken) is due to be
    # announced, and the last status announced. NULL when nothing more will happen by time.
    next_alert_at: datetime | None = _timestamp(nullable=True)
    alerted_status: str | None = Field(default=None, max_length=10)
    revision_count: int = 0
    proactive_revision_count: int = 0
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class PromiseLabel(SQLModel, table=True):
    """One label of a promise, in its own row so filters and groupings are indexed SQL."""

    __tablename__ = "promise_label"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "promise_id"], ["promise.tenant_id", "promise.id"],
                             ondelete="CASCADE"),
        Index("ix_promise_label_tenant_id_key_value", "tenant_id", "key", "value"),
    )

    tenant_id: str = Field(primary_key=True, max_length=40)
    promise_id: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)


class PromiseEvent(SQLModel, table=True):
    """An append-only fact about a promise."""

    __tablename__ = "promise_event"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "promise_id"], ["promise.tenant_id", "promise.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "promise_id", "event_id"),
        Index("ix_promise_event_tenant_id_promise_id_occurred_at",
              "tenant_id", "promise_id", "occurred_at"),
    )

    tenant_id: str = Field(primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    promise_id: str = Field(max_length=40)
    event_id: str | None = Field(default=None, max_length=200)
    type: str = Field(max_length=20)
    occurred_at: datetime = _timestamp()
    recorded_at: datetime = _timestamp()
    data: dict[str, Any] = _json()


class IdempotencyRecord(SQLModel, table=True):
    """A POST made with an `Idempotency-Key`, and the response to replay."""

    __tablename__ = "idempotency_record"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int | None = None
    headers: dict[str, str] = _json()
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _timestamp(index=True)
    completed_at: datetime | None = _timestamp(nullable=True)


__all__ = [
    "ApiKey",
    "IdempotencyRecord",
    "Promise",
    "PromiseEvent",
    "PromiseLabel",
    "Tenant",
]


class Objective(SQLModel, table=True):
    """A keep-rate target over a window, with the error budget that follows from it."""

    __tablename__ = "objective"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    filter: dict[str, Any] = _json()
    target: float
    window_kind: str = Field(max_length=10)
    window_days: int | None = None
    timezone: str = Field(max_length=64)
    min_count: int = 0
    alert_state: str = Field(default="ok", max_length=10)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class WebhookEndpoint(SQLModel, table=True):
    """A tenant's URL subscribed to promise events, signed per Standard Webhooks."""

    __tablename__ = "webhook_endpoint"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    url: str = Field(max_length=2000)
    events: list[str] = _json()
    description: str | None = Field(default=None, max_length=500)
    enabled: bool = True
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: datetime | None = _timestamp(nullable=True)
    disabled_reason: str | None = Field(default=None, max_length=500)
    failing_since: datetime | None = _timestamp(nullable=True)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class WebhookMessage(SQLModel, table=True):
    """The outbox: one event to announce, written in the transaction that caused it.

    Its id is the `webhook-id` every delivery and retry of it carries.
    """

    __tablename__ = "webhook_message"
    __table_args__ = (Index("ix_webhook_message_tenant_id_created_at", "tenant_id", "created_at"),)

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=40)
    promise_id: str | None = Field(default=None, max_length=40)
    payload: dict[str, Any] = _json()
    created_at: datetime = _timestamp()


class WebhookDelivery(SQLModel, table=True):
    """One message to one endpoint: its attempts so far and when to try next."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "message_id"],
                             ["webhook_message.tenant_id", "webhook_message.id"]),
        ForeignKeyConstraint(["tenant_id", "endpoint_id"],
                             ["webhook_endpoint.tenant_id", "webhook_endpoint.id"],
                             ondelete="CASCADE"),
        Index("ix_webhook_delivery_tenant_id_endpoint_id_created_at",
              "tenant_id", "endpoint_id", "created_at"),
        # The worker's queue: due deliveries, across tenants.
        Index("ix_webhook_delivery_state_next_attempt_at", "state", "next_attempt_at"),
    )

    tenant_id: str = Field(primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    message_id: str = Field(max_length=40)
    endpoint_id: str = Field(max_length=40)
    state: str = Field(max_length=12)
    attempt_count: int = 0
    next_attempt_at: datetime | None = _timestamp(nullable=True)
    lease_until: datetime | None = _timestamp(nullable=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_latency_ms: float | None = None
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    completed_at: datetime | None = _timestamp(nullable=True)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of a delivery."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "delivery_id"],
                             ["webhook_delivery.tenant_id", "webhook_delivery.id"],
                             ondelete="CASCADE"),
        Index("ix_webhook_attempt_tenant_id_delivery_id", "tenant_id", "delivery_id"),
    )

    tenant_id: str = Field(primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    delivery_id: str = Field(max_length=40)
    attempted_at: datetime = _timestamp()
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = Field(default=None, max_length=500)


class StatusToken(SQLModel, table=True):
    """An unguessable, revocable token that shows one promise or order to its customer.

    Only its SHA-256 hash is kept; public requests find it by that hash.
    """

    __tablename__ = "status_token"
    __table_args__ = (
        Index("ix_status_token_token_hash", "token_hash", unique=True),
        Index("ix_status_token_tenant_id_promise_id", "tenant_id", "promise_id"),
        Index("ix_status_token_tenant_id_order_id", "tenant_id", "order_id"),
    )

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    token_hash: str = Field(max_length=64)
    promise_id: str | None = Field(default=None, max_length=40)
    order_id: str | None = Field(default=None, max_length=200)
    expires_at: datetime | None = _timestamp(nullable=True)
    revoked_at: datetime | None = _timestamp(nullable=True)
    created_at: datetime = _timestamp()


class AuditEntry(SQLModel, table=True):
    """An administrative action: key created or revoked, webhook endpoint changed…"""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_tenant_id_created_at", "tenant_id", "created_at"),)

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=40)
    id: str = Field(primary_key=True, max_length=40)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    target: str | None = Field(default=None, max_length=200)
    details: dict[str, Any] = _json()
    created_at: datetime = _timestamp()
