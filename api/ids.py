"""Opaque, prefixed, time-sortable identifiers: `prm_01JD…` (ULID body, Crockford base32).

Within one process ids are strictly increasing: in the same millisecond the random part of the
previous id is incremented instead of drawn again (the monotonic ULID rule).
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]  # each 10-bit value
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = (0, 0)


def _base32(value: int, length: int) -> str:
    """The low `5 * length` bits of `value` as `length` digits (`length` even), two digits
    at a time."""
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in range(5 * length - 10, -1, -10)])


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` new ids in increasing order: 48 bits of milliseconds then 80 random bits, so
    ids sort by creation time. The ids of one call share their millisecond and count up from
    one random draw, as the ids of one millisecond always do."""
    global _last  # noqa: PLW0603 - the generator's state is this process's last id
    if count < 1:
        return []
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis and last_random + count < 2**_RANDOM_BITS:
            millis, first = last_millis, last_random + 1
        else:
            first = secrets.randbits(_RANDOM_BITS - 1)  # room to count up
        _last = (millis, first + count - 1)
    head = f"{prefix}_{_base32(millis, 10)}"
    return [head + random for random in _counting_up(first, count)]


def _counting_up(first: int, count: int) -> list[str]:
    """`_base32(value, 16)` of `first` and the `count - 1` values after it: the low 20 bits
    (four digits) looked up for each, the 60 above them written again only when they change:
    a third of the cost of writing each id whole, for the thousand ids of a batch."""
    parts: list[str] = []
    written, high_digits = -1, ""
    for value in range(first, first + count):
        high = value >> 20
        if high != written:
            written, high_digits = high, _base32(high, 12)
        parts.append(high_digits + _PAIRS[(value >> 10) & 1023] + _PAIRS[value & 1023])
    return parts


def new_id(prefix: str) -> str:
    """A new id (see `new_ids`)."""
    return new_ids(prefix, 1)[0]
