"""Volunteer teams, members, patrol shifts, swaps, hours and patrol reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

__all__ = ["Base", "PatrolReport", "PatrolShift", "ShiftSwap", "VolunteerHours", "VolunteerMember", "VolunteerTeam"]

SHIFT_STATUSES = ("scheduled", "checked_in", "completed", "missed", "cancelled")
SWAP_STATUSES = ("pending", "accepted", "declined", "cancelled")
REPORT_KINDS = ("report", "warning")
REPORT_STATUSES = ("recorded", "pending_review", "case_created", "dismissed")


class VolunteerTeam(Base):
    __tablename__ = "volunteer_teams"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # How far outside the shift's area a check-in may be (GPS error, the street just outside).
    checkin_radius_m: Mapped[int] = mapped_column(Integer, default=200)
    # How early before the start a check-in is accepted.
    checkin_early_min: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime]


class VolunteerMember(Base):
    __tablename__ = "volunteer_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime]


class PatrolShift(Base):
    """One volunteer's patrol: when, where (an area, usually a grid) and which route."""

    __tablename__ = "patrol_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    route: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)
    checkin_lat: Mapped[float | None] = mapped_column(default=None)
    checkin_lng: Mapped[float | None] = mapped_column(default=None)
    checkin_distance_m: Mapped[int | None] = mapped_column(Integer, default=None)
    checked_out_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class ShiftSwap(Base):
    """Hand a shift to another member, or exchange it for theirs (`their_shift_id`)."""

    __tablename__ = "shift_swaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id", ondelete="CASCADE"), index=True)
    their_shift_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_shifts.id"), default=None)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class VolunteerHours(Base):
    """Time credited for one shift; one row per shift, so a shift is never credited twice."""

    __tablename__ = "volunteer_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    how: Mapped[str] = mapped_column(String(12))  # "checkout" | "auto" (no check-out by the grace period)
    credited_at: Mapped[datetime]


class PatrolReport(Base):
    """What a volunteer saw: a plain patrol log entry, or an early warning that becomes a case."""

    __tablename__ = "patrol_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_shifts.id"), default=None)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(default=None)
    lng: Mapped[float | None] = mapped_column(default=None)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
