"""Principals of recently used API keys, kept for a moment so that a busy key is looked up in
the database about once per `seconds` instead of on every request.

A revoked key therefore stops working within `seconds` (`KEPT_KEY_CACHE_SECONDS`, default 1;
0 looks every request up). Only valid keys are kept, by the SHA-256 of the key, never the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.tenancy.auth import Principal

MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # many keys at once: start over rather than grow
        self._entries[digest] = (self.clock() + self.seconds, principal)
