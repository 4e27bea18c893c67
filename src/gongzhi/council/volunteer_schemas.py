"""API shapes of volunteer teams, patrol shifts, swaps, hours and patrol reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
AttributeValue = str | int | float | bool


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TeamIn(_In):
    community_code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    leader_username: str | None = Field(default=None, max_length=64)
    checkin_radius_m: int = Field(default=200, ge=0, le=5000, description="签到允许偏离巡查区域的距离（米）")


class MemberIn(_In):
    username: str = Field(min_length=1, max_length=64)


class ShiftIn(_In):
    volunteer_id: int = Field(ge=1, le=2**31 - 1)
    area_code: str = Field(min_length=1, max_length=32, description="巡查区域（网格）编码")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    route: str = Field(default="", max_length=300)


class CheckInIn(_In):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    coord: Literal["wgs84", "gcj02"] = "wgs84"


class SwapIn(_In):
    target_id: int = Field(ge=1, le=2**31 - 1, description="接班的队员")
    their_shift_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="互换时对方的班次")
    note: str = Field(default="", max_length=300)


class DecisionIn(_In):
    accept: bool


class ReportIn(_In):
    kind: Literal["report", "warning"]
    description: str = Field(min_length=1, max_length=2000)
    category: str = Field(default="", max_length=40, description="预警的问题类别，如 elevator")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    coord: Literal["wgs84", "gcj02"] = "wgs84"
    shift_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=30)


class ReviewIn(_In):
    accept: bool
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=30)


class MemberOut(BaseModel):
    user_id: int
    name: str
    role: str
    minutes: int
    shifts: int


class TeamOut(BaseModel):
    id: int
    name: str
    community_code: str
    leader_id: int | None
    checkin_radius_m: int


class TeamDetail(TeamOut):
    members: list[MemberOut]


class ShiftOut(BaseModel):
    id: int
    team_id: int
    area_code: str
    route: str
    starts_at: datetime
    ends_at: datetime
    volunteer_id: int
    status: str
    checked_in_at: datetime | None
    checkin_distance_m: int | None
    checked_out_at: datetime | None


class SwapOut(BaseModel):
    id: int
    shift_id: int
    their_shift_id: int | None
    requester_id: int
    target_id: int
    status: str
    note: str


class HoursOut(BaseModel):
    shift_id: int
    user_id: int
    minutes: int
    how: str


class ReportOut(BaseModel):
    id: int
    team_id: int
    shift_id: int | None
    kind: str
    category: str
    description: str
    status: str
    case_id: int | None
    created_at: datetime
