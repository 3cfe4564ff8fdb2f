"""Ids sort in the order they were made, even within one millisecond."""

from __future__ import annotations

from api.ids import new_id


def test_ids_are_prefixed_and_strictly_increasing() -> None:
    ids = [new_id("prm") for _ in range(10_000)]
    assert all(i.startswith("prm_") and len(i) == 30 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
