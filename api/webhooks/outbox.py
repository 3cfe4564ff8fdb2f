"""The transactional outbox: webhook messages written in the transaction of the change that
causes them, with one delivery per subscribed endpoint, for the worker to send.

Nothing is written for a tenant without an enabled endpoint subscribed to the event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from api.domain.announcements import PromiseState, plan, plan_new_promise, subscribed
from api.ids import new_id
from api.models import Promise, WebhookDelivery, WebhookEndpoint, WebhookMessage
from api.promises.records import (
    announcement_state,
    row_of,
    to_public,
)
from api.webhooks.states import DeliveryState
from api.wire_types import format_timestamp


@dataclass(frozen=True)
class Subscriber:
    """What the outbox needs of an endpoint: its id and the events it subscribes to."""

    id: str
    events: list[str]


_endpoint = WebhookEndpoint.__table__  # type: ignore[attr-defined]
# Built once: every write asks it, and a statement built per call costs more than the query.
_ENABLED = select(_endpoint.c.id, _endpoint.c.events).where(
    _endpoint.c.tenant_id == bindparam("tenant_id"), _endpoint.c.enabled.is_(True))


class Outbox:
    """The webhook messages one transaction causes. Create one per transaction; the caller
    commits them together with its own changes."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._endpoints: dict[str, list[Subscriber]] = {}
        self.deliveries: list[WebhookDelivery] = []

    def at(self, now: datetime) -> Outbox:
        """This transaction's outbox at another moment (a group of requests stored together),
        sharing the endpoints read and the deliveries."""
        other = Outbox(self.session, now)
        other._endpoints = self._endpoints
        other.deliveries = self.deliveries
        return other

    def endpoints(self, tenant_id: str) -> list[Subscriber]:
        """The tenant's enabled endpoints, read once per transaction."""
        if tenant_id not in self._endpoints:
            rows = self.session.connection().execute(_ENABLED, {"tenant_id": tenant_id})
            self._endpoints[tenant_id] = [Subscriber(row.id, row.events) for row in rows]
        return self._endpoints[tenant_id]

    def announce(self, before: PromiseState | None, row: Promise) -> list[WebhookMessage]:
        """Announce what changed from `before` (None: a new promise) to `row`, and store on
        `row` what was announced and when time will cause the next announcement."""
        result = plan(before, announcement_state(row), self.now)
        row.alerted_status = result.alerted.value if result.alerted else None
        row.next_alert_at = result.next_alert_at
        return self._send(result.events, row.tenant_id, row.id, lambda: row)

    def announce_new(self, columns: dict[str, Any]) -> None:
        """`announce(None, row)` for a new promise (open, as every create makes one) inserted
        as the plain `columns` of its row (a batch, without building an ORM object per
        promise); sets the same two columns."""
        self.send_new(self.plan_new(columns), columns)

    def plan_new(self, columns: dict[str, Any]) -> tuple[str, ...]:
        """The first half of `announce_new`, which writes nothing: set the two columns and
        return the events to send."""
        result = plan_new_promise(columns["at_risk_at"], columns["breach_at"], self.now)
        columns["alerted_status"] = result.alerted.value if result.alerted else None
        columns["next_alert_at"] = result.next_alert_at
        return result.events

    def listened(self, tenant_id: str, events: Sequence[str]) -> bool:
        """Whether any endpoint of the tenant subscribes to one of `events`."""
        endpoints = self.endpoints(tenant_id)
        return bool(endpoints) and any(subscribed(e.events, event) for event in events
                                       for e in endpoints)

    def send_new(self, events: Sequence[str], columns: dict[str, Any]) -> None:
        """The second half of `announce_new`: write the messages of `events`."""
        self._send(events, columns["tenant_id"], columns["id"], lambda: row_of(columns))

    def _send(self, events: Sequence[str], tenant_id: str, promise_id: str,
              promise: Callable[[], Promise]) -> list[WebhookMessage]:
        messages: list[WebhookMessage] = []
        data: dict[str, Any] | None = None
        for event in events:
            if not any(subscribed(e.events, event) for e in self.endpoints(tenant_id)):
                continue
            data = data or to_public(promise(), self.now).model_dump(mode="json")
            message = self.enqueue(tenant_id, event, data, promise_id=promise_id)
            if message is not None:
                messages.append(message)
        return messages

    def enqueue(
        self, tenant_id: str, event_type: str, data: dict[str, Any], *,
        promise_id: str | None = None, endpoints: Sequence[Subscriber] | None = None,
    ) -> WebhookMessage | None:
        """One message of `event_type` to every endpoint subscribed to it (or to `endpoints`,
        whatever they subscribe to); None when nobody is listening."""
        targets = endpoints if endpoints is not None else [
            e for e in self.endpoints(tenant_id) if subscribed(e.events, event_type)]
        if not targets:
            return None
        message = WebhookMessage(
            tenant_id=tenant_id, id=new_id("msg"), type=event_type, promise_id=promise_id,
            payload={"type": event_type, "timestamp": format_timestamp(self.now), "data": data},
            created_at=self.now,
        )
        deliveries = [
            WebhookDelivery(tenant_id=tenant_id, id=new_id("dlv"), message_id=message.id,
                            endpoint_id=endpoint.id, state=DeliveryState.PENDING.value,
                            next_attempt_at=self.now, created_at=self.now, updated_at=self.now)
            for endpoint in targets
        ]
        # Explicit inserts, in order: the ORM does not know deliveries refer to messages.
        self.session.execute(insert(WebhookMessage), [message.model_dump()])
        self.session.execute(insert(WebhookDelivery), [d.model_dump() for d in deliveries])
        self.deliveries.extend(deliveries)
        return message
