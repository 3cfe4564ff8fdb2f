"""The file of rejected rows: each row as it was written, with its line and the reason.

A CSV import writes CSV (the original columns, then `error_line`, `error_field`, `error`), so
the file can be fixed and imported again with the same options; JSON Lines writes JSON Lines
(the original object with an `_error` object). The file is created at the first rejection.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

from api.importer.readers import FileFormat, SourceRow

ERROR_COLUMNS = ("error_line", "error_field", "error")


def default_path(source: Path, file_format: FileFormat) -> Path:
    """`orders.csv` → `./orders.errors.csv` (in the working directory: the source's folder may
    be read-only)."""
    return Path.cwd() / f"{source.stem}.errors.{file_format.value}"


class ErrorFile:
    def __init__(self, path: Path, file_format: FileFormat, header: list[str]) -> None:
        self.path = path
        self.format = file_format
        self.header = header
        self.count = 0
        self._file: IO[str] | None = None
        self._csv: Any = None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8", newline="")
        if self.format is FileFormat.CSV:
            self._csv = csv.writer(self._file)
            self._csv.writerow([*self.header, *ERROR_COLUMNS])

    def write(self, row: SourceRow, field: str, reason: str) -> None:
        if self._file is None:
            self._open()
        assert self._file is not None
        self.count += 1
        if self.format is FileFormat.CSV:
            cells = row.raw if isinstance(row.raw, list) else [
                row.values.get(name, "") for name in self.header]
            padded = (list(cells) + [""] * len(self.header))[: max(len(self.header), len(cells))]
            self._csv.writerow([*padded, row.line, field, reason])
            return
        error = {"line": row.line, "field": field, "reason": reason}
        record = {**row.raw, "_error": error} if isinstance(row.raw, dict) else {
            "_raw": row.raw, "_error": error}
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
