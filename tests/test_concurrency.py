"""Simultaneous identical requests create one promise; a key in flight is a 409."""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.db import Database
from api.models import IdempotencyRecord
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.builders import iso, now, promise_body
from tests.conftest import Api, Tenant


def test_simultaneous_creates_with_one_external_id_make_one_promise(api: Api) -> None:
    body = promise_body()
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda _: api.post("/v1/promises", json=body), range(50)))
    assert sorted({r.status_code for r in responses}) in ([200, 201], [201])
    assert [r.status_code for r in responses].count(201) == 1
    assert len({r.json()["id"] for r in responses}) == 1
    listed = api.get("/v1/promises", params={"external_id": body["external_id"]}).json()
    assert len(listed["data"]) == 1


def test_simultaneous_creates_are_each_answered_on_their_own(api: Api) -> None:
    """Creates that arrive together share a transaction; a repeat among them gets its own
    answer (200 for the same terms, 409 for others) and the new promises are all stored."""
    stored = promise_body(labels={"carrier": "ups"})
    assert api.post("/v1/promises", json=stored).status_code == 201
    new = [promise_body(labels={"n": str(index)}) for index in range(40)]
    repeats = [stored, {**stored, "kind": "callback"}]
    bodies = [*new[:20], *repeats, *new[20:]]
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda body: api.post("/v1/promises", json=body), bodies))
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 20 + [200, 409] + [201] * 20, [r.text for r in responses]
    assert responses[21].json()["conflicting_fields"] == ["kind"]
    for body, response in zip(bodies, responses, strict=True):
        if response.status_code == 201:
            shown = api.get(f"/v1/promises/{response.json()['id']}").json()
            assert shown["external_id"] == body["external_id"]
            assert shown["labels"] == body["labels"]
            assert response.json()["status_token"].startswith("kst_")


SHARED = 400


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_batches_sharing_external_ids_store_each_once(api: Api, round_: int) -> None:
    """On PostgreSQL batches run at once, each prepared before it writes: one that collides
    with a batch stored meanwhile is prepared again, and answers 200 for the promises the
    other stored. The batches list the shared promises in different orders: inserted in
    request order, two of them each waited for the other (a deadlock, answered 503), in about
    one run of four. On SQLite they take turns; the answers are the same."""
    shared = [promise_body() for _ in range(SHARED)]
    batches = [[*shared[index::2], *shared[1 - index::2], *(promise_body() for _ in range(20))]
               for index in (0, 1, 0, 1)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(
            lambda items: api.post("/v1/promises/batch", json={"items": items}), batches))
    assert [r.status_code for r in responses] == [207] * 4, [r.text for r in responses]
    ids: dict[str, set[str]] = {}
    created = 0
    for items, response in zip(batches, responses, strict=True):
        for item, result in zip(items, response.json()["results"], strict=True):
            assert result["status"] in (200, 201), result
            created += result["status"] == 201
            ids.setdefault(item["external_id"], set()).add(result["id"])
    assert created == SHARED + 4 * 20  # each shared promise stored by one batch only
    assert all(len(found) == 1 for found in ids.values())
    for body in shared[:5]:
        listed = api.get("/v1/promises", params={"external_id": body["external_id"]}).json()
        assert [p["id"] for p in listed["data"]] == list(ids[body["external_id"]])


def test_simultaneous_creates_with_one_idempotency_key(api: Api) -> None:
    body = promise_body()
    headers = {"Idempotency-Key": f"k-{body['external_id']}"}
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(
            lambda _: api.post("/v1/promises", json=body, headers=headers), range(50)))
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert created and len({r.json()["id"] for r in created}) == 1
    listed = api.get("/v1/promises", params={"external_id": body["external_id"]}).json()
    assert len(listed["data"]) == 1


def test_concurrent_events_on_one_promise_give_the_sequential_state(api: Api) -> None:
    promise = api.post("/v1/promises", json=promise_body()).json()
    notes = [{"type": "note", "note": f"n{i}", "occurred_at": iso(now())} for i in range(10)]
    fulfil = {"type": "fulfilled", "occurred_at": iso(now())}
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(
            lambda body: api.post(f"/v1/promises/{promise['id']}/events", json=body),
            [*notes, fulfil, fulfil]))
    assert all(r.status_code in {200, 201} for r in responses), [r.text for r in responses]
    log = api.get(f"/v1/promises/{promise['id']}/events").json()["data"]
    assert len(log) == 11
    assert api.get(f"/v1/promises/{promise['id']}").json()["status"] == "exceeded"


def test_a_key_still_in_flight_is_a_409(api: Api, tenant: Tenant, database: Database) -> None:
    payload = json.dumps(promise_body()).encode()
    fingerprint = hashlib.sha256(b"POST /v1/promises\n" + payload).hexdigest()
    with database.session() as session:
        session.add(IdempotencyRecord(tenant_id=tenant.id, key="busy", fingerprint=fingerprint,
                                      headers={}, created_at=datetime.now(UTC)))
        session.commit()
    headers = {"Idempotency-Key": "busy", "Content-Type": "application/json"}
    busy = api.post("/v1/promises", content=payload, headers=headers)
    assert busy.status_code == 409
    assert busy.headers["content-type"] == "application/problem+json"
    # A claim whose request died long ago is taken over.
    with database.session() as session:
        record = session.get(IdempotencyRecord, (tenant.id, "busy"))
        assert record is not None
        record.created_at = datetime.now(UTC) - timedelta(hours=1)
        session.add(record)
        session.commit()
    assert api.post("/v1/promises", content=payload, headers=headers).status_code == 201


def test_creates_with_fresh_and_remembered_keys_at_once_all_succeed(
    api: Api, tenant: Tenant, database: Database,
) -> None:
    """Requests whose key must be looked up and requests whose key is remembered, all at
    once: none may hold a pooled connection that the write lock's holder then waits for."""
    stamp = datetime.now(UTC)
    with database.session() as session:
        fresh = [tenancy.create_key(session, tenant.name, frozenset({Scope.PROMISES_WRITE}),
                                    stamp).key for _ in range(80)]
    assert api.get("/v1/promises").status_code == 200  # remembered from here on
    calls = [(key, promise_body()) for key in fresh] + [(None, promise_body())
                                                          for _ in range(80)]

    def create(call: tuple[str | None, dict[str, object]]) -> int:
        key, body = call
        headers = {"Authorization": f"Bearer {key}"} if key else None
        return api.post("/v1/promises", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=160) as pool:
        statuses = list(pool.map(create, calls))
    assert statuses == [201] * 160


def test_on_sqlite_batches_take_turns_and_single_creates_do_not_wait_for_them(
    api: Api, app_client: TestClient
) -> None:
    lock = app_client.app.state.database.batch_lock  # type: ignore[attr-defined]
    if lock is None:
        pytest.skip("PostgreSQL runs batches at once")
    with ThreadPoolExecutor(max_workers=1) as pool:
        with lock:  # another batch in progress
            waiting = pool.submit(api.post, "/v1/promises/batch",
                                  json={"items": [promise_body() for _ in range(3)]})
            assert api.post("/v1/promises", json=promise_body()).status_code == 201
            time.sleep(0.3)
            assert not waiting.done()
        response = waiting.result(timeout=30)
    assert response.status_code == 207
    assert [item["status"] for item in response.json()["results"]] == [201] * 3


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_event_batches_on_the_same_promises_are_all_recorded(
    api: Api, round_: int
) -> None:
    """Event batches naming the same promises in opposite orders: each locks its promises in
    one order (by id), so one waits for the other instead of both waiting (a deadlock, which
    PostgreSQL breaks by failing one of them)."""
    created = api.post("/v1/promises/batch", json={"items": [promise_body() for _ in range(200)]})
    ids = [result["id"] for result in created.json()["results"]]
    moment = now()

    def notes(order: list[str], writer: int) -> list[dict[str, object]]:
        return [{"promise_id": promise_id, "type": "note", "note": f"from {writer}",
                 "occurred_at": iso(moment)} for promise_id in order]

    batches = [notes(ids, 0), notes(ids[::-1], 1), notes(ids[1::2] + ids[::2], 2)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(
            lambda items: api.post("/v1/events/batch", json={"items": items}), batches))
    assert [r.status_code for r in responses] == [207] * 3, [r.text[:300] for r in responses]
    for response in responses:
        assert {item["status"] for item in response.json()["results"]} == {201}
    logged = api.get(f"/v1/promises/{ids[0]}/events").json()["data"]
    assert sorted(event["note"] for event in logged) == ["from 0", "from 1", "from 2"]
