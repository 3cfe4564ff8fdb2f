"""On SQLite one worker runs at a time: a lock file beside the database, held while it runs.

The lock is released when the process ends, however it ends. Another worker waits for it
(a standby that takes over when the first stops).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import make_url


def lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite database file; None for an in-memory database."""
    name = make_url(database_url).database
    if not name or name == ":memory:":
        return None
    return Path(f"{name}.worker-lock")


class WorkerLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
