"""What the benchmark sends and stores: create bodies, and the plain promise rows the floors
insert without Kept (no scoring, no outbox: just the columns a stored promise has)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from api.ids import new_id
from api.wire_types import format_timestamp

LEAD = timedelta(days=5)


def create_body(run: str, index: int, made: datetime) -> dict[str, Any]:
    """A create body, as a checkout backend would post it (instant precision, no policy)."""
    return {
        "external_id": f"{run}-{index}",
        "kind": "delivery",
        "order_id": f"order-{run}-{index}",
        "made_at": format_timestamp(made),
        "due_at": format_timestamp(made + LEAD),
    }


def body_bytes(body: dict[str, Any] | list[dict[str, Any]] | dict[str, list[Any]]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def promise_row(
    tenant_id: str, external_id: str, kind: str, made: datetime, due: datetime,
    order_id: str | None, now: datetime,
) -> dict[str, Any]:
    """A promise row as stored for an open promise made `made` and due `due`."""
    at_risk = made + (due - made) * 0.8
    return {
        "tenant_id": tenant_id, "id": new_id("prm"), "external_id": external_id, "kind": kind,
        "order_id": order_id, "customer_id": None, "labels": {}, "made_at": made,
        "precision": "instant", "timezone": "UTC", "original_due_at": due,
        "original_window_start": None, "grace_seconds": 0.0, "exceed_margin_seconds": None,
        "early": "exceeded", "at_risk_ratio": 0.8, "at_risk_lead_seconds": None,
        "exceed_ratio": None, "calendar_id": None, "policy_id": None, "policy_key": None,
        "policy_version": None, "overrides": None, "due_at": due, "window_start": None,
        "breach_at": due, "at_risk_at": at_risk, "resolved_status": None,
        "broken_reason": None, "exceeded_reason": None, "resolved_at": None,
        "fulfilled_at": None, "lateness_seconds": None, "earliness_seconds": None,
        "business_lateness_seconds": None, "business_earliness_seconds": None,
        "extra": False, "first_due_at": due, "first_window_start": None,
        "first_breach_at": due, "first_at_risk_at": at_risk, "first_resolved_status": None,
        "first_broken_reason": None, "first_exceeded_reason": None, "paused_seconds": 0.0,
        "paused_since": None, "next_alert_at": at_risk, "alerted_status": None,
        "revision_count": 0, "proactive_revision_count": 0, "created_at": now,
        "updated_at": now,
    }
