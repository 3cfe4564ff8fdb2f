"""The UTC timestamp column: naive datetimes refused, UTC stored, and on SQLite the stored text
exactly what SQLAlchemy's own DATETIME writes (queries compare timestamps as that text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect

from api.db import UTCDateTime

SQLITE = sqlite.dialect()
to_text = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
sqlalchemy_text = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)

zones = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                  st.integers(min_value=-14 * 60, max_value=14 * 60))
moments = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31),
                       timezones=st.one_of(st.just(UTC), zones))


@given(moments)
def test_sqlite_text_is_sqlalchemys_datetime_text_of_the_utc_moment(moment: datetime) -> None:
    assert to_text is not None and sqlalchemy_text is not None
    expected = sqlalchemy_text(moment.astimezone(UTC).replace(tzinfo=None))
    assert to_text(moment) == expected


def test_sqlite_text_always_has_microseconds() -> None:
    assert to_text is not None
    assert to_text(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == "2026-11-23 09:00:00.000000"
    assert to_text(datetime(2026, 11, 23, 9, 0, 0, 5,
                            tzinfo=timezone(timedelta(hours=-3)))) == "2026-11-23 12:00:00.000005"
    assert to_text(None) is None


POSTGRESQL = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
def test_a_naive_datetime_is_refused(dialect: Dialect) -> None:
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    with pytest.raises(ValueError, match="naive"):
        process(datetime(2026, 11, 23, 9, 0))
