"""Request and response models of policies."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.domain.terms import DEFAULT_AT_RISK_RATIO, EarlyRule, Precision
from api.promises.schemas import Kind
from api.wire_types import DueValue, Duration, Timestamp

PolicyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]


class TargetIn(BaseModel):
    """Exactly one of: `calendar_time`, `business_time`, `business_days` (with optional `by`)."""

    model_config = ConfigDict(extra="forbid")

    calendar_time: Duration | None = Field(default=None, examples=["P3D"])
    business_time: Duration | None = Field(default=None, examples=["PT2H"])
    business_days: int | None = Field(default=None, ge=0, le=366, examples=[5])
    by: time | None = Field(
        default=None, description="Local time of day on the last business day (HH:MM)",
        examples=["17:00"],
    )


class WindowIn(BaseModel):
    """The window opens `calendar_time` or `business_days` before the due time."""

    model_config = ConfigDict(extra="forbid")

    calendar_time: Duration | None = Field(default=None, examples=["P2D"])
    business_days: int | None = Field(default=None, ge=1, le=366, examples=[3])


class PolicyTerms(BaseModel):
    """The scoring terms a policy gives its promises."""

    model_config = ConfigDict(extra="forbid")

    grace: Duration | None = None
    exceed_margin: Duration | None = None
    exceed_ratio: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="Exceeded when this share of the lead time early (instead of exceed_margin)",
    )
    early: EarlyRule = EarlyRule.EXCEEDED
    at_risk_ratio: float = Field(default=DEFAULT_AT_RISK_RATIO, ge=0.0, le=1.0)
    at_risk_lead: Duration | None = Field(
        default=None, description="Also at risk this long before due"
    )

    @model_validator(mode="after")
    def _one_margin(self) -> Self:
        if self.exceed_margin is not None and self.exceed_ratio is not None:
            raise ValueError("give exceed_margin or exceed_ratio, not both")
        return self


class PolicyCreate(PolicyTerms):
    """A policy, or a new version of it when the key exists."""

    key: PolicyKey = Field(examples=["standard-shipping"])
    kind: Kind | None = Field(default=None, description="Kind of the promises made under it")
    calendar: str | None = Field(default=None, description="Calendar id or name")
    target: TargetIn
    window: WindowIn | None = None


class PolicyPublic(PolicyTerms):
    id: str
    key: str
    version: int
    kind: str | None
    calendar_id: str | None
    target: TargetIn
    window: WindowIn | None
    created_at: Timestamp


class PolicyList(BaseModel):
    data: list[PolicyPublic]
    next_cursor: str | None


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    made_at: Timestamp | None = Field(default=None, description="Defaults to now")


class Quote(BaseModel):
    """The due time and window a promise made at `made_at` under the policy would get."""

    policy: str
    policy_version: int
    made_at: Timestamp
    due_at: DueValue
    window_start: DueValue | None
    precision: Precision
    calendar_id: str | None
