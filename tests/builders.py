"""Small builders for test data."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def promise_body(
    *, made_ago: timedelta = timedelta(days=1), due_in: timedelta = timedelta(days=5),
    at: datetime | None = None, **overrides: Any,
) -> dict[str, Any]:
    """A create body: made `made_ago` before `at` (default now), due `due_in` after it."""
    moment = at or now()
    body: dict[str, Any] = {
        "external_id": f"ext-{secrets.token_hex(6)}",
        "kind": "delivery",
        "made_at": iso(moment - made_ago),
        "due_at": iso(moment + due_in),
    }
    body.update(overrides)
    return body
