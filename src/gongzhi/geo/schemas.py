"""API shapes of the area tree."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Level = Literal["district", "street", "community", "village", "grid"]
CoordSystem = Literal["wgs84", "gcj02"]


class AreaRef(BaseModel):
    code: str
    name: str
    level: Level


class AreaOut(BaseModel):
    code: str = Field(description="区域编码 Area code")
    name: str = Field(description="名称 Name")
    name_en: str
    level: Level
    parent_code: str | None = Field(description="上级区域编码 Parent area code; null for a root")
    centroid_lat: float | None = Field(description="边界中心点纬度（WGS84）")
    centroid_lng: float | None = Field(description="边界中心点经度（WGS84）")
    households: int


class AreaDetail(AreaOut):
    geometry: dict[str, Any] | None = Field(description="GeoJSON Polygon/MultiPolygon in WGS84, or null")
    ancestors: list[AreaRef] = Field(description="上级区域，从顶级到直接上级 Ancestors, root first")


class LocateOut(BaseModel):
    grid: AreaOut | None = Field(description="包含该点的网格；不在任何网格内时为 null")
    lat: float = Field(description="WGS84 纬度 latitude")
    lng: float = Field(description="WGS84 经度 longitude")
