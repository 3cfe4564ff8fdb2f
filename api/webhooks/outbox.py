"""The transactional outbox: webhook messages written in the transaction of the change that
causes them, with one delivery per subscribed endpoint, for the worker to send.

Nothing is written for a tenant without an enabled endpoint subscribed to the event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from api.domain.announcements import PromiseState, plan, subscribed
from api.ids import new_id
from api.models import Promise, WebhookDelivery, WebhookEndpoint, WebhookMessage
from api.promises.records import announcement_state, new_announcement_state, to_public
from api.webhooks.states import DeliveryState
from api.wire_types import format_timestamp


class Outbox:
    """The webhook messages one transaction causes. Create one per transaction; the caller
    commits them together with its own changes."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._endpoints: dict[str, list[WebhookEndpoint]] = {}
        self.deliveries: list[WebhookDelivery] = []

    def endpoints(self, tenant_id: str) -> list[WebhookEndpoint]:
        """The tenant's enabled endpoints, read once per transaction."""
        if tenant_id not in self._endpoints:
            self._endpoints[tenant_id] = list(self.session.exec(
                select(WebhookEndpoint).where(col(WebhookEndpoint.tenant_id) == tenant_id,
                                              col(WebhookEndpoint.enabled).is_(True))
            ).all())
        return self._endpoints[tenant_id]

    def announce(self, before: PromiseState | None, row: Promise) -> list[WebhookMessage]:
        """Announce what changed from `before` (None: a new promise) to `row`, and store on
        `row` what was announced and when time will cause the next announcement."""
        result = plan(before, announcement_state(row), self.now)
        row.alerted_status = result.alerted.value if result.alerted else None
        row.next_alert_at = result.next_alert_at
        return self._send(result.events, row.tenant_id, row.id, lambda: row)

    def announce_new(self, columns: dict[str, Any]) -> None:
        """`announce(None, row)` for a new promise inserted as the plain `columns` of its row
        (a batch, without building an ORM object per promise); sets the same two columns."""
        result = plan(None, new_announcement_state(columns), self.now)
        columns["alerted_status"] = result.alerted.value if result.alerted else None
        columns["next_alert_at"] = result.next_alert_at
        self._send(result.events, columns["tenant_id"], columns["id"],
                   lambda: Promise(**columns))

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
        promise_id: str | None = None, endpoints: list[WebhookEndpoint] | None = None,
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
