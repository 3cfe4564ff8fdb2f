"""Who is looking at the dashboard: the signed session cookie, checked against the key's row on
every request, so a revoked key ends its sessions at once."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlmodel import Session

from api.config import Settings
from api.dashboard.session import COOKIE_NAME, DashboardSession, decode_session, generated_secret
from api.models import ApiKey, Tenant
from api.tenancy.auth import Principal
from api.tenancy.keys import Scope, grants, parse_scopes


def session_secret(request: Request) -> bytes:
    """KEPT_SESSION_SECRET, or a secret made once per app (sessions then end on restart)."""
    settings: Settings = request.app.state.settings
    if settings.session_secret:
        return settings.session_secret.encode()
    state = request.app.state
    if not hasattr(state, "dashboard_secret"):
        state.dashboard_secret = generated_secret()
    secret: bytes = state.dashboard_secret
    return secret


def principal_of_key(session: Session, tenant_id: str, key_id: str) -> Principal | None:
    """The reader a live key with read scope (or admin) makes; None otherwise."""
    record = session.get(ApiKey, (tenant_id, key_id))
    tenant = session.get(Tenant, tenant_id)
    if record is None or tenant is None or record.revoked_at is not None:
        return None
    scopes = parse_scopes(record.scopes)
    if not grants(scopes, Scope.PROMISES_READ):
        return None
    return Principal(tenant.id, tenant.timezone, record.id, scopes)


def signed_in(
    request: Request, session: Session, now: datetime
) -> tuple[Principal, DashboardSession] | None:
    cookie = decode_session(session_secret(request), request.cookies.get(COOKIE_NAME), now)
    if cookie is None:
        return None
    principal = principal_of_key(session, cookie.tenant_id, cookie.key_id)
    return None if principal is None else (principal, cookie)
