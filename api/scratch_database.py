"""Throw-away PostgreSQL databases for tests and benchmarks."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError


@contextlib.contextmanager
def scratch_postgres(url: str, prefix: str) -> Iterator[str | None]:
    """A new, empty database on the server of `url`, dropped afterwards.

    Yields its URL, or None when the role may not create databases (the caller decides what to
    use instead).
    """
    server = make_url(url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError:
        admin.dispose()
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
