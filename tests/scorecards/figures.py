"""Expected scorecard figures, written out by hand in the tests."""

from __future__ import annotations

from typing import Any

NO_SECONDS: dict[str, float | None] = {"mean": None, "p50": None, "p90": None, "max": None}


def seconds(mean: float, p50: float, p90: float, maximum: float) -> dict[str, float | None]:
    return {"mean": mean, "p50": p50, "p90": p90, "max": maximum}


def figures(
    *, total: int, pending: int = 0, at_risk: int = 0, exceeded: int = 0, met: int = 0,
    broken: int = 0, void: int = 0, keep: float | None, exceed: float | None,
    breaks: float | None, first_keep: float | None, proactive: float | None,
    lateness: dict[str, float | None] = NO_SECONDS,
    earliness: dict[str, float | None] = NO_SECONDS,
) -> dict[str, Any]:
    return {
        "total": total, "pending": pending, "at_risk": at_risk, "exceeded": exceeded,
        "met": met, "broken": broken, "void": void, "keep_rate": keep, "exceed_rate": exceed,
        "break_rate": breaks, "first_promise_keep_rate": first_keep,
        "proactive_revision_rate": proactive, "lateness_seconds": lateness,
        "earliness_seconds": earliness,
    }


def counts(scorecard: dict[str, Any]) -> dict[str, int]:
    """bucket (or the whole key) → total, for bucket tests."""
    return {group["key"].get("bucket", str(group["key"])): group["total"]
            for group in scorecard["groups"]}
