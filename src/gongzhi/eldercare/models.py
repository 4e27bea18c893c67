"""Elders, wearables bound to them, vitals, events and alarms with their escalation steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongzhi.db import Base
from gongzhi.notify.models import OutboxMessage

ALARM_KINDS = ("fall", "sos", "vitals", "baseline", "inactivity", "silence", "low_battery")
ALARM_STATES = ("active", "acknowledged", "on_scene", "resolved", "false_alarm")
OPEN_STATES = ("active", "acknowledged", "on_scene")
CALL_ROLES = ("doctor", "family", "buddy", "grid_worker", "emergency")


class Elder(Base):
    """An elder on the register (老人档案). Name, ID number, phone and address are personal data."""

    __tablename__ = "eldercare_elders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(8), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    living_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    medications: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # SpO2 scale 2 only when a clinician has documented hypercapnic respiratory failure.
    spo2_scale: Mapped[int] = mapped_column(Integer, default=1)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Contact(Base):
    """Guardian and family, in the order they are called."""

    __tablename__ = "eldercare_contacts"
    __table_args__ = (UniqueConstraint("elder_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("eldercare_elders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    relation: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # A family member with an account gets in-app messages and can acknowledge from the app.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    is_guardian: Mapped[bool] = mapped_column(Boolean, default=False)


class Consent(Base):
    """Who agreed, when, to what (monitoring, sharing vitals with the doctor, calling family …)."""

    __tablename__ = "eldercare_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("eldercare_elders.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(String(60))
    relation: Mapped[str] = mapped_column(String(30), default="本人")
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list)
    given_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class Wearable(Base):
    """A band bound to an elder, plus the little state the event detectors keep per band."""

    __tablename__ = "eldercare_wearables"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_code: Mapped[str] = mapped_column(String(64), unique=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("eldercare_elders.id", ondelete="CASCADE"), index=True)
    bound_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    last_steps_at: Mapped[datetime | None] = mapped_column(default=None)
    battery: Mapped[float | None] = mapped_column(Float, default=None)
    silent_since: Mapped[datetime | None] = mapped_column(default=None)
    # Fall detection from raw acceleration: an impact waiting for the stillness that confirms it.
    impact_at: Mapped[datetime | None] = mapped_column(default=None)
    still_count: Mapped[int] = mapped_column(Integer, default=0)
    # Baseline deviation: consecutive pulse readings beyond k·MAD of the elder's own median.
    deviation_streak: Mapped[int] = mapped_column(Integer, default=0)
    # The elder's last pulse readings (newest last), kept here so a reading needs no history query.
    pulse_window: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Vital(Base):
    """One moment of a band's vitals (readings with the same timestamp), scored with NEWS2."""

    __tablename__ = "eldercare_vitals"
    __table_args__ = (Index("ix_eldercare_vitals_elder_ts", "elder_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("eldercare_elders.id", ondelete="CASCADE"))
    ts: Mapped[datetime]
    pulse: Mapped[float | None] = mapped_column(Float, default=None)
    spo2: Mapped[float | None] = mapped_column(Float, default=None)
    temperature: Mapped[float | None] = mapped_column(Float, default=None)
    systolic_bp: Mapped[float | None] = mapped_column(Float, default=None)
    respiration_rate: Mapped[float | None] = mapped_column(Float, default=None)
    news2_total: Mapped[int | None] = mapped_column(Integer, default=None)
    news2_band: Mapped[str | None] = mapped_column(String(12), default=None)


class Alarm(Base):
    """One alarm per elder and kind while open: `open_key` is "elder:kind" while open, NULL after.

    The unique constraint on open_key (NULLs never collide, on SQLite and PostgreSQL alike) makes
    the one-open-alarm rule hold under concurrent inserts: the loser's insert does nothing and it
    updates the winner's row instead.
    """

    __tablename__ = "eldercare_alarms"
    __table_args__ = (
        Index("ix_eldercare_alarms_due", "status", "next_escalation_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("eldercare_elders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(12), default="normal")  # normal | urgent | emergency
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    repeat_count: Mapped[int] = mapped_column(Integer, default=1)
    raised_at: Mapped[datetime]
    last_event_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str] = mapped_column(String(100), default="")
    ack_via: Mapped[str] = mapped_column(String(12), default="")  # link | app
    on_scene_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Escalation: index of the chain step last called; when the next one is due (None: stopped).
    step: Mapped[int] = mapped_column(Integer, default=-1)
    next_escalation_at: Mapped[datetime | None] = mapped_column(default=None)
    emergency_at: Mapped[datetime | None] = mapped_column(default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)


class AlarmCall(Base):
    """One step of the chain: who was called, how, by when they must answer, whether they did."""

    __tablename__ = "eldercare_alarm_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("eldercare_alarms.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    name: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(400))
    called_at: Mapped[datetime]
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    # The message that called them; the unit of work inserts it first and fills the key (no extra flush).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), default=None)
    outbox: Mapped[OutboxMessage | None] = relationship()
    # SHA-256 of the one-time acknowledgement token sent in the link; cleared once used.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class ElderCareConfig(Base):
    """Escalation deadlines, detector thresholds and the emergency (120) channel; one row (id 1)."""

    __tablename__ = "eldercare_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_ack_seconds: Mapped[int] = mapped_column(Integer, default=120)
    family_ack_seconds: Mapped[int] = mapped_column(Integer, default=180)
    buddy_ack_seconds: Mapped[int] = mapped_column(Integer, default=180)
    grid_ack_seconds: Mapped[int] = mapped_column(Integer, default=300)
    emergency_channel: Mapped[str] = mapped_column(String(16), default="console")
    emergency_recipient: Mapped[str] = mapped_column(String(400), default="120:dispatch")
    inactivity_minutes: Mapped[int] = mapped_column(Integer, default=180)
    day_start_hour: Mapped[int] = mapped_column(Integer, default=8)
    day_end_hour: Mapped[int] = mapped_column(Integer, default=20)
    low_battery_percent: Mapped[float] = mapped_column(Float, default=15.0)
    impact_g: Mapped[float] = mapped_column(Float, default=2.5)
    still_readings: Mapped[int] = mapped_column(Integer, default=5)
    baseline_k: Mapped[float] = mapped_column(Float, default=4.0)
    baseline_consecutive: Mapped[int] = mapped_column(Integer, default=3)
    base_url: Mapped[str] = mapped_column(String(200), default="http://127.0.0.1:8000")
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
