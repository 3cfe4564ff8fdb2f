"""Status tokens: `kst_` + 43 random URL-safe characters (256 bits). Only a SHA-256 hash is kept.

A token shows one promise, or every promise of one order, to whoever holds it: the customer.
It can be given an expiry and revoked. The `issue_*` functions add the row to the session and
never commit, so they can run inside another use case's transaction; creating a promise
inserts the row of `token_columns` with the promise and returns its `status_token`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.ids import new_id
from api.models import StatusToken

TOKEN_PREFIX = "kst_"  # noqa: S105 (a prefix, not a secret)
TOKEN_BYTES = 32


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token (shown once) and its stored row."""

    token: str
    row: StatusToken


def token_columns(
    tenant_id: str,
    now: datetime,
    *,
    promise_id: str | None = None,
    order_id: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """A new token for one promise or one order, and the columns of its row."""
    if (promise_id is None) == (order_id is None):
        raise ValueError("a status token shows either one promise or one order")
    token = generate_token()
    return token, {
        "tenant_id": tenant_id,
        "id": new_id("stk"),
        "token_hash": hash_token(token),
        "promise_id": promise_id,
        "order_id": order_id,
        "expires_at": expires_at,
        "revoked_at": None,
        "created_at": now,
    }


def issue_token(
    session: Session,
    tenant_id: str,
    now: datetime,
    *,
    promise_id: str | None = None,
    order_id: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Add a token for one promise or one order to the session, without committing."""
    token, columns = token_columns(tenant_id, now, promise_id=promise_id, order_id=order_id,
                                   expires_at=expires_at)
    row = StatusToken(**columns)
    session.add(row)
    return IssuedToken(token, row)


def issue_promise_token(
    session: Session,
    tenant_id: str,
    promise_id: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    """Add a status token for one promise to the session (no commit) and return the token."""
    return issue_token(session, tenant_id, now, promise_id=promise_id,
                       expires_at=expires_at).token


def issue_order_token(
    session: Session,
    tenant_id: str,
    order_id: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    """Add a status token for every promise of an order to the session (no commit)."""
    return issue_token(session, tenant_id, now, order_id=order_id, expires_at=expires_at).token


def is_live(row: StatusToken, now: datetime) -> bool:
    """Neither revoked nor expired at `now` (a token expires at its `expires_at`)."""
    return row.revoked_at is None and (row.expires_at is None or now < row.expires_at)


def find_live_token(session: Session, token: str, now: datetime) -> StatusToken | None:
    """The token's row if it exists and is live; None for unknown, expired or revoked alike."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = session.exec(
        select(StatusToken).where(col(StatusToken.token_hash) == hash_token(token))
    ).first()
    if row is None or not is_live(row, now):
        return None
    return row
