"""Promise use cases: create (one, by group commit, or a batch), read, list. Each commits once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.db import Database, batches_in_turn, writing
from api.group_commit import GroupCommit
from api.ids import new_id, new_ids
from api.models import Promise, PromiseLabel, StatusToken
from api.problems import Conflict, NotFound, ProblemError, Unprocessable
from api.promises.drafting import Draft, PolicyCache, draft_promise, draft_without_policy
from api.promises.queries import PromiseFilters
from api.promises.records import new_promise_columns, row_of
from api.promises.schemas import PromiseCreate, seconds
from api.public.tokens import token_columns
from api.row_inserts import BoundInsert, RowInsert
from api.tenancy.auth import Principal
from api.validation_errors import field_errors
from api.webhooks.outbox import Outbox

_create_adapter = TypeAdapter(PromiseCreate)


@dataclass(frozen=True)
class Created:
    promise: Promise
    created: bool
    status_token: str | None = None


def _new_columns(
    principal: Principal, draft: Draft, now: datetime, promise_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row of a new promise and the rows of its labels, as plain columns."""
    body, terms, policy = draft.body, draft.terms, draft.policy
    columns: dict[str, Any] = {
        "tenant_id": principal.tenant_id,
        "id": promise_id,
        "external_id": body.external_id or promise_id,
        "kind": draft.kind,
        "order_id": body.order_id,
        "customer_id": body.customer_id,
        "labels": dict(body.labels),
        "made_at": terms.made_at,
        "precision": terms.precision.value,
        "timezone": terms.timezone,
        "original_due_at": terms.due_at,
        "original_window_start": terms.window_start,
        "grace_seconds": terms.grace.total_seconds(),
        "exceed_margin_seconds": seconds(terms.exceed_margin),
        "early": terms.early.value,
        "at_risk_ratio": terms.at_risk_ratio,
        "at_risk_lead_seconds": seconds(terms.at_risk_lead),
        "exceed_ratio": terms.exceed_ratio,
        "calendar_id": draft.calendar_id,
        "policy_id": policy.id if policy else None,
        "policy_key": policy.key if policy else None,
        "policy_version": policy.version if policy else None,
        "overrides": list(draft.overrides) if policy else None,
        "created_at": now,
        "updated_at": now,
        **new_promise_columns(terms),
    }
    labels = [
        {"tenant_id": principal.tenant_id, "promise_id": promise_id, "key": key, "value": value}
        for key, value in body.labels.items()
    ]
    return columns, labels


def conflicting_fields(existing: Promise, draft: Draft) -> list[str]:
    """The fields in which a create request differs from the promise already stored."""
    body, terms = draft.body, draft.terms
    compared: list[tuple[str, object, object]] = [
        ("kind", existing.kind, draft.kind),
        ("policy", existing.policy_key, body.policy),
        ("order_id", existing.order_id, body.order_id),
        ("customer_id", existing.customer_id, body.customer_id),
        ("labels", existing.labels, dict(body.labels)),
        ("grace", existing.grace_seconds, terms.grace.total_seconds()),
        ("exceed_margin", existing.exceed_margin_seconds, seconds(terms.exceed_margin)),
        ("early", existing.early, terms.early.value),
        ("at_risk_ratio", existing.at_risk_ratio, terms.at_risk_ratio),
    ]
    # A policy's due time follows made_at: without either, it is computed from "now" and
    # cannot be compared.
    if body.due_at is not None or body.made_at is not None or body.policy is None:
        compared.append(("due_at", existing.original_due_at, terms.due_at))
        compared.append(("window_start", existing.original_window_start, terms.window_start))
    if body.made_at is not None:
        compared.append(("made_at", existing.made_at, terms.made_at))
    if body.timezone is not None:
        compared.append(("timezone", existing.timezone, terms.timezone))
    return [name for name, stored, asked in compared if stored != asked]


def _check_duplicate(existing: Promise, draft: Draft) -> Created:
    fields = conflicting_fields(existing, draft)
    if fields:
        raise Conflict(
            f"A promise with external_id {existing.external_id!r} already exists with other "
            f"terms: {', '.join(fields)}.",
            conflicting_fields=fields,
            promise_id=existing.id,
        )
    return Created(existing, created=False)


def _find_external(
    session: Session, tenant_id: str, external_ids: Sequence[str]
) -> dict[str, Promise]:
    """The promises stored with these external ids: which ones, asked of the unique index
    through the driver, then those rows (usually none) with Core."""
    if not external_ids:
        return {}
    connection = session.connection()
    stored = _stored_external_ids(connection, tenant_id, external_ids)
    if not stored:
        return {}
    rows = connection.execute(_BY_EXTERNAL_IDS, {"tenant_id": tenant_id, "external_ids": stored})
    return {row["external_id"]: row_of(dict(row)) for row in rows.mappings()}


def _stored_external_ids(
    connection: Connection, tenant_id: str, external_ids: Sequence[str]
) -> list[str]:
    """Which of these external ids the tenant has stored. Written for the driver: Core's
    expansion of `IN` into a thousand parameters cost twice the query itself, for a batch
    whose promises are new."""
    if connection.dialect.name == "postgresql":
        sql = "SELECT external_id FROM promise WHERE tenant_id = %s AND external_id = ANY(%s)"
        return list(connection.exec_driver_sql(sql, (tenant_id, list(external_ids))).scalars())
    stored: list[str] = []
    for start in range(0, len(external_ids), _SQLITE_IDS_A_QUERY):
        chunk = external_ids[start:start + _SQLITE_IDS_A_QUERY]
        sql = ("SELECT external_id FROM promise WHERE tenant_id = ? "  # noqa: S608 - only
               f"AND external_id IN ({', '.join('?' * len(chunk))})")  # placeholders added
        stored.extend(connection.exec_driver_sql(sql, (tenant_id, *chunk)).scalars())
    return stored


# SQLite before 3.32 takes at most 999 parameters a statement.
_SQLITE_IDS_A_QUERY = 900


@dataclass(frozen=True)
class NewPromise:
    """A create request ready to store: the rows to insert and the customer's status token."""

    draft: Draft
    columns: dict[str, Any]
    labels: list[dict[str, Any]]
    token: str
    token_row: dict[str, Any]
    now: datetime


@dataclass(frozen=True)
class SingleCreates:
    """The single creates of one database, coalesced by group commit (one per app)."""

    database: Database
    group: GroupCommit[NewPromise, Created]


def single_creates(database: Database) -> SingleCreates:
    return SingleCreates(database, GroupCommit(partial(store_new_promises, database)))


def _draft_with_policy(
    database: Database, principal: Principal, body: PromiseCreate, now: datetime
) -> Draft:
    with database.session() as session:
        return draft_promise(session, principal, body, now)


async def create_promise(
    creates: SingleCreates, principal: Principal, body: PromiseCreate, now: datetime
) -> Created:
    """Store one promise, in the same transaction as the creates that arrive with it; answer
    once that transaction has committed."""
    if body.policy is None:
        draft = draft_without_policy(principal, body, now)
    else:
        draft = await run_in_threadpool(_draft_with_policy, creates.database, principal, body,
                                        now)
    columns, labels = _new_columns(principal, draft, now, new_id("prm"))
    token, token_row = token_columns(principal.tenant_id, now, promise_id=columns["id"])
    return await creates.group.submit(NewPromise(draft, columns, labels, token, token_row, now))


def store_new_promises(database: Database, group: list[NewPromise]) -> list[Created | Exception]:
    """One transaction for the group. Insert first: the unique `external_id` refuses a repeat,
    so new promises (the common case) cost no lookup; when the group is refused, each request
    is stored on its own and only the refused one looks for the promise already stored."""
    with database.session() as session:
        try:
            with writing(session):
                outbox = Outbox(session, group[0].now)
                for item in group:
                    outbox.at(item.now).announce_new(item.columns)
                _insert(session, _in_lock_order([item.columns for item in group]),
                        [label for item in group for label in item.labels],
                        [item.token_row for item in group])
                session.commit()
        except IntegrityError:
            return [_store_alone(database, item) for item in group]
    return [Created(row_of(item.columns), created=True, status_token=item.token)
            for item in group]


def _store_alone(database: Database, item: NewPromise) -> Created | Exception:
    """Store one request of a refused group in its own transaction (and session, so that no
    other request's rollback expires the promise it found); its error, if any, is its own
    answer and does not touch the others."""
    try:
        with database.session() as session:
            return _create_alone(session, item)
    except Exception as error:  # handed to this request, which raises it
        return error


def _create_alone(session: Session, item: NewPromise) -> Created:
    external_id = item.draft.body.external_id
    tenant_id = item.columns["tenant_id"]
    for _attempt in range(2):
        with writing(session):
            Outbox(session, item.now).announce_new(item.columns)
            try:
                _insert(session, [item.columns], item.labels, [item.token_row])
                session.commit()
            except IntegrityError:
                # The same external_id is stored already, or another request is storing it.
                session.rollback()
                if external_id is not None:
                    found = _find_external(session, tenant_id, [external_id])
                    if external_id in found:
                        return _check_duplicate(found[external_id], item.draft)
                continue
            return Created(row_of(item.columns), created=True, status_token=item.token)
    raise Conflict("The promise was created concurrently; retry the request.")


_promise = Promise.__table__  # type: ignore[attr-defined]
# Built once: a statement built per call costs more than the query.
_BY_ID = select(_promise).where(_promise.c.tenant_id == bindparam("tenant_id"),
                                _promise.c.id == bindparam("promise_id"))
_BY_EXTERNAL_IDS = select(_promise).where(
    _promise.c.tenant_id == bindparam("tenant_id"),
    _promise.c.external_id.in_(bindparam("external_ids", expanding=True)))
_INSERT_PROMISES = RowInsert(_promise)
_INSERT_LABELS = RowInsert(PromiseLabel.__table__)  # type: ignore[attr-defined]
_INSERT_TOKENS = RowInsert(StatusToken.__table__)  # type: ignore[attr-defined]


def _promise_by_id(connection: Connection, principal: Principal, promise_id: str) -> Promise:
    columns = connection.execute(
        _BY_ID, {"tenant_id": principal.tenant_id, "promise_id": promise_id}
    ).mappings().first()
    if columns is None:
        raise NotFound(f"No promise {promise_id!r}.")
    return row_of(dict(columns))


def get_promise(session: Session, principal: Principal, promise_id: str) -> Promise:
    return _promise_by_id(session.connection(), principal, promise_id)


def _read_promise(database: Database, principal: Principal, promise_id: str) -> Promise:
    with database.engine.connect() as connection:
        return _promise_by_id(connection, principal, promise_id)


async def read_promise(database: Database, principal: Principal, promise_id: str) -> Promise:
    """One promise, read with Core on a connection taken and given back in one thread-pool
    call: a session closed on the event loop needs a second hop on PostgreSQL (its end of
    transaction is a round trip), and the ORM's load cost a quarter of a read."""
    return await run_in_threadpool(_read_promise, database, principal, promise_id)


def list_promises(
    session: Session,
    principal: Principal,
    filters: PromiseFilters,
    now: datetime,
    limit: int,
    after: str | None,
) -> tuple[list[Promise], str | None]:
    """One page ordered by id, and the last id when there is a next page."""
    query = select(Promise).where(*filters.conditions(principal.tenant_id, now))
    if after is not None:
        query = query.where(col(Promise.id) > after)
    rows = list(session.exec(query.order_by(col(Promise.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: int
    promise_id: str | None = None
    existing: Promise | None = None  # the promise already stored, when status is 200
    problem: ProblemError | None = None


def create_batch(
    session: Session, principal: Principal, items: list[dict[str, Any]], now: datetime
) -> list[ItemResult]:
    """Create many promises in one transaction; each invalid item is reported on its own."""
    with batches_in_turn(session):
        return _create_batch(session, principal, items, now)


def _create_batch(
    session: Session, principal: Principal, items: list[dict[str, Any]], now: datetime
) -> list[ItemResult]:
    results: dict[int, ItemResult] = {}
    valid: list[tuple[int, Draft]] = []
    cache = PolicyCache()
    for index, item in enumerate(items):
        try:
            body = _create_adapter.validate_python(item)
            valid.append((index, draft_promise(session, principal, body, now, cache)))
        except ValidationError as error:
            results[index] = ItemResult(index, 422, problem=Unprocessable(
                "The item is not a valid promise.", errors=field_errors(error, "body")))
        except ProblemError as error:
            results[index] = ItemResult(index, error.status, problem=error)
    for _attempt in range(3):
        batch = _prepare_batch(session, principal, valid, now)
        with writing(session):
            try:
                batch.store(session)
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
        results.update(batch.results)
        return [results[index] for index in sorted(results)]
    raise Conflict("The batch collided with concurrent creates; retry it.")


def _duplicate_result(index: int, existing: Promise, draft: Draft, *, stored: bool) -> ItemResult:
    try:
        _check_duplicate(existing, draft)
    except Conflict as error:
        return ItemResult(index, 409, problem=error)
    return ItemResult(index, 200, existing.id, existing if stored else None)


@dataclass(frozen=True)
class _PreparedBatch:
    """A batch ready to store: its results if it commits, its inserts with every value
    converted, and the announcements somebody listens to."""

    results: dict[int, ItemResult]
    promises: BoundInsert
    labels: BoundInsert
    outbox: Outbox
    announcements: list[tuple[tuple[str, ...], dict[str, Any]]]

    def store(self, session: Session) -> None:
        connection = session.connection()
        self.promises.execute(connection)
        self.labels.execute(connection)
        for events, columns in self.announcements:
            self.outbox.send_new(events, columns)


def _prepare_batch(
    session: Session,
    principal: Principal,
    valid: list[tuple[int, Draft]],
    now: datetime,
) -> _PreparedBatch:
    """Everything but the writes, done before the write lock is taken (on SQLite, single
    creates store theirs meanwhile; on PostgreSQL, other batches too): the promises already
    stored, the new rows as plain columns (see `_insert`), their announcements. The inserts
    refuse an `external_id` stored since."""
    external_ids = [draft.body.external_id for _, draft in valid if draft.body.external_id]
    known = _find_external(session, principal.tenant_id, external_ids)
    added: dict[str, dict[str, Any]] = {}  # external_id -> columns, for repeats in the batch
    results: dict[int, ItemResult] = {}
    rows: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    outbox = Outbox(session, now)
    announcements: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    new_promise_ids = iter(new_ids("prm", len(valid)))
    for index, draft in valid:
        external_id = draft.body.external_id
        if external_id in known:
            results[index] = _duplicate_result(index, known[external_id], draft, stored=True)
            continue
        if external_id in added:
            earlier = row_of(added[external_id])
            results[index] = _duplicate_result(index, earlier, draft, stored=False)
            continue
        columns, row_labels = _new_columns(principal, draft, now, next(new_promise_ids))
        events = outbox.plan_new(columns)
        if outbox.listened(principal.tenant_id, events):
            announcements.append((events, columns))
        rows.append(columns)
        labels.extend(row_labels)
        added[columns["external_id"]] = columns
        results[index] = ItemResult(index, 201, columns["id"])
    dialect = session.connection().dialect
    return _PreparedBatch(results, _INSERT_PROMISES.bind(dialect, _in_lock_order(rows)),
                          _INSERT_LABELS.bind(dialect, labels), outbox, announcements)


def _in_lock_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows sorted by `external_id`. Transactions that insert the same external ids at
    once (two batches on PostgreSQL) then take the unique index's locks in the same order:
    the later one waits for the earlier and finds its promises stored, where inserting in
    request order let each wait for the other, a deadlock."""
    return sorted(rows, key=_EXTERNAL_ID)


_EXTERNAL_ID = itemgetter("external_id")


def _insert(
    session: Session,
    rows: list[dict[str, Any]],
    labels: list[dict[str, Any]],
    tokens: Sequence[dict[str, Any]] = (),
) -> None:
    """Inserts on the session's connection, one driver `executemany` per table (see
    `api/row_inserts.py`): building ORM objects and flushing them, or Core's conversion of
    each value, costs more than the inserts themselves."""
    connection = session.connection()
    _INSERT_PROMISES.execute(connection, rows)
    _INSERT_LABELS.execute(connection, labels)
    _INSERT_TOKENS.execute(connection, tokens)
