"""The app as `kept serve` runs it, built in each server process.

With `--workers N` uvicorn starts fresh interpreters that import this factory: JSON logging
and the allocator settings must be set up here, in every process, not only in the one that ran
the command.

The allocator settings keep the server's resident memory from creeping up under a steady load.
With glibc's defaults RSS rose about 6–7 MiB a minute on SQLite at 50 requests/s while the
memory in use (Python objects, SQLite's own, malloc's bytes in use) stayed flat: the growth was
freed memory that malloc kept, for two reasons.

- glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB) and its
  trim threshold to twice that, and never lowers them. A scorecard on SQLite frees blocks of
  1 MiB and more, larger as the tenant's promises grow; from then on every malloc arena (one
  per thread that allocated, up to 8 per core) keeps up to twice that free at its top, and
  large blocks are carved from the arenas instead of being mapped and unmapped.
- Holes freed inside an arena go back to the system only through `malloc_trim`.

So the thresholds are fixed at glibc's starting values, and every `TRIM_EVERY_SECONDS` the free
pages of every arena are handed back (`malloc_trim(0)`, under a millisecond).

Once started, the objects startup built are frozen out of the garbage collector's full
collections (`freeze_startup_objects`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.logs import configure_logging
from api.main import create_app

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc's own starting values, kept for the life of the process.
MALLOC_THRESHOLD_BYTES = 128 * 1024
TRIM_EVERY_SECONDS = 5.0
_OPERATOR_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")


def _glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc (musl, e.g. on Alpine, has neither call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        if os.confstr("CS_GNU_LIBC_VERSION") is None:
            return None
        return ctypes.CDLL(None)
    except (OSError, ValueError):
        return None


def pin_malloc_thresholds() -> bool:
    """Fix glibc's mmap and trim thresholds at 128 KiB for the life of the process; True when
    set. Left alone when the operator tunes malloc through the environment."""
    libc = _glibc()
    if libc is None or any(name in os.environ for name in _OPERATOR_SETTINGS):
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    # Both: setting either stops the adjustment, but keeps the value the other has reached.
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MALLOC_THRESHOLD_BYTES)
                and libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_THRESHOLD_BYTES))


def free_memory_returner() -> Callable[[], object] | None:
    """`malloc_trim(0)`: give the free pages of every malloc arena back to the system; None
    where the C library is not glibc."""
    libc = _glibc()
    if libc is None:
        return None
    malloc_trim = libc.malloc_trim
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return functools.partial(malloc_trim, 0)


async def return_free_memory(trim: Callable[[], object], every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await run_in_threadpool(trim)  # it locks each arena in turn: not on the event loop


def create_server_app() -> FastAPI:
    pin_malloc_thresholds()
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    trim = free_memory_returner()
    app_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        trimming = (asyncio.create_task(return_free_memory(trim, TRIM_EVERY_SECONDS))
                    if trim is not None else None)
        try:
            async with app_lifespan(served) as state:
                freeze_startup_objects()
                yield state
        finally:
            if trimming is not None:
                trimming.cancel()

    app.router.lifespan_context = lifespan
    return app


def freeze_startup_objects() -> None:
    """Leave what startup built (modules, schemas, the database metadata: several hundred
    thousand objects) out of the garbage collector's full collections. They live as long as
    the process; traversing them made every full collection a pause of about 100 ms, which
    stalled every request in flight."""
    gc.collect()
    gc.freeze()
