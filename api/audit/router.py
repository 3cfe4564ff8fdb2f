"""The audit log, readable by admin keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from api.audit import service
from api.dependencies import SessionDep
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import problem_responses
from api.tenancy.auth import Admin
from api.wire_types import Timestamp

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditEntryPublic(BaseModel):
    id: str
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    created_at: Timestamp


class AuditList(BaseModel):
    data: list[AuditEntryPublic]
    next_cursor: str | None


@router.get("/audit-log", summary="Administrative actions, newest first",
            response_model=AuditList, responses=problem_responses(401, 403, 422))
def audit_log(
    principal: Admin, session: SessionDep, request: Request, response: Response,
    limit: Limit = 50, cursor: Cursor = None,
) -> AuditList:
    rows, last = service.list_entries(session, principal.tenant_id, limit, decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return AuditList(
        data=[AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=next_cursor,
    )
