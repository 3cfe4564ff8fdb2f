"""The floors' server: the least a FastAPI service must do for a create and a read, on the same
server settings and database as Kept.

`POST /floor/promises` validates the same create body as `POST /v1/promises` (`PromiseCreate`)
and inserts one promise row with one commit; on SQLite it queues writers on the same
in-process lock as Kept (without it, threads fight over SQLite's write lock and the tail
latency is seconds). `GET /floor/promises/{id}` reads one row by primary key and returns its
columns. No authentication, scoring, outbox, idempotency, rate limits or logs.

Run as `python -m api.bench.floor_app --port P` (uvicorn with `kept serve`'s settings), with
`KEPT_DATABASE_URL` and `KEPT_BENCH_TENANT_ID` in the environment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.encoders import jsonable_encoder
from sqlalchemy import insert, select

from api.bench.rows import promise_row
from api.config import Settings
from api.db import Database
from api.models import Promise
from api.promises.schemas import PromiseCreate

TENANT_VARIABLE = "KEPT_BENCH_TENANT_ID"


def create_floor_app() -> FastAPI:
    settings = Settings()
    database = Database(settings)
    tenant_id = os.environ[TENANT_VARIABLE]
    table = Promise.__table__  # type: ignore[attr-defined]
    insert_promise = insert(table)  # built once, executed with each row's parameters
    app = FastAPI(title="Kept benchmark floors")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/floor/promises", status_code=201)
    def create(body: PromiseCreate) -> dict[str, str]:
        now = datetime.now(UTC)
        made = body.made_at or now
        due = body.due_at if isinstance(body.due_at, datetime) else made
        row = promise_row(tenant_id, body.external_id or "", body.kind or "delivery", made,
                          due, body.order_id, now)
        lock = database.write_lock
        with lock if lock is not None else contextlib.nullcontext(), \
                database.engine.begin() as connection:
            connection.execute(insert_promise, row)
        return {"id": row["id"]}

    @app.get("/floor/promises/{promise_id}")
    def read(promise_id: str) -> dict[str, Any]:
        with database.engine.connect() as connection:
            row = connection.execute(select(table).where(
                table.c.tenant_id == tenant_id, table.c.id == promise_id)).mappings().first()
        if row is None:
            raise HTTPException(status_code=404)
        encoded: dict[str, Any] = jsonable_encoder(dict(row))
        return encoded

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    # The settings of `kept serve`.
    uvicorn.run("api.bench.floor_app:create_floor_app", factory=True, host=options.host,
                port=options.port, log_level="warning", proxy_headers=True)


if __name__ == "__main__":
    main()
