"""Engines, sessions, the UTC timestamp column type and the schema naming convention."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from api.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: MetaData = SQLModel.metadata
metadata.naming_convention = NAMING_CONVENTION

JSONValue = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that refuses naive datetimes, stores UTC and always returns UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC timestamp column")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, `process_bind_param` then `isoformat`: the text SQLAlchemy's SQLite
        DATETIME writes, without the decorator's wrapper and the DATETIME formatter's
        `%`-formatting per value. A promise row has 17 timestamps, and converting them was
        the largest cost of a batch insert."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value: datetime | None) -> str | None:
            at = self.process_bind_param(value, dialect)
            # SQLite compares timestamps as text: naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff",
            # microseconds always written.
            return None if at is None else at.replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if settings.is_sqlite:
        # No limit on connections: a request may hold one while it waits for the write lock,
        # and the lock's holder must never wait for the pool. SQLAlchemy's default 5 are kept
        # open; the rest are closed on return (reopening one, with its pragmas, is ~5 % of a
        # read's CPU at 32 requests at once), because each kept connection holds its own page
        # cache (up to 2 MB): a pool of 40 raised the soak's memory floor by 10 MiB.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               max_overflow=-1)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    timeout_ms = int(settings.database_timeout_seconds * 1000)
    timeout_s = max(1, int(settings.database_timeout_seconds))
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.database_pool_size,
        # Beyond the pool: the group-commit writer, idempotency claims, the embedded worker.
        max_overflow=10,
        pool_timeout=settings.database_timeout_seconds,
        connect_args={
            "connect_timeout": timeout_s,
            "options": f"-c statement_timeout={timeout_ms * 6}",
            # A database host that vanishes (no RST: power loss, failover, partition) leaves
            # pooled connections open. Without these a request waits on one for TCP's
            # retransmissions (about 15 min); with them the connection fails after the
            # timeout and the request gets a 503. A healthy server, even one running a long
            # query, acknowledges within it.
            "tcp_user_timeout": timeout_ms,
            "keepalives_idle": timeout_s,
            "keepalives_interval": 1,
            "keepalives_count": 3,
        },
    )


class Database:
    """The engine and, on SQLite, the locks that queue work inside this process.

    SQLite allows one writer; threads that wait on a Python lock are served in turn, where
    fighting over SQLite's busy timeout gives second-long tail latencies. Batches also take
    turns among themselves (`batches_in_turn`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_db_engine(settings)
        self.write_lock: threading.Lock | None = threading.Lock() if settings.is_sqlite else None
        self.batch_lock: threading.Lock | None = threading.Lock() if settings.is_sqlite else None

    def session(self) -> Session:
        session = Session(self.engine, expire_on_commit=False)
        session.info["write_lock"] = self.write_lock
        session.info["batch_lock"] = self.batch_lock
        return session

    def dispose(self) -> None:
        self.engine.dispose()


@contextlib.contextmanager
def batches_in_turn(session: Session) -> Iterator[None]:
    """On SQLite, one batch at a time in this process, from its first item to its commit.

    The driver gives up the GIL for each row it inserts and must take it back for the next,
    so a second batch validating and drafting its items meanwhile slows the first one's
    insert by more than it gains: two batches at once stored 7 % fewer promises a second than
    one after the other. On PostgreSQL the database works in its own process while this one
    prepares the next batch, and two at once are faster.
    """
    lock: threading.Lock | None = session.info.get("batch_lock")
    with lock if lock is not None else contextlib.nullcontext():
        yield


@contextlib.contextmanager
def writing(session: Session) -> Iterator[Session]:
    """Hold the process's write lock (SQLite) for one use case; roll back if it fails."""
    lock: threading.Lock | None = session.info.get("write_lock")
    with lock if lock is not None else contextlib.nullcontext():
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
