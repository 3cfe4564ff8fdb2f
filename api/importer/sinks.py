"""Where converted rows go: straight into the database through Kept's services, or to a Kept
server through its batch endpoints. Both store a chunk of rows and say, row by row, what
happened.

Either way the rows pass the same validation and scoring as any API request: promises through
`create_batch` (one transaction per chunk; an `external_id` already stored with the same terms
is answered as it is, so a rerun loads nothing twice), then their events through
`record_events` (the same fact sent twice is recorded once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

import httpx

from api.db import Database
from api.domain.import_mapping import ConvertedRow
from api.domain.outcomes import BrokenReason, Party, Status
from api.events import service as events
from api.events.schemas import AnyEventIn, CancelledIn, FulfilledIn
from api.importer.first_events import FirstEvent, record_first_events
from api.models import Promise
from api.problems import ProblemError
from api.promises import service as promises
from api.tenancy.auth import Principal
from api.wire_types import format_due


class Stored(StrEnum):
    CREATED = "created"  # a new promise (and its events)
    PRESENT = "present"  # already stored with the same terms: nothing loaded twice
    REJECTED = "rejected"


@dataclass(frozen=True)
class RowResult:
    stored: Stored
    events: int = 0  # events newly recorded
    field: str = ""
    reason: str = ""


class Sink(Protocol):
    def store(self, rows: Sequence[ConvertedRow]) -> list[RowResult]: ...


def events_of(row: ConvertedRow) -> list[AnyEventIn]:
    if row.fulfilled_at is not None:
        return [FulfilledIn(type="fulfilled", occurred_at=row.fulfilled_at)]
    if row.cancellation is not None:
        return [CancelledIn(type="cancelled", occurred_at=row.cancellation.at,
                            by=Party(row.cancellation.by))]
    return []


def _field_name(name: str) -> str:
    """`body.due_at` or `items[3].due_at` → `due_at`."""
    name = name.removeprefix("body.")
    if name.startswith("items["):
        name = name.partition("]")[2].lstrip(".")
    return name


def _reason(detail: str, errors: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(field, reason) of a problem: its first field error, else its detail."""
    if errors:
        field, message = errors[0]
        return _field_name(field), message
    return "", detail


def _problem_reason(error: ProblemError) -> tuple[str, str]:
    return _reason(error.detail, [(e.field, e.message) for e in error.errors or []])


def _merge(promise: RowResult, event: RowResult | None) -> RowResult:
    if event is None or promise.stored is Stored.REJECTED:
        return promise
    if event.stored is Stored.REJECTED:
        what = "stored" if promise.stored is Stored.CREATED else "already stored"
        return RowResult(promise.stored, 0, event.field,
                         f"the promise is {what}, but its event was refused: {event.reason}")
    return RowResult(promise.stored, event.events)


class DatabaseSink:
    """Rows into the database of this process, as the tenant of `principal`."""

    def __init__(self, database: Database, principal: Principal,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.principal = principal
        self.clock = clock

    def store(self, rows: Sequence[ConvertedRow]) -> list[RowResult]:
        now = self.clock()
        with self.database.session() as session:
            created = promises.create_batch(session, self.principal,
                                            [row.promise for row in rows], now)
            results: list[RowResult] = []
            first: list[tuple[int, FirstEvent]] = []
            general: list[tuple[int, events.Target, AnyEventIn]] = []
            for index, (row, item) in enumerate(zip(rows, created, strict=True)):
                if item.promise_id is None:
                    assert item.problem is not None
                    field, reason = _problem_reason(item.problem)
                    results.append(RowResult(Stored.REJECTED, field=field, reason=reason))
                    continue
                stored = Stored.CREATED if item.status == 201 else Stored.PRESENT
                results.append(RowResult(stored))
                for event in events_of(row):
                    if stored is Stored.CREATED:
                        first.append((index, FirstEvent(item.promise_id, event)))
                    elif item.existing is None or not already_recorded(item.existing, row):
                        general.append((index, events.Target(promise_id=item.promise_id), event))
            outcomes = record_first_events(session, self.principal.tenant_id,
                                            [item for _, item in first], now)
            for (owner, pending), done in zip(first, outcomes, strict=True):
                if not done.recorded:
                    general.append((owner, events.Target(promise_id=pending.promise_id),
                                    pending.event))
                elif done.refused:
                    results[owner] = _merge(results[owner], RowResult(
                        Stored.REJECTED, field="", reason=done.refused))
                else:
                    results[owner] = _merge(results[owner], RowResult(Stored.CREATED, events=1))
            if general:
                recorded = events.record_events(
                    session, self.principal, [(target, event) for _, target, event in general],
                    now)
                for (owner, _, _), answer in zip(general, recorded, strict=True):
                    results[owner] = _merge(results[owner], _event_result(answer))
        return results


def already_recorded(promise: Promise, row: ConvertedRow) -> bool:
    """Whether a stored promise visibly ended by the row's event already (a rerun), so that
    nothing needs loading; when in doubt, False (record_events then decides)."""
    if row.fulfilled_at is not None:
        return promise.fulfilled_at == row.fulfilled_at
    cancellation = row.cancellation
    if cancellation is None or promise.fulfilled_at is not None:
        return False
    if promise.resolved_at != cancellation.at:
        return False
    if cancellation.by == Party.CUSTOMER:
        return promise.resolved_status == Status.VOID
    return (promise.resolved_status == Status.BROKEN
            and promise.broken_reason == BrokenReason.CANCELLED)


def _event_result(outcome: events.ItemResult) -> RowResult:
    if outcome.problem is not None:
        field, reason = _problem_reason(outcome.problem)
        return RowResult(Stored.REJECTED, field=field, reason=reason)
    return RowResult(Stored.CREATED, events=1 if outcome.status == 201 else 0)


def _json(value: object) -> object:
    if isinstance(value, datetime | date):
        return format_due(value)
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


class HttpSink:
    """Rows to a Kept server through `POST /v1/promises/batch` and `POST /v1/events/batch`."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _post(self, path: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.client.post(path, json={"items": items})
        if response.status_code != 207:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:500]}")
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def store(self, rows: Sequence[ConvertedRow]) -> list[RowResult]:
        answers = self._post("/v1/promises/batch", [_json(row.promise)  # type: ignore[misc]
                                                    for row in rows])
        results: list[RowResult] = []
        items: list[dict[str, Any]] = []
        owners: list[int] = []
        for index, (row, answer) in enumerate(zip(rows, answers, strict=True)):
            if answer["status"] not in (200, 201):
                results.append(_answer_rejected(answer))
                continue
            results.append(RowResult(Stored.CREATED if answer["status"] == 201
                                     else Stored.PRESENT))
            for event in events_of(row):
                items.append({"promise_id": answer["id"],
                              **event.model_dump(mode="json", exclude_none=True)})
                owners.append(index)
        if items:
            for owner, answer in zip(owners, self._post("/v1/events/batch", items), strict=True):
                outcome = (_answer_rejected(answer) if answer["status"] not in (200, 201)
                           else RowResult(Stored.CREATED, events=int(answer["status"] == 201)))
                results[owner] = _merge(results[owner], outcome)
        return results


def _answer_rejected(answer: dict[str, Any]) -> RowResult:
    problem = answer.get("problem") or {}
    errors = [(e.get("field", ""), e.get("message", "")) for e in problem.get("errors") or []]
    field, reason = _reason(problem.get("detail") or problem.get("title", "refused"), errors)
    return RowResult(Stored.REJECTED, field=field, reason=reason)
