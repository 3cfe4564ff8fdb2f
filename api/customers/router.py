"""HTTP route of the customer view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.customers import service
from api.customers.schemas import CustomerSummary
from api.dependencies import NowDep, SessionDep
from api.problems import problem_responses
from api.tenancy.auth import Reader

router = APIRouter(prefix="/v1", tags=["customers"])


@router.get(
    "/customers/{customer_id}/summary",
    summary="What to know before talking to a customer",
    description="Counts by status now, the keep rate, the current run of broken promises, "
    "the last 10 outcomes and the open promises with their time remaining. A customer "
    "without promises (in this tenant) is a 404.",
    response_model=CustomerSummary,
    responses=problem_responses(401, 403, 404, 422),
)
def customer_summary(
    customer_id: Annotated[str, Path(min_length=1, max_length=200)],
    principal: Reader, session: SessionDep, now: NowDep,
) -> CustomerSummary:
    return service.customer_summary(session, principal, customer_id, now)
