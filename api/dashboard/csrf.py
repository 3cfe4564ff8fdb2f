"""CSRF tokens: an HMAC of the session's nonce (or, before sign-in, of a random nonce kept in a
short-lived cookie), sent back in every state-changing form and checked in constant time."""

from __future__ import annotations

import hashlib
import hmac

FIELD = "csrf_token"
SIGN_IN_COOKIE = "kept_dashboard_signin"


def csrf_token(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, nonce: str | None, given: str | None) -> bool:
    if not nonce or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, nonce).encode(), given.encode(errors="replace"))
