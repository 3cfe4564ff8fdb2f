"""The promise lists and one promise's story, read through the promise, event and webhook
services; the breakdown's order and links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.datastructures import QueryParams

from api.dashboard.charts import TimelineMark
from api.dashboard.tallies import Counted
from api.domain.outcomes import Status
from api.domain.scorecard_rules import GroupKey
from api.events import service as events
from api.models import Promise, PromiseEvent, WebhookMessage
from api.promises import service as promises
from api.promises.queries import PromiseFilters
from api.promises.records import to_public
from api.promises.schemas import PromisePublic
from api.tenancy.auth import Principal
from api.webhooks import service as webhooks
from api.webhooks.service import DeliveryView

PAGE_SIZE = 50
MAX_ENDPOINTS = 20
STATUS_CHOICES = tuple(status.value for status in Status)
BREAKDOWN_ROWS = 200  # groups shown, in the chosen order
SORTS: dict[str, Callable[[Counted], Any]] = {
    "decided": lambda g: -g.decided,
    "keep_rate": lambda g: (g.keep_rate is None, g.keep_rate or 0.0),
    "break_rate": lambda g: (g.break_rate is None, -(g.break_rate or 0.0))}


def sorted_groups(groups: list[Counted], sort: str) -> list[Counted]:
    """By key (the order given), by decided count, or by keep or break rate."""
    order = SORTS.get(sort)
    return sorted(groups, key=order) if order else list(groups)


def group_link(key: GroupKey, value: str | None) -> str | None:
    """The promises list behind a group (none for the group without the label)."""
    if value is None or key.name == "policy":
        return None
    if key.label is not None:
        return "/dashboard/promises?" + urlencode({"label": f"{key.label}={value}"})
    return "/dashboard/promises?" + urlencode({key.name: value})


def _local_day(text: str, zone: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), time(), ZoneInfo(zone))
    except ValueError:
        return None


@dataclass(frozen=True)
class ListFilters:
    """The promises page's filters as typed in the form; wrong values are reported, not 500s."""

    status: str = ""
    kind: str = ""
    label: str = ""
    due_from: str = ""
    due_to: str = ""
    order_id: str = ""
    customer_id: str = ""
    after: str = ""
    filters: PromiseFilters = field(default_factory=PromiseFilters)
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def from_query(cls, query: QueryParams, zone: str) -> ListFilters:
        given = {name: query.get(name, "").strip() for name in (
            "status", "kind", "label", "due_from", "due_to", "order_id", "customer_id", "after")}
        errors: list[str] = []
        statuses: tuple[Status, ...] = ()
        if given["status"]:
            if given["status"] in STATUS_CHOICES:
                statuses = (Status(given["status"]),)
            else:
                errors.append(f"Unknown status {given['status']!r}.")
        labels: dict[str, str] = {}
        if given["label"]:
            name, sep, value = given["label"].partition("=")
            if sep and name.strip():
                labels[name.strip()] = value.strip()
            else:
                errors.append("Write a label as key=value, e.g. carrier=dhl.")
        bounds: dict[str, datetime | None] = {}
        for name in ("due_from", "due_to"):
            bounds[name] = _local_day(given[name], zone) if given[name] else None
            if given[name] and bounds[name] is None:
                errors.append(f"{name.replace('_', ' ')}: write a date as YYYY-MM-DD.")
        filters = PromiseFilters(
            statuses=statuses, kind=given["kind"] or None, labels=labels,
            order_id=given["order_id"] or None, customer_id=given["customer_id"] or None,
            due_after=bounds["due_from"], due_before=bounds["due_to"])
        return cls(**given, filters=filters, errors=tuple(errors))

    def next_query(self, last: str) -> str:
        shown: dict[str, Any] = {name: getattr(self, name) for name in (
            "status", "kind", "label", "due_from", "due_to", "order_id", "customer_id")}
        return urlencode({**{k: v for k, v in shown.items() if v}, "after": last})


def promise_page(
    session: Session, principal: Principal, chosen: ListFilters, now: datetime
) -> tuple[list[PromisePublic], str | None]:
    rows, last = promises.list_promises(session, principal, chosen.filters, now, PAGE_SIZE,
                                        chosen.after or None)
    return [to_public(row, now) for row in rows], last


@dataclass(frozen=True)
class Story:
    row: Promise
    public: PromisePublic
    events: list[PromiseEvent]
    marks: list[TimelineMark]
    deliveries: list[DeliveryView]


def _deliveries(session: Session, principal: Principal, promise_id: str) -> list[DeliveryView]:
    """The webhook deliveries of the messages about this promise, across endpoints."""
    messages = set(session.exec(select(WebhookMessage.id).where(
        col(WebhookMessage.tenant_id) == principal.tenant_id,
        col(WebhookMessage.promise_id) == promise_id)).all())
    if not messages:
        return []
    endpoints, _ = webhooks.list_endpoints(session, principal, MAX_ENDPOINTS, None)
    found: list[DeliveryView] = []
    for endpoint in endpoints:
        views, _ = webhooks.list_deliveries(session, principal, endpoint.id, None, 200, None)
        found.extend(view for view in views if view.delivery.message_id in messages)
    return sorted(found, key=lambda view: view.delivery.created_at)


def promise_story(session: Session, principal: Principal, promise_id: str,
                  now: datetime) -> Story:
    row = promises.get_promise(session, principal, promise_id)
    logged = events.list_events(session, principal, promise_id)
    marks = [TimelineMark(row.made_at, "made")] + [
        TimelineMark(event.occurred_at, event.type) for event in logged]
    return Story(row, to_public(row, now), logged, marks,
                 _deliveries(session, principal, promise_id))
