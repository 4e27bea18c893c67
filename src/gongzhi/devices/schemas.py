"""API shapes of the device registry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DeviceIn(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="设备编号 Device code (MQTT username and topic level)")
    kind: str = Field(min_length=1, max_length=32, description="设备类型 wearable, traffic_detector, people_counter, smoke_detector, gas_detector, door_lock …")
    name: str = Field(default="", max_length=100, description="名称 Name")
    grid: str | None = Field(default=None, max_length=32, description="所在网格编码 Grid (area) code")
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    owner_ref: str | None = Field(default=None, max_length=100, description="归属，如 elder:12、place:东门 Owner reference")
    expected_interval_s: int | None = Field(default=None, ge=10, le=604800, description="预期上报间隔（秒）Expected reporting interval")


class DeviceOut(BaseModel):
    code: str
    kind: str
    name: str
    grid: str | None = Field(description="网格编码 Grid code")
    lat: float | None
    lng: float | None
    owner_ref: str | None
    expected_interval_s: int | None
    enabled: bool
    last_seen_at: datetime | None
    silent_since: datetime | None = Field(description="失联开始时间；在线为 null Start of the current silence")
    created_at: datetime


class DeviceWithToken(DeviceOut):
    token: str = Field(description="访问令牌（只显示这一次）Access token, shown once")


class ReadingOut(BaseModel):
    key: str
    ts: datetime
    value: float


class DeviceDetail(DeviceOut):
    latest: list[ReadingOut] = Field(description="每个读数名称的最新值 Newest reading of each key")


class HourOut(BaseModel):
    hour: datetime
    count: int
    min: float
    max: float
    avg: float
