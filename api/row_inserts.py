"""Many rows inserted straight through the driver's `executemany`.

SQLAlchemy Core's `executemany` builds a parameter dict per row and converts every value on
its own: for a batch of promises (50 columns, a dozen of them timestamps) that costs more than
the driver's insert itself. `RowInsert` compiles the statement once per dialect and set of
columns, converts each value with the column type's own bind processor — what Core would do —
and converts each distinct timestamp of a call once: a promise repeats its due time in five
columns, and every row of a batch shares `created_at`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.engine.interfaces import Dialect

from api.db import UTCDateTime

Processor = Callable[[Any], Any]


class _Converted(dict[Any, Any]):
    """Timestamps already converted in one call, each converted on first sight."""

    def __init__(self, processor: Processor) -> None:
        super().__init__()
        self.processor = processor

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = self.processor(value)
        return converted


def _empty_once(processor: Processor) -> Processor:
    """A JSON column's processor that serialises `None`, `{}` and `[]` once a call: most
    promises have no labels and no policy overrides."""
    empty: dict[type, Any] = {}

    def convert(value: Any) -> Any:
        if value is None or (not value and type(value) in (dict, list)):
            kind = type(value)
            if kind not in empty:
                empty[kind] = processor(value)
            return empty[kind]
        return processor(value)

    return convert


@dataclass(frozen=True)
class _Plan:
    """The statement for one dialect and one set of columns, and how to bind each row."""

    sql: str
    keys: tuple[str, ...]  # in the statement's order
    processors: tuple[tuple[int, Processor], ...]  # (position, processor) where there is one
    timestamps: frozenset[int]  # positions of UTC timestamps: converted once a call
    documents: frozenset[int]  # positions of JSON columns
    bind_rows: Callable[..., list[Any]]  # (rows, *converters) -> the driver's parameters

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        # Every UTC timestamp column converts alike: one memo serves them all.
        timestamp: Processor | None = None
        converters: list[Processor] = []
        for position, processor in self.processors:
            if position in self.timestamps:
                timestamp = timestamp or _Converted(processor).__getitem__
                converters.append(timestamp)
            elif position in self.documents:
                converters.append(_empty_once(processor))
            else:
                converters.append(processor)
        return self.bind_rows(rows, *converters)


def _row_binder(keys: tuple[str, ...], converted: frozenset[int],
                positional: bool) -> Callable[..., list[Any]]:
    """A function made for one statement that turns rows into the driver's parameters: a
    tuple (or dict) display per row with each conversion written in place, e.g.
    `[(row['tenant_id'], convert_2(row['made_at']), …) for row in rows]`, called with the
    converters in position order. A loop over the values of each row cost three times as
    much; `namedtuple` and `dataclasses` build their methods the same way."""
    values, converters = [], []
    for position, key in enumerate(keys):
        value = f"row[{key!r}]"
        if position in converted:
            converters.append(f"convert_{position}")
            value = f"convert_{position}({value})"
        values.append(value if positional else f"{key!r}: {value}")
    display = f"({', '.join(values)},)" if positional else f"{{{', '.join(values)}}}"
    source = (f"def bind_rows(rows, {', '.join(converters)}):\n"
              f"    return [{display} for row in rows]\n")
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - built from the table's own column keys
    binder: Callable[..., list[Any]] = namespace["bind_rows"]
    return binder


@dataclass(frozen=True)
class BoundInsert:
    """An insert ready for the driver: nothing to do when it has no rows."""

    sql: str
    parameters: list[Any]

    def execute(self, connection: Connection) -> None:
        if self.parameters:
            connection.exec_driver_sql(self.sql, self.parameters)


class RowInsert:
    """`INSERT INTO table` of many rows given as plain column dicts, all with the same keys.

    Every key must be a column: columns left out get their server default, never a Python
    one (a plan refuses a table whose left-out columns have Python defaults).
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        self.bind(connection.dialect, rows).execute(connection)

    def bind(self, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> BoundInsert:
        """The statement and its converted parameters, to execute later: converting needs no
        connection, so it can be done before taking a write lock."""
        if not rows:
            return BoundInsert("", [])
        keys = tuple(rows[0])
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._plans[(dialect.name, keys)] = self._plan(dialect, keys)
        return BoundInsert(plan.sql, plan.parameters(rows))

    def _plan(self, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        columns = self.table.columns
        unknown = [key for key in keys if key not in columns]
        if unknown:
            raise ValueError(f"{self.table.name} has no column {', '.join(unknown)}")
        defaulted = [column.key for column in columns
                     if column.key not in keys and column.default is not None]
        if defaulted:
            raise ValueError(f"{self.table.name} rows must give {', '.join(defaulted)}")
        compiled = insert(self.table).compile(dialect=dialect, column_keys=list(keys))
        order = tuple(compiled.positiontup) if compiled.positiontup else keys
        processors = tuple(
            (position, processor) for position, key in enumerate(order)
            if (processor := columns[key].type.dialect_impl(dialect).bind_processor(dialect))
            is not None)
        timestamps = frozenset(position for position, key in enumerate(order)
                               if isinstance(columns[key].type, UTCDateTime))
        documents = frozenset(position for position, key in enumerate(order)
                              if isinstance(columns[key].type, JSON))
        binder = _row_binder(order, frozenset(position for position, _ in processors),
                             positional=compiled.positiontup is not None)
        return _Plan(compiled.string, order, processors, timestamps, documents, binder)
