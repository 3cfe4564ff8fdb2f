"""Ids sort in the order they were made, even within one millisecond."""

from __future__ import annotations

import time

from api.ids import _ALPHABET, _base32, _counting_up, new_id, new_ids


def test_ids_are_prefixed_and_strictly_increasing() -> None:
    ids = [new_id("prm") for _ in range(10_000)]
    assert all(i.startswith("prm_") and len(i) == 30 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_made_together_continue_the_sequence() -> None:
    before = new_id("prm")
    together = new_ids("prm", 1_000)
    after = new_id("prm")
    made = [before, *together, after]
    assert made == sorted(made) and len(set(made)) == len(made) == 1_002
    assert new_ids("prm", 0) == []


def test_base32_writes_five_bits_a_digit_most_significant_first() -> None:
    for value in (0, 1, 31, 32, 1023, 1024, 2**40 + 7, 2**79 + 12345, 2**80 - 1):
        digits = "".join(_ALPHABET[(value >> (5 * place)) & 31] for place in range(15, -1, -1))
        assert _base32(value, 16) == digits
    assert _base32(2**48 - 1, 10) == "7ZZZZZZZZZ"  # 48 bits in 50: the first digit is 0b00111


def test_an_id_starts_with_its_millisecond() -> None:
    began = time.time_ns() // 1_000_000
    body = new_id("x").removeprefix("x_")
    millis = 0
    for digit in body[:10]:
        millis = millis * 32 + _ALPHABET.index(digit)
    assert began <= millis <= time.time_ns() // 1_000_000


def test_counting_up_writes_each_value_whole() -> None:
    for first in (0, 2**20 - 3, 2**40 - 1, 2**79 - 2, 2**80 - 1_000, 123_456_789):
        assert _counting_up(first, 1_000) == [_base32(first + offset, 16)
                                              for offset in range(1_000)]
    assert _counting_up(5, 0) == []
