"""The audit log: administrative actions, written in the transaction that performs them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.ids import new_id
from api.models import AuditEntry


def record(
    session: Session, tenant_id: str, actor: str, action: str, target: str | None,
    now: datetime, **details: Any,
) -> AuditEntry:
    """Add an audit entry to the session (the caller commits with its own change)."""
    entry = AuditEntry(tenant_id=tenant_id, id=new_id("aud"), actor=actor, action=action,
                       target=target, details=details, created_at=now)
    session.add(entry)
    return entry


def list_entries(
    session: Session, tenant_id: str, limit: int, before: str | None
) -> tuple[list[AuditEntry], str | None]:
    """Newest first, one page, and the id to continue from."""
    query = select(AuditEntry).where(col(AuditEntry.tenant_id) == tenant_id)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    rows = list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
