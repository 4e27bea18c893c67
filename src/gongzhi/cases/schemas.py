"""API shapes for cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Source = Literal["citizen", "open311", "staff", "dispute", "sensing", "eldercare", "council", "volunteer"]
Action = Literal[
    "dispatch",
    "accept",
    "return",
    "start",
    "resolve",
    "close",
    "rate",
    "reject",
    "duplicate",
    "reopen",
    "escalate",
    "comment",
]
AttributeValue = str | int | float | bool
StatusName = Literal[
    "new", "dispatched", "accepted", "in_progress", "resolved", "closed", "rejected", "duplicate", "reopened"
]
Order = Literal["due", "newest"]
# Ids in paths are bounded so a huge number is a clean 422, not a database overflow.
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class CaseIn(BaseModel):
    """A new case. Give a location (lat/lng; WGS84 by default, GCJ-02 from Chinese map apps) or a grid code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(min_length=1, max_length=40, description="类别编码，如 streetlight")
    description: str = Field(min_length=1, max_length=4000)
    title: str = Field(default="", max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    coord: Literal["wgs84", "gcj02"] = "wgs84"
    grid_code: str | None = Field(default=None, max_length=32)
    address: str = Field(default="", max_length=300)
    source: Source = "citizen"
    external_ref: str = Field(default="", max_length=100)
    reporter_name: str = Field(default="", max_length=100)
    reporter_phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=30)
    anonymous: bool = Field(default=False, description="hide the reporter from the public view")

    @field_validator("attributes")
    @classmethod
    def _short_values(cls, v: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        for key, value in v.items():
            if len(key) > 40 or (isinstance(value, str) and len(value) > 500):
                raise ValueError("attribute too long")
        return v


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Action
    note: str = Field(default="", max_length=4000)
    unit_code: str | None = Field(default=None, max_length=40, description="dispatch: the unit to route to")
    assignee_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="dispatch: the person")
    duplicate_of: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="duplicate: original case id"
    )
    rating: int | None = Field(default=None, ge=1, le=5, description="rate: 1–5")
    fixed: bool | None = Field(
        default=None, description="rate: was the problem fixed? false (or a rating of 1–2) reopens the case"
    )


class CoUnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str = Field(min_length=1, max_length=40)
    note: str = Field(default="", max_length=1000)


class Ref(BaseModel):
    code: str
    name: str


class PersonRef(BaseModel):
    id: int
    name: str


class TimelineOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    action_label: str
    from_status: str | None
    to_status: str | None
    note: str


class CaseOut(BaseModel):
    id: int
    number: str
    source: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    category: Ref
    title: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    grid: Ref | None
    unit: Ref | None
    co_units: list[Ref]
    assignee: PersonRef | None
    reporter_name: str
    reporter_phone: str = Field(
        description="masked; POST /cases/{id}/contact reveals it for roles that need it"
    )
    created_at: datetime
    dispatched_at: datetime | None
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    escalation_level: int
    escalation_area: Ref | None
    resolution_note: str
    rating: int | None
    duplicate_of_id: int | None
    reopen_count: int
    attributes: dict[str, AttributeValue]
    allowed_actions: list[str]


class CaseDetail(CaseOut):
    timeline: list[TimelineOut]


class CaseList(BaseModel):
    items: list[CaseOut]
    total: int
    limit: int
    offset: int


class ContactOut(BaseModel):
    reporter_name: str
    reporter_phone: str


class CategoryOut(BaseModel):
    code: str
    name: str
    name_zh: str
    name_en: str
    unit_kind: str
    default_priority: str
    public: bool
    attributes: list[dict[str, object]]


class SweepOut(BaseModel):
    escalated: int
    auto_closed: int


SlaUnit = Literal["minutes", "working_days"]
Priority = Literal["P1", "P2", "P3", "P4"]
ClockAmount = Annotated[int, Field(ge=1, le=100_000)]


class CategoryPatch(BaseModel):
    """Fields an admin may change; the code is fixed (Open311 clients store it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_zh: str | None = Field(default=None, min_length=1, max_length=60)
    name_en: str | None = Field(default=None, min_length=1, max_length=60)
    description_zh: str | None = Field(default=None, max_length=2000)
    unit_kind: str | None = Field(default=None, min_length=1, max_length=32)
    default_priority: Priority | None = None
    accept_amount: ClockAmount | None = None
    accept_unit: SlaUnit | None = None
    resolve_amount: ClockAmount | None = None
    resolve_unit: SlaUnit | None = None
    attributes: list[dict[str, Any]] | None = Field(default=None, max_length=30)
    public: bool | None = None
    is_active: bool | None = None
    sort_order: int | None = Field(default=None, ge=0, le=10_000)

    @model_validator(mode="after")
    def _no_null_for_required(self) -> CategoryPatch:
        # Leaving a field out keeps it; an explicit null only clears the optional clock overrides.
        nullable = {"accept_amount", "accept_unit", "resolve_amount", "resolve_unit"}
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)
    description_zh: str = Field(default="", max_length=2000)
    unit_kind: str = Field(min_length=1, max_length=32)
    default_priority: Priority = "P3"
    accept_amount: ClockAmount | None = None
    accept_unit: SlaUnit | None = None
    resolve_amount: ClockAmount | None = None
    resolve_unit: SlaUnit | None = None
    attributes: list[dict[str, Any]] = Field(default_factory=list, max_length=30)
    public: bool = True
    is_active: bool = True
    sort_order: int = Field(default=100, ge=0, le=10_000)


class SlaPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept_amount: ClockAmount
    accept_unit: SlaUnit
    resolve_amount: ClockAmount
    resolve_unit: SlaUnit


class SlaPolicyOut(SlaPolicyIn):
    priority: str


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    is_workday: bool = Field(description="false: a public holiday; true: a make-up working day (调休)")
    name: str = Field(default="", max_length=60)


class CalendarDayOut(CalendarDayIn):
    day: date
