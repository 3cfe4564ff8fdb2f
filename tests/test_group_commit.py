"""Group commit: requests that arrive while a group is written form the next group, each
request gets its own outcome, and a failed group neither answers for nor blocks the next."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import TypeVar

import pytest

from api.group_commit import GroupCommit

T = TypeVar("T")


class Recorder:
    """A group write that records each group; the first group waits until `release()`, so
    the items submitted meanwhile queue up behind it."""

    def __init__(self, outcome: Callable[[int], int | Exception] = lambda item: item * 10):
        self.groups: list[list[int]] = []
        self.first_started = threading.Event()
        self._released = threading.Event()
        self._outcome = outcome

    def release(self) -> None:
        self._released.set()

    def write(self, items: list[int]) -> list[int | Exception]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.first_started.set()
            assert self._released.wait(10), "the first group was never released"
        return [self._outcome(item) for item in items]


async def _when_first_group_started(recorder: Recorder) -> None:
    for _ in range(1000):
        if recorder.first_started.is_set():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the first group never started")


async def _submit_behind_first(
    group: GroupCommit[int, int], recorder: Recorder, items: list[int]
) -> list[int | BaseException]:
    """Submit items[0], then the rest while its group is being written; all outcomes."""
    first = asyncio.ensure_future(group.submit(items[0]))
    await _when_first_group_started(recorder)
    rest = [asyncio.ensure_future(group.submit(item)) for item in items[1:]]
    await asyncio.sleep(0.01)  # every later submit is queued before the first group ends
    recorder.release()
    return list(await asyncio.gather(first, *rest, return_exceptions=True))


def _run(make: Callable[[], Coroutine[object, object, T]]) -> T:
    return asyncio.run(make())


def test_requests_arriving_during_a_write_share_the_next_transaction() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.write)
    outcomes = _run(lambda: _submit_behind_first(group, recorder, list(range(10))))
    assert outcomes == [item * 10 for item in range(10)]
    assert recorder.groups == [[0], list(range(1, 10))]


def test_a_group_holds_at_most_max_group_items() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.write, max_group=4)
    outcomes = _run(lambda: _submit_behind_first(group, recorder, list(range(10))))
    assert outcomes == [item * 10 for item in range(10)]
    assert recorder.groups == [[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]


def test_each_request_gets_its_own_outcome() -> None:
    recorder = Recorder(lambda item: ValueError(f"odd {item}") if item % 2 else item)
    group = GroupCommit(recorder.write)
    outcomes = _run(lambda: _submit_behind_first(group, recorder, list(range(6))))
    assert outcomes[0::2] == [0, 2, 4]
    assert [str(error) for error in outcomes[1::2]] == ["odd 1", "odd 3", "odd 5"]
    assert all(isinstance(error, ValueError) for error in outcomes[1::2])


def test_a_failed_write_fails_its_whole_group_and_the_next_group_still_runs() -> None:
    calls: list[list[int]] = []

    def write(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise ConnectionError("database unreachable")
        return list(items)

    group = GroupCommit(write)

    async def scenario() -> tuple[list[int | BaseException], int]:
        failed = await asyncio.gather(group.submit(1), group.submit(2),
                                      return_exceptions=True)
        return list(failed), await group.submit(3)

    failed, later = asyncio.run(scenario())
    assert [type(error) for error in failed] == [ConnectionError, ConnectionError]
    assert later == 3
    assert calls == [[1, 2], [3]]


def test_a_write_that_miscounts_its_outcomes_fails_the_group() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="one outcome per item"):
        _run(lambda: group.submit(1))


def test_a_request_cancelled_before_its_group_formed_is_not_written() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.write)

    async def scenario() -> list[int | BaseException]:
        first = asyncio.ensure_future(group.submit(0))
        await _when_first_group_started(recorder)
        gone = asyncio.ensure_future(group.submit(1))
        kept = asyncio.ensure_future(group.submit(2))
        await asyncio.sleep(0.01)
        gone.cancel()
        recorder.release()
        return list(await asyncio.gather(first, kept, return_exceptions=True))

    assert _run(scenario) == [0, 20]
    assert recorder.groups == [[0], [2]]
