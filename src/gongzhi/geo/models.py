"""The area tree. `path` holds the ids from the root down ("/1/4/17/"), so a subtree is a prefix match."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

LEVELS = ("district", "street", "community", "village", "grid")
# community and village sit at the same depth under a street.
LEVEL_DEPTH = {"district": 0, "street": 1, "community": 2, "village": 2, "grid": 3}


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    # GeoJSON geometry (Polygon / MultiPolygon) in WGS84; None for areas drawn only by their children.
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    centroid_lat: Mapped[float | None] = mapped_column(default=None)
    centroid_lng: Mapped[float | None] = mapped_column(default=None)
    households: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GeoState(Base):
    """One row (id=1). `grid_version` is a fresh random token whenever any area row changes
    (see versioning.py), so the cached point→grid index is checked with one primary-key read.
    A token is never reused, so a rolled-back change cannot make a stale index look current."""

    __tablename__ = "geo_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_version: Mapped[str] = mapped_column(String(32))
