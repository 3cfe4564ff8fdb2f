"""Rows inserted through the driver (`RowInsert`) are stored exactly as SQLAlchemy Core's
`executemany` stores them, on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select

from api.bench.rows import promise_row
from api.db import Database
from api.models import Promise, PromiseLabel
from api.row_inserts import RowInsert
from tests.conftest import Tenant

PROMISES = Promise.__table__  # type: ignore[attr-defined]
LABELS = PromiseLabel.__table__  # type: ignore[attr-defined]
SAO_PAULO = timezone(timedelta(hours=-3))


def _rows(tenant_id: str, prefix: str) -> list[dict[str, Any]]:
    """Rows that exercise every conversion: the same instant in two zones, labels and
    overrides empty, null and set, both booleans."""
    made = datetime(2026, 11, 20, 12, 30, 0, 250, tzinfo=UTC)
    rows = []
    for index in range(6):
        due = made + timedelta(days=index)
        row = promise_row(tenant_id, f"{prefix}-{index}", "delivery", made, due, None, made)
        row["made_at"] = made.astimezone(SAO_PAULO) if index % 2 else made
        row["labels"] = [{}, {"carrier": "dhl"}, {"a": "1", "b": "é"}][index % 3]
        row["overrides"] = [None, [], ["grace", "due_at"]][index % 3]
        row["extra"] = index % 2 == 0
        rows.append(row)
    return rows


def _stored(database: Database, tenant_id: str, prefix: str) -> list[dict[str, Any]]:
    with database.engine.connect() as connection:
        found = connection.execute(
            select(PROMISES).where(PROMISES.c.tenant_id == tenant_id,
                                   PROMISES.c.external_id.startswith(f"{prefix}-"))
            .order_by(PROMISES.c.external_id)).mappings().all()
    return [{key: value for key, value in row.items() if key not in ("id", "external_id")}
            for row in found]


def test_rows_are_stored_as_core_stores_them(database: Database, tenant: Tenant) -> None:
    with database.engine.begin() as connection:
        connection.execute(insert(PROMISES), _rows(tenant.id, "core"))
        RowInsert(PROMISES).execute(connection, _rows(tenant.id, "driver"))
    by_core, by_driver = _stored(database, tenant.id, "core"), _stored(database, tenant.id,
                                                                     "driver")
    assert len(by_driver) == 6
    assert by_driver == by_core
    assert by_driver[0]["made_at"] == datetime(2026, 11, 20, 12, 30, 0, 250, tzinfo=UTC)
    assert by_driver[1]["labels"] == {"carrier": "dhl"}
    assert by_driver[2]["overrides"] == ["grace", "due_at"]


def test_one_row_and_other_tables(database: Database, tenant: Tenant) -> None:
    rows = _rows(tenant.id, "single")[:1]
    with database.engine.begin() as connection:
        RowInsert(PROMISES).execute(connection, rows)
        RowInsert(LABELS).execute(connection, [
            {"tenant_id": tenant.id, "promise_id": rows[0]["id"], "key": "carrier",
             "value": "ups"}])
        RowInsert(LABELS).execute(connection, [])
    with database.engine.connect() as connection:
        labels = connection.execute(select(LABELS.c.key, LABELS.c.value).where(
            LABELS.c.promise_id == rows[0]["id"])).all()
    assert [tuple(label) for label in labels] == [("carrier", "ups")]


def test_a_naive_timestamp_is_refused_and_nothing_is_stored(
    database: Database, tenant: Tenant
) -> None:
    rows = _rows(tenant.id, "naive")
    rows[3]["due_at"] = datetime(2026, 11, 25, 12, 0)
    with pytest.raises(ValueError, match="naive"), database.engine.begin() as connection:
        RowInsert(PROMISES).execute(connection, rows)
    assert _stored(database, tenant.id, "naive") == []


def test_unknown_and_missing_columns_are_named(database: Database, tenant: Tenant) -> None:
    row = _rows(tenant.id, "unknown")[0]
    with database.engine.begin() as connection:
        with pytest.raises(ValueError, match="has no column colour"):
            RowInsert(PROMISES).execute(connection, [{**row, "colour": "red"}])
        with pytest.raises(ValueError, match="has no column"):
            RowInsert(LABELS).execute(connection, [{"tenant_id": tenant.id, "nope": 1}])
