"""Status-token use cases for API keys: issue for a promise or an order, list, read, revoke."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.audit import service as audit
from api.db import writing
from api.models import Promise, StatusToken
from api.problems import NotFound, Unprocessable
from api.public.tokens import IssuedToken, issue_token
from api.tenancy.auth import Principal


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise Unprocessable.for_field("body.expires_at", "expires_at must be in the future")


def issue_for_promise(
    session: Session, principal: Principal, promise_id: str, expires_at: datetime | None,
    now: datetime,
) -> IssuedToken:
    _check_expiry(expires_at, now)
    with writing(session):
        if session.get(Promise, (principal.tenant_id, promise_id)) is None:
            raise NotFound(f"No promise {promise_id!r}.")
        issued = issue_token(session, principal.tenant_id, now, promise_id=promise_id,
                             expires_at=expires_at)
        session.commit()
    return issued


def issue_for_order(
    session: Session, principal: Principal, order_id: str, expires_at: datetime | None,
    now: datetime,
) -> IssuedToken:
    """A token for every promise of the order, present and future. The order must exist."""
    _check_expiry(expires_at, now)
    with writing(session):
        any_promise = session.exec(
            select(col(Promise.id)).where(col(Promise.tenant_id) == principal.tenant_id,
                                          col(Promise.order_id) == order_id).limit(1)
        ).first()
        if any_promise is None:
            raise NotFound(f"No promise has order_id {order_id!r}.")
        issued = issue_token(session, principal.tenant_id, now, order_id=order_id,
                             expires_at=expires_at)
        session.commit()
    return issued


def get_token(session: Session, principal: Principal, token_id: str) -> StatusToken:
    row = session.get(StatusToken, (principal.tenant_id, token_id))
    if row is None:
        raise NotFound(f"No status token {token_id!r}.")
    return row


def list_tokens(
    session: Session, principal: Principal, promise_id: str | None, order_id: str | None,
    limit: int, after: str | None,
) -> tuple[list[StatusToken], str | None]:
    """One page ordered by id, and the last id when there is a next page."""
    query = select(StatusToken).where(col(StatusToken.tenant_id) == principal.tenant_id)
    if promise_id is not None:
        query = query.where(col(StatusToken.promise_id) == promise_id)
    if order_id is not None:
        query = query.where(col(StatusToken.order_id) == order_id)
    if after is not None:
        query = query.where(col(StatusToken.id) > after)
    rows = list(session.exec(query.order_by(col(StatusToken.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def revoke_token(
    session: Session, principal: Principal, token_id: str, now: datetime
) -> StatusToken:
    """Revoke at once; revoking again changes nothing (the first revocation time stays)."""
    with writing(session):
        row = get_token(session, principal, token_id)
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(row)
            audit.record(session, principal.tenant_id, principal.key_id,
                         "status_token.revoked", row.id, now)
            session.commit()
    return row

