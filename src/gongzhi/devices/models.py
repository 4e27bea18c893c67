"""Device registry, credentials and stored readings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

KINDS = (
    "wearable",
    "traffic_detector",
    "people_counter",
    "smoke_detector",
    "gas_detector",
    "door_lock",
)


class Device(Base):
    """A registered device. Its access token (ThingsBoard style, one per device) is kept only as hashes."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Also the MQTT username and a topic level, so limited to [A-Za-z0-9_.-].
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True, default=None)
    lat: Mapped[float | None] = mapped_column(Double, default=None)
    lng: Mapped[float | None] = mapped_column(Double, default=None)
    owner_ref: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    expected_interval_s: Mapped[int | None] = mapped_column(Integer, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # HMAC-SHA256 of the token (HTTP lookups) and Mosquitto's PBKDF2 `$7$` hash (password file).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mqtt_password_hash: Mapped[str] = mapped_column(String(200))
    token_rotated_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    # last_seen (or registration) + grace × interval: the silence sweep compares this one column.
    # Not indexed: the sweep scans a few thousand rows, while an index would make every
    # last_seen update a non-HOT update on PostgreSQL.
    silent_after: Mapped[datetime | None] = mapped_column(default=None)
    # Set while a silence episode is open (one event per episode), cleared by the next reading.
    silent_since: Mapped[datetime | None] = mapped_column(default=None)


class DeviceReading(Base):
    """One telemetry value; the primary key (device, key, ts) is the deduplication key."""

    __tablename__ = "device_readings"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    value: Mapped[float] = mapped_column(Double)

    # Retention prunes by time across all devices.
    __table_args__ = (Index("ix_device_readings_ts", "ts"),)


class DeviceRollup(Base):
    """Hourly aggregate of readings past raw retention (kept longer)."""

    __tablename__ = "device_rollups"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Double)
    max: Mapped[float] = mapped_column(Double)
    sum: Mapped[float] = mapped_column(Double)

    __table_args__ = (Index("ix_device_rollups_hour", "hour"),)


class DeviceDayCount(Base):
    """Readings stored per device and local (Shanghai) day, counted in the same transaction as the insert.

    Dashboards ask "how many readings this month in this street" over tens of millions of rows; the
    hourly roll-ups only cover hours past raw retention, so without this the current month is a
    scan of the raw table. Folding raw hours into roll-ups does not change these counts.
    """

    __tablename__ = "device_day_counts"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class DeviceEvent(Base):
    """Things that happened to a device: silent, resumed (admin changes go to the audit chain)."""

    __tablename__ = "device_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
