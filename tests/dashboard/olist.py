"""The real Olist sample for the dashboard's browser tests, loaded with `kept import`'s importer
and its `olist` preset, and served as of the moment it was taken (`api/dashboard/
olist_sample.py`): the start of the day after its last delivery.

The sample lives beside the repository in ../shared/data/olist/ (or `KEPT_OLIST_DIR`). How
much is loaded: every order on SQLite (about 5 s). On PostgreSQL the importer takes 25–30 s for
the 8,135 orders on the 2-core test machine, so there the tests load the first 3,000 (a fixed,
deterministic subset; the rows are in no particular order in the file, so they span the whole
period). `KEPT_OLIST_ROWS` sets the count on either database (`all` for every order).
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from api.config import Settings
from api.dashboard.olist_sample import ORDERS
from api.importer.command import ImportOptions, import_file
from api.importer.run import ImportSummary

DIRECTORY_VARIABLE = "KEPT_OLIST_DIR"
ROWS_VARIABLE = "KEPT_OLIST_ROWS"
POSTGRES_ROWS = 3000
REPOSITORY = Path(__file__).resolve().parents[2]


def olist_directory() -> Path:
    return Path(os.environ.get(DIRECTORY_VARIABLE) or REPOSITORY.parent / "shared" / "data" /
                "olist")


def orders_file() -> Path:
    return olist_directory() / ORDERS


def rows_to_load(settings: Settings) -> int | None:
    """How many orders to load (None: all of them)."""
    given = os.environ.get(ROWS_VARIABLE, "").strip()
    if given:
        return None if given == "all" else int(given)
    return None if settings.is_sqlite else POSTGRES_ROWS


def load_olist(settings: Settings, tenant: str, orders: Path, rows: int | None,
               errors: Path) -> ImportSummary:
    """The first `rows` orders into `tenant`, as `kept import FILE --preset olist --limit
    ROWS` does."""
    options = ImportOptions(file=orders, preset="olist", tenant=tenant, errors=errors,
                            limit=rows, progress=False)
    return import_file(options, settings, Console(quiet=True))
