"""Many plausible promises, fast: rows for `promise` and `promise_label`, inserted with
SQLAlchemy Core `executemany` in chunks, into one tenant.

History: promises made evenly over `days` days before `now` (1,000,000 over two years is about
1,370 a day). Kinds: delivery 60 % (1–7 days, a `carrier` label on 95 % of them), callback
20 % (2 h), reply 15 % (4–24 h), refund 5 % (5 days); every promise has a `region` label.
Outcomes: promises due in the past are resolved (about 2 % void, 1 % cancelled by the
business, the rest fulfilled around their due time, a fifth of them late) except 3 % left open
(overdue now); promises due in the future are open, or for 30 % already fulfilled early. 5 %
were revised once, 60 % of those before due.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from api.ids import new_id
from api.models import Promise, PromiseLabel

KINDS = (("delivery", 0.60), ("callback", 0.20), ("reply", 0.15), ("refund", 0.05))
CARRIERS = ("ups", "dhl", "fedex", "dpd", "usps")
REGIONS = ("eu", "us", "apac")
AT_RISK_RATIO = 0.8
EXCEED_RATIO = 0.2


@dataclass(frozen=True)
class Generated:
    promises: int
    labels: int


def _lead(kind: str, rng: random.Random) -> timedelta:
    if kind == "delivery":
        return timedelta(days=rng.randint(1, 7))
    if kind == "callback":
        return timedelta(hours=2)
    if kind == "reply":
        return timedelta(hours=rng.randint(4, 24))
    return timedelta(days=5)


def _kind(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for kind, share in KINDS:
        total += share
        if draw < total:
            return kind
    return KINDS[-1][0]


def _outcome(made: datetime, due: datetime, now: datetime,
             rng: random.Random) -> dict[str, Any]:
    """The resolution columns of one promise (empty while open)."""
    lead = due - made
    draw = rng.random()
    if due >= now and draw < 0.7:
        return {}
    if due < now and draw < 0.03:
        return {}
    if draw < 0.05:
        at = made + lead * rng.uniform(0.0, 0.5)
        return {"resolved_status": "void", "resolved_at": at}
    if draw < 0.06:
        at = made + lead * rng.uniform(0.0, 0.9)
        return {"resolved_status": "broken", "broken_reason": "cancelled", "resolved_at": at}
    share = rng.uniform(0.35, 1.0) if due >= now else rng.triangular(0.3, 1.4, 0.9)
    at = min(made + lead * share, now)
    if at > due:
        return {"resolved_status": "broken", "broken_reason": "late", "resolved_at": at,
                "fulfilled_at": at, "lateness_seconds": (at - due).total_seconds()}
    status = "exceeded" if at < due - lead * EXCEED_RATIO else "met"
    return {"resolved_status": status, "exceeded_reason": "early" if status == "exceeded"
            else None, "resolved_at": at, "fulfilled_at": at,
            "earliness_seconds": (due - at).total_seconds()}


def _rows(tenant_id: str, count: int, now: datetime, days: int,
          rng: random.Random) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    start = now - timedelta(days=days)
    step = timedelta(days=days) / max(count, 1)
    for index in range(count):
        made = start + step * index
        kind = _kind(rng)
        due = made + _lead(kind, rng)
        labels = {"region": rng.choice(REGIONS)}
        if kind == "delivery" and rng.random() < 0.95:
            labels["carrier"] = rng.choice(CARRIERS)
        outcome = _outcome(made, due, now, rng)
        revised = rng.random() < 0.05
        row_id = new_id("prm")
        at_risk = made + (due - made) * AT_RISK_RATIO
        row: dict[str, Any] = {
            "tenant_id": tenant_id, "id": row_id, "external_id": f"bench-{index}",
            "kind": kind, "order_id": f"order-{index}",
            "customer_id": f"cust-{rng.randrange(max(count // 5, 1))}", "labels": labels,
            "made_at": made, "precision": "instant", "timezone": "UTC",
            "original_due_at": due, "original_window_start": None, "grace_seconds": 0.0,
            "exceed_margin_seconds": None, "early": "exceeded", "at_risk_ratio": AT_RISK_RATIO,
            "at_risk_lead_seconds": None, "exceed_ratio": None, "calendar_id": None,
            "policy_id": None, "policy_key": None, "policy_version": None, "overrides": None,
            "due_at": due, "window_start": None, "breach_at": due, "at_risk_at": at_risk,
            "resolved_status": None, "broken_reason": None, "exceeded_reason": None,
            "resolved_at": None, "fulfilled_at": None, "lateness_seconds": None,
            "earliness_seconds": None, "business_lateness_seconds": None,
            "business_earliness_seconds": None, "extra": False,
            "first_due_at": due, "first_window_start": None, "first_breach_at": due,
            "first_at_risk_at": at_risk, "first_resolved_status": None,
            "first_broken_reason": None, "first_exceeded_reason": None,
            "paused_seconds": 0.0, "paused_since": None, "next_alert_at": None,
            "alerted_status": None, "revision_count": 1 if revised else 0,
            "proactive_revision_count": 1 if revised and rng.random() < 0.6 else 0,
            "created_at": made, "updated_at": outcome.get("resolved_at", made),
        }
        row.update(outcome)
        row["first_resolved_status"] = row["resolved_status"]
        row["first_broken_reason"] = row["broken_reason"]
        row["first_exceeded_reason"] = row["exceeded_reason"]
        yield row, [{"tenant_id": tenant_id, "promise_id": row_id, "key": key, "value": value}
                    for key, value in labels.items()]


def generate_promises(
    connection: Connection, tenant_id: str, count: int, now: datetime, *, days: int = 730,
    seed: int = 20261120, chunk: int = 20_000,
) -> Generated:
    """Insert `count` promises (and their labels) for `tenant_id`; the caller commits."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    promise_table = Promise.__table__  # type: ignore[attr-defined]
    label_table = PromiseLabel.__table__  # type: ignore[attr-defined]
    promises: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    totals = [0, 0]

    def flush() -> None:
        if promises:
            connection.execute(insert(promise_table), promises)
            connection.execute(insert(label_table), labels)
            totals[0] += len(promises)
            totals[1] += len(labels)
            promises.clear()
            labels.clear()

    for row, row_labels in _rows(tenant_id, count, now, days, rng):
        promises.append(row)
        labels.extend(row_labels)
        if len(promises) >= chunk:
            flush()
    flush()
    return Generated(promises=totals[0], labels=totals[1])
