"""City-brain state: crowd baselines per place and hour of week, and alarm/anomaly episodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base


class CrowdBaseline(Base):
    """A people counter's usual count for one hour of the week (0 = Monday 00:00, Shanghai):
    count, sum and sum of squares of its readings, so the mean and the over-dispersion are known."""

    __tablename__ = "sensing_crowd_baselines"
    __table_args__ = (UniqueConstraint("device_id", "hour_of_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, index=True)  # devices.id (that module's table)
    hour_of_week: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    total_sq: Mapped[float] = mapped_column(Float, default=0.0)


class Episode(Base):
    """One alarm or anomaly from a device, from its first reading until it has been quiet a while:
    crowd (`crowd`), smoke/gas (`smoke`, `gas`), a door forced or left open at night (`door_forced`,
    `door_open`). Repeats inside an open episode update it (count, last_at, evidence) and its case."""

    __tablename__ = "sensing_episodes"
    __table_args__ = (Index("ix_sensing_episodes_open", "device_id", "kind", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, index=True)
    device_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    grid_id: Mapped[int | None] = mapped_column(Integer, default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[datetime]
    last_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    case_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RoadSegment(Base):
    """A stretch of road watched by traffic detectors, with its free-flow capacity (vehicles per
    5 minutes at a detector) and the detour to suggest; the latest congestion state sits on it."""

    __tablename__ = "sensing_road_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[int] = mapped_column(Integer, index=True)  # areas.id
    detector_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[float] = mapped_column(Float)
    alternative: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    # Latest refresh: volume/capacity now and forecast +30 min, and their levels.
    refreshed_at: Mapped[datetime | None] = mapped_column(default=None)
    level_now: Mapped[str] = mapped_column(String(16), default="unknown")
    level_next: Mapped[str] = mapped_column(String(16), default="unknown")
    ratio_now: Mapped[float | None] = mapped_column(Float, default=None)
    ratio_next: Mapped[float | None] = mapped_column(Float, default=None)
    speed_now: Mapped[float | None] = mapped_column(Float, default=None)
    free_since: Mapped[datetime | None] = mapped_column(default=None)


class Advisory(Base):
    """One congestion episode of a segment and the detour advisory sent for it (once)."""

    __tablename__ = "sensing_advisories"
    __table_args__ = (Index("ix_sensing_advisories_open", "segment_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(Integer, index=True)
    grid_id: Mapped[int] = mapped_column(Integer, index=True)
    issued_at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(16))
    ratio: Mapped[float] = mapped_column(Float)
    alternative: Mapped[str] = mapped_column(String(300), default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
