"""Group commit: the writes of concurrent requests, coalesced into one transaction.

A request hands its item to `GroupCommit.submit` and awaits its own outcome. While one group is
being written (in the thread pool), the items that arrive meanwhile gather into the next group.
A request is answered only after the transaction holding its item has committed, or with the
error that stopped it, so nothing is acknowledged before it is stored.

One group is written at a time per event loop: per-transaction costs (begin, commit, a
statement per table, SQLite's write lock) are paid once per group instead of once per request,
and there is no thread hop per request.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

Item = TypeVar("Item")
Result = TypeVar("Result")

# The largest group one transaction holds; more waiting items make the next group.
MAX_GROUP = 200

WriteGroup = Callable[[list[Item]], Sequence["Result | Exception"]]


@dataclass
class _Queue(Generic[Item, Result]):
    """The items waiting on one event loop, and whether a group is being written."""

    waiting: list[tuple[Item, asyncio.Future[Result]]] = field(default_factory=list)
    writing: bool = False
    drain: asyncio.Task[None] | None = None


class GroupCommit(Generic[Item, Result]):
    """`write(items)` stores a group in one transaction and returns one outcome per item, in
    order: its result, or the exception that item alone gets (e.g. a conflict). An exception
    raised by `write` itself fails every item of the group."""

    def __init__(self, write: WriteGroup[Item, Result], max_group: int = MAX_GROUP) -> None:
        self._write = write
        self._max_group = max_group
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                _Queue[Item, Result]] = (
            weakref.WeakKeyDictionary())

    async def submit(self, item: Item) -> Result:
        """Store `item` with whatever else is waiting; return once its transaction committed."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, _Queue())
        future: asyncio.Future[Result] = loop.create_future()
        queue.waiting.append((item, future))
        if not queue.writing:
            queue.writing = True
            queue.drain = loop.create_task(self._drain(queue))
        return await future

    async def _drain(self, queue: _Queue[Item, Result]) -> None:
        try:
            while queue.waiting:
                group = queue.waiting[:self._max_group]
                del queue.waiting[:self._max_group]
                # A request gone before its group formed (client away) is not written.
                group = [(item, future) for item, future in group if not future.cancelled()]
                if group:
                    await self._write_group(group)
        except BaseException as error:
            for _item, future in queue.waiting:
                if not future.done():
                    future.set_exception(error)
            queue.waiting.clear()
            raise
        finally:
            queue.writing = False
            queue.drain = None

    async def _write_group(self, group: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            outcomes = list(await run_in_threadpool(self._write, [item for item, _ in group]))
            if len(outcomes) != len(group):
                raise RuntimeError("a group write must return one outcome per item")
        except Exception as error:  # every request of the group gets it
            outcomes = [error] * len(group)
        except BaseException as error:
            for _item, future in group:
                if not future.done():
                    future.set_exception(error)
            raise
        for (_item, future), outcome in zip(group, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
