"""The scorecard as CSV, and whether a request asks for it."""

from __future__ import annotations

import csv
import io

from api.scorecards.schemas import Figures, Scorecard

CSV_MEDIA_TYPE = "text/csv"
_COUNTS = ("total", "pending", "at_risk", "exceeded", "met", "broken", "void")
_RATES = ("keep_rate", "exceed_rate", "break_rate", "first_promise_keep_rate",
          "proactive_revision_rate")
_SECONDS = ("lateness_seconds", "earliness_seconds")
_STATS = ("mean", "p50", "p90", "max")
# A cell starting with one of these runs as a formula in spreadsheets (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def prefers_csv(accept: str | None) -> bool:
    """True when `Accept` rates text/csv above JSON (`*/*` and `application/*` mean JSON)."""
    best_csv = best_json = 0.0
    for media_range in (accept or "").split(","):
        media_type, *parameters = media_range.split(";")
        media_type = media_type.strip().lower()
        quality = _quality(parameters)
        if media_type in ("text/csv", "text/*"):
            best_csv = max(best_csv, quality)
        elif media_type in ("application/json", "application/*", "*/*"):
            best_json = max(best_json, quality)
    return best_csv > 0 and best_csv > best_json


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _figure_cells(figures: Figures) -> list[str]:
    cells = [_number(getattr(figures, name)) for name in (*_COUNTS, *_RATES)]
    for measure in _SECONDS:
        summary = getattr(figures, measure)
        cells += [_number(getattr(summary, stat)) for stat in _STATS]
    return cells


def to_csv(scorecard: Scorecard, key_names: list[str]) -> str:
    """One row per group: the key columns (as given in group_by, then `bucket`), then the
    figures, seconds flattened as `lateness_seconds_p90`. Empty cells are nulls."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = [*key_names, *_COUNTS, *_RATES]
    header += [f"{measure}_{stat}" for measure in _SECONDS for stat in _STATS]
    writer.writerow([_text(name) for name in header])
    for group in scorecard.groups:
        writer.writerow([_text(group.key.get(name)) for name in key_names]
                        + _figure_cells(group))
    return buffer.getvalue()
