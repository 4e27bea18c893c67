"""API shapes for 智慧养老."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class News2In(BaseModel):
    """All seven parameters for the chart's score; leave some out (a wrist band) to get a partial score."""

    model_config = ConfigDict(extra="forbid")

    respiration_rate: float | None = Field(default=None, ge=0, le=200)
    spo2: float | None = Field(default=None, ge=0, le=100)
    on_oxygen: bool | None = None
    systolic_bp: float | None = Field(default=None, ge=0, le=400)
    pulse: float | None = Field(default=None, ge=0, le=400)
    consciousness: Literal["A", "C", "V", "P", "U"] | None = None
    temperature: float | None = Field(default=None, ge=20, le=45)
    spo2_scale: Literal[1, 2] = 1


class News2Out(BaseModel):
    total: int
    scores: dict[str, int]
    band: Literal["low", "low_medium", "medium", "high"]
    spo2_scale: int
    missing: list[str]
    complete: bool


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60)
    relation: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=32)
    username: str | None = Field(default=None, max_length=64)
    is_guardian: bool = False


class ElderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=18, max_length=18)
    grid_code: str = Field(min_length=1, max_length=32)
    gender: Literal["", "男", "女"] = ""
    phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=300)
    living_alone: bool = False
    conditions: list[str] = Field(default_factory=list, max_length=20)
    medications: list[str] = Field(default_factory=list, max_length=30)
    spo2_scale: Literal[1, 2] = 1
    doctor_username: str | None = Field(default=None, max_length=64)
    buddy_username: str | None = Field(default=None, max_length=64)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_by: str = Field(min_length=1, max_length=60)
    relation: str = Field(default="本人", max_length=30)
    scope: list[Literal["monitoring", "share_vitals", "notify_family", "emergency_services", "home_visit"]] = Field(
        min_length=1, max_length=5
    )


class WearableIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    device_code: str = Field(min_length=1, max_length=64)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["resolved", "false_alarm"] = "resolved"
    note: str = Field(default="", max_length=2000)


class CallOut(BaseModel):
    step: int
    role: str
    name: str
    channel: str
    called_at: datetime
    deadline: datetime | None
    answered_at: datetime | None


class AlarmOut(BaseModel):
    id: int
    elder_id: int
    kind: str
    status: str
    severity: str
    repeat_count: int
    raised_at: datetime
    last_event_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    ack_via: str
    on_scene_at: datetime | None
    closed_at: datetime | None
    next_escalation_at: datetime | None
    emergency_at: datetime | None
    case_id: int | None
    detail: dict[str, Any]
    calls: list[CallOut]


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doctor_ack_seconds: int | None = None
    family_ack_seconds: int | None = None
    buddy_ack_seconds: int | None = None
    grid_ack_seconds: int | None = None
    emergency_channel: Literal["console", "email", "webhook"] | None = None
    emergency_recipient: str | None = Field(default=None, max_length=400)
    inactivity_minutes: int | None = None
    day_start_hour: int | None = None
    day_end_hour: int | None = None
    low_battery_percent: float | None = None
    impact_g: float | None = None
    still_readings: int | None = None
    baseline_k: float | None = None
    baseline_consecutive: int | None = None
    base_url: str | None = Field(default=None, max_length=200)
