"""The dashboard's session cookie: who signed in (an API key's id, never the key), signed with
HMAC-SHA256 so the browser cannot alter it.

The cookie value is `<base64url JSON>.<hex HMAC>`. It holds the tenant id, the key id, a random
nonce (the CSRF token derives from it) and when it was issued; it expires after `MAX_AGE`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

COOKIE_NAME = "kept_dashboard"
MAX_AGE = timedelta(hours=12)


@dataclass(frozen=True)
class DashboardSession:
    tenant_id: str
    key_id: str
    nonce: str
    issued_at: datetime


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def generated_secret() -> bytes:
    """A per-process secret, used when KEPT_SESSION_SECRET is unset."""
    return secrets.token_bytes(32)


def _mac(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()


def encode_session(secret: bytes, session: DashboardSession) -> str:
    payload = json.dumps({"t": session.tenant_id, "k": session.key_id, "n": session.nonce,
                          "i": int(session.issued_at.timestamp())}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_mac(secret, body)}"


def decode_session(secret: bytes, value: str | None, now: datetime) -> DashboardSession | None:
    """The session a cookie holds, or None when it is missing, forged, malformed or expired."""
    if not value or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    if not hmac.compare_digest(_mac(secret, body).encode(), mac.encode(errors="replace")):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        issued = datetime.fromtimestamp(int(data["i"]), tz=now.tzinfo)
        session = DashboardSession(str(data["t"]), str(data["k"]), str(data["n"]), issued)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if not issued <= now + timedelta(minutes=5) or now - issued > MAX_AGE:
        return None
    return session
