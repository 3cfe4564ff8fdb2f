"""The 207 answer of a batch route, with one result per item."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response

from api.problems import ProblemError, item_problem


def batch_result(index: int, status: int, item_id: str | None, problem: ProblemError | None,
                 instance: str) -> dict[str, Any]:
    """One item's `BatchResult` (api/promises/schemas.py), as JSON-ready fields."""
    return {"index": index, "status": status, "id": item_id,
            "problem": item_problem(problem, index, instance) if problem else None}


def batch_response(results: list[dict[str, Any]]) -> Response:
    """A `BatchOut` of `batch_result`s, encoded once: a model per item, validated again and
    encoded through Python objects by FastAPI, cost more per item of a 1,000-item batch than
    storing the item's labels."""
    return Response(json.dumps({"results": results}, separators=(",", ":")), status_code=207,
                    media_type="application/json")
