"""API keys: `kept_` + 43 random URL-safe characters. Only a SHA-256 hash and a prefix are kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

KEY_PREFIX = "kept_"
DISPLAY_LENGTH = 12


class Scope(StrEnum):
    PROMISES_WRITE = "promises:write"
    PROMISES_READ = "promises:read"
    ADMIN = "admin"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_LENGTH]


def hashes_match(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored, presented)


def parse_scopes(raw: str) -> frozenset[Scope]:
    """Parse `promises:write,promises:read`; raises ValueError naming an unknown scope."""
    scopes = set()
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        try:
            scopes.add(Scope(name))
        except ValueError as error:
            known = ", ".join(scope.value for scope in Scope)
            raise ValueError(f"unknown scope {name!r} (known: {known})") from error
    if not scopes:
        raise ValueError("at least one scope is needed")
    return frozenset(scopes)


def grants(scopes: frozenset[Scope], needed: Scope) -> bool:
    """`admin` grants everything; otherwise a scope grants only itself."""
    return Scope.ADMIN in scopes or needed in scopes
