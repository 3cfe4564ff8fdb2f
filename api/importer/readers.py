"""Streaming readers of import files: CSV (with a header) and JSON Lines, one row at a time.

Memory stays flat whatever the file's size; the bytes read so far drive the progress bar.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

_MAX_FIELD = 1 << 20  # 1 MiB per CSV cell, far above any sane value, below a runaway quote


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @classmethod
    def of(cls, path: Path) -> FileFormat:
        """The format a file's name suggests (`.jsonl`/`.ndjson` → JSON Lines, else CSV)."""
        return cls.JSONL if path.suffix.lower() in {".jsonl", ".ndjson"} else cls.CSV


@dataclass(frozen=True)
class SourceRow:
    """One row: its values as text, or why it could not be read (`error`); `raw` is the row as
    written, for the error file."""

    line: int
    values: dict[str, str]
    raw: dict[str, Any] | list[str] | str
    error: str | None = None


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class RowSource:
    """Rows of one file; use as a context manager. `header` lists the columns (CSV: the first
    line; JSON Lines: the keys of the first object)."""

    def __init__(self, path: Path, file_format: FileFormat) -> None:
        self.path = path
        self.format = file_format
        self.total_bytes = path.stat().st_size
        self._binary = path.open("rb")
        self._counter = _CountingReader(self._binary)
        buffered = io.BufferedReader(self._counter, buffer_size=1 << 16)
        self._text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
        self.header: list[str] = []
        self._rows = self._csv() if file_format is FileFormat.CSV else self._jsonl()

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def __enter__(self) -> RowSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()
        self._binary.close()

    def __iter__(self) -> Iterator[SourceRow]:
        return self._rows

    def _csv(self) -> Iterator[SourceRow]:
        csv.field_size_limit(_MAX_FIELD)
        reader = csv.reader(self._text)
        try:
            self.header = [name.strip() for name in next(reader)]
        except StopIteration:
            return
        width = len(self.header)
        line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield SourceRow(reader.line_num, {}, "", f"unreadable CSV: {error}")
                return
            line, previous = reader.line_num, line
            if not cells:
                continue
            if len(cells) != width:
                yield SourceRow(previous + 1, {}, cells,
                                f"the row has {len(cells)} fields, the header {width}")
                continue
            yield SourceRow(previous + 1, dict(zip(self.header, cells, strict=True)), cells)

    def _jsonl(self) -> Iterator[SourceRow]:
        for number, text in enumerate(self._text, start=1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as error:
                yield SourceRow(number, {}, text.rstrip("\r\n"), f"not JSON: {error.msg}")
                continue
            if not isinstance(item, dict):
                yield SourceRow(number, {}, text.rstrip("\r\n"), "a line must be a JSON object")
                continue
            if not self.header:
                self.header = list(item)
            values, bad = _texts(item)
            yield SourceRow(number, values, item,
                            f"{bad!r} holds a list or object, not a value" if bad else None)


def _texts(item: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """A JSON object's values as text (null → empty); the first key holding a structure."""
    values: dict[str, str] = {}
    for key, value in item.items():
        if value is None:
            values[key] = ""
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            values[key] = str(value)
        else:
            return values, key
    return values, None
