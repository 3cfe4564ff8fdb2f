"""Response models of the customer view."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.domain.outcomes import BrokenReason, ExceededReason, Status
from api.wire_types import DueValue, Timestamp


class StatusCounts(BaseModel):
    total: int
    pending: int
    at_risk: int
    exceeded: int
    met: int
    broken: int
    void: int


class CustomerPromise(BaseModel):
    """One of the customer's promises, as an agent needs it."""

    id: str
    external_id: str
    kind: str
    order_id: str | None
    labels: dict[str, str]
    status: Status
    broken_reason: BrokenReason | None
    exceeded_reason: ExceededReason | None
    due_at: DueValue
    resolved_at: Timestamp | None
    time_remaining_seconds: float | None = Field(
        description="Until due; null once resolved or overdue")
    lateness_seconds: float | None
    earliness_seconds: float | None
    revision_count: int


class BrokenRun(BaseModel):
    """The customer's latest decided promises that broke in a row (0 when the last was kept)."""

    length: int
    since: Timestamp | None = Field(description="When the first promise of the run broke")


class CustomerSummary(BaseModel):
    customer_id: str
    as_of: Timestamp
    counts: StatusCounts
    keep_rate: float | None = Field(description="(exceeded + met) / (exceeded + met + broken)")
    broken_run: BrokenRun
    last_outcomes: list[CustomerPromise] = Field(
        description="The 10 most recently resolved promises, latest first")
    open_promises: list[CustomerPromise] = Field(
        description="Open promises (overdue ones too), earliest due first; at most 50")
    open_count: int = Field(description="All open promises, also beyond those listed")
