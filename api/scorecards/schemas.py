"""Response models of the scorecard."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.wire_types import Timestamp


class SecondsSummary(BaseModel):
    """Seconds over the promises of a group that have them (rounded to milliseconds)."""

    mean: float | None
    p50: float | None = Field(description="Median, as PostgreSQL's percentile_cont(0.5)")
    p90: float | None = Field(description="90th percentile, as percentile_cont(0.9)")
    max: float | None


class Figures(BaseModel):
    """Counts by status at the time of the request, and the rates that follow.

    Rates are `null` when nothing counts towards them. `void`, `pending` and `at_risk`
    promises are outside every rate; open promises past their deadline count as `broken`.
    """

    total: int
    pending: int
    at_risk: int
    exceeded: int
    met: int
    broken: int
    void: int
    keep_rate: float | None = Field(description="(exceeded + met) / (exceeded + met + broken)")
    exceed_rate: float | None = Field(description="exceeded / (exceeded + met + broken)")
    break_rate: float | None = Field(description="broken / (exceeded + met + broken)")
    first_promise_keep_rate: float | None = Field(
        description="The keep rate of the first-promise statuses (original terms with only "
        "the customer's own revisions)")
    proactive_revision_rate: float | None = Field(
        description="Of the revisions of decided promises, the share made before the "
        "then-current due time")
    lateness_seconds: SecondsSummary = Field(
        description="Resolved late (after due_at), or open and overdue (late so far)")
    earliness_seconds: SecondsSummary = Field(description="Resolved at or before due_at")


class GroupKeyed(BaseModel):
    key: dict[str, str | None] = Field(
        description="The group_by names as given, plus `bucket` (its first local date)",
        examples=[{"kind": "delivery", "label:carrier": "ups", "bucket": "2026-11-01"}],
    )


class ScorecardGroup(Figures, GroupKeyed):
    """One group: its key, then its figures."""


class Scorecard(BaseModel):
    as_of: Timestamp = Field(description="The instant statuses were read at")
    timezone: str = Field(description="The zone of the buckets")
    groups: list[ScorecardGroup]
    totals: Figures
