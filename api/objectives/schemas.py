"""Request and response models of objectives and their error-budget status."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.error_budget import Severity
from api.policies.schemas import PolicyKey
from api.promises.schemas import MAX_LABELS, Kind, LabelKey, LabelValue, ZoneName
from api.wire_types import Duration, Timestamp


class ObjectiveFilter(BaseModel):
    """Which promises the objective is about; every given part must match."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = Field(default=None, examples=["delivery"])
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict, max_length=MAX_LABELS,
                                               examples=[{"carrier": "ups"}])
    policy: PolicyKey | None = Field(default=None, description="Made under this policy (key)")


class RollingWindow(BaseModel):
    """The last `days` days, up to the moment of reading."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["rolling"]
    days: int = Field(ge=1, le=366, examples=[30])


class CalendarWindow(BaseModel):
    """The current calendar month in `timezone` (default: the tenant's)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["calendar"]
    period: Literal["month"] = "month"
    timezone: ZoneName | None = None


Window = Annotated[RollingWindow | CalendarWindow, Field(discriminator="type")]


class ObjectiveCreate(BaseModel):
    """"Keep `target` of these promises per window"."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    filter: ObjectiveFilter = Field(default_factory=ObjectiveFilter)
    target: float = Field(gt=0.0, lt=1.0, description="Keep rate to reach, e.g. 0.98",
                          examples=[0.98])
    window: Window
    min_count: int = Field(
        default=0, ge=0, le=10_000_000,
        description="Fewer decided promises than this in the window: too few to judge, no alert")


class WindowPublic(BaseModel):
    type: Literal["rolling", "calendar"]
    days: int | None = None
    period: Literal["month"] | None = None
    timezone: str


class ObjectivePublic(BaseModel):
    id: str
    name: str
    filter: ObjectiveFilter
    target: float
    window: WindowPublic
    min_count: int
    created_at: Timestamp
    updated_at: Timestamp


class ObjectiveList(BaseModel):
    data: list[ObjectivePublic]
    next_cursor: str | None


class BudgetPublic(BaseModel):
    allowed: float = Field(description="Breaks allowed so far: (1 − target) × decided")
    used: int = Field(description="Breaks so far")
    remaining: float = Field(description="allowed − used; negative once overspent")
    remaining_ratio: float | None = Field(description="remaining / allowed")


class BurnWindow(BaseModel):
    window: Duration = Field(description="The trailing window, e.g. P1D")
    start: Timestamp
    decided: int
    broken: int
    burn_rate: float | None = Field(
        description="(broken / decided) / (1 − target); 1 spends the budget exactly by the "
        "end of the objective's window")


class ForwardBurn(BaseModel):
    """Open promises due within the horizon: the at-risk ones as projected breaks."""

    horizon: Duration
    until: Timestamp
    open_due: int
    projected_breaks: int
    burn_rate: float | None


class AlertRule(BaseModel):
    name: str
    severity: Severity
    long_window: Duration
    short_window: Duration
    threshold: float


class AlertPublic(BaseModel):
    state: Severity
    rule: AlertRule | None = Field(description="The rule that fired")
    long_burn_rate: float | None
    short_burn_rate: float | None
    reason: str


class ObjectiveWindowNow(WindowPublic):
    start: Timestamp
    end: Timestamp


class ObjectiveStatus(BaseModel):
    objective_id: str
    name: str
    target: float
    as_of: Timestamp
    window: ObjectiveWindowNow
    decided: int = Field(description="Exceeded, met or broken (overdue included) in the window")
    kept: int
    broken: int
    attainment: float | None = Field(description="kept / decided")
    meets_target: bool | None = Field(description="null while there are too few to judge")
    enough_data: bool = Field(description="At least one decided promise, and min_count")
    min_count: int
    budget: BudgetPublic
    burn_rates: list[BurnWindow]
    forward: ForwardBurn
    alert: AlertPublic
