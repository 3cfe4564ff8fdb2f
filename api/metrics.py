"""Prometheus metrics on `/metrics`: the webhook outbox read from the database at each scrape
(so every process reports the same), and counters of what this process's worker delivered.

A `kept worker` process serves its own counters with `--metrics-port`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from api.db import Database
from api.models import Promise, WebhookDelivery
from api.webhooks.states import OUTSTANDING

log = structlog.get_logger("kept.metrics")


class OutboxCollector(Collector):
    """Outbox depth and the age of its oldest waiting delivery, and overdue transitions."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        try:
            with self.database.session() as session:
                depth, oldest = session.exec(
                    select(func.count(), func.min(col(WebhookDelivery.created_at)))
                    .where(col(WebhookDelivery.state).in_(OUTSTANDING))
                ).one()
                behind = session.exec(
                    select(func.count()).select_from(Promise)
                    .where(col(Promise.next_alert_at).is_not(None),
                           col(Promise.next_alert_at) <= now)
                ).one()
        except SQLAlchemyError as error:
            log.warning("could not read outbox metrics", error=str(error)[:200])
            return
        if isinstance(oldest, str):  # SQLite returns aggregates of timestamps as text
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=now.tzinfo)
        yield GaugeMetricFamily("kept_webhook_outbox_depth",
                                "Webhook deliveries waiting to be sent or being sent",
                                value=depth)
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("kept_webhook_outbox_oldest_age_seconds",
                                "Age of the oldest webhook delivery not yet done", value=age)
        yield GaugeMetricFamily("kept_promise_transitions_due",
                                "Promises whose at-risk or overdue announcement is due",
                                value=behind)


class Metrics:
    """One process's registry: the outbox collector and the delivery counters."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(OutboxCollector(database, clock))
        self.deliveries = Counter(
            "kept_webhook_deliveries", "Webhook delivery attempts by result: succeeded, "
            "retrying (failed, will retry) or failed (given up)", ["result"],
            registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)


router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                             "description": "Metrics in the Prometheus text format"}})
def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)
