"""Opaque, prefixed, time-sortable identifiers: `prm_01JD…` (ULID body, Crockford base32).

Within one process ids are strictly increasing: in the same millisecond the random part of the
previous id is incremented instead of drawn again (the monotonic ULID rule).
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = (0, 0)


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    global _last  # noqa: PLW0603 - the generator's state is this process's last id
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis and last_random + 1 < 2**_RANDOM_BITS:
            millis, random_part = last_millis, last_random + 1
        else:
            random_part = secrets.randbits(_RANDOM_BITS - 1)  # room to increment
        _last = (millis, random_part)
    return f"{prefix}_{_base32(millis, 10)}{_base32(random_part, 16)}"
