"""Councils, seat groups, members, meetings, agenda items, attendance, motions, votes, action items.

Quotas are stored as whole per-mille points (500/300/200 of 1000) so they are exact and sum to
exactly 1000; `voting.py` turns them into fractions. A secret vote keeps who voted (one row per
member, so nobody votes twice) but not how: its `choice` is NULL and only the motion's per-group
counts hold the choices.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

QUOTA_SCALE = 1000
POSITIONS = ("chair", "vice_chair", "secretary", "member")
# Who may run a meeting (besides admins/officials of the area) and who may edit minutes.
RUNNER_POSITIONS = ("chair", "vice_chair", "secretary")
MEETING_STATES = ("scheduled", "noticed", "in_session", "closed", "minutes_published")
MEETING_KINDS = ("regular", "extraordinary")
ATTENDANCE_MODES = ("in_person", "online")
RECURRENCE_KINDS = ("nth_weekday", "day_of_month", "none")


class Council(Base):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # Quorum: present seat weight strictly above quorum_num/quorum_den of all seat weight.
    quorum_num: Mapped[int] = mapped_column(Integer, default=1)
    quorum_den: Mapped[int] = mapped_column(Integer, default=2)
    # Monthly recurrence: the nth weekday (week 1..4 or -1 = last; weekday 0 = Monday) or day N.
    recurrence: Mapped[str] = mapped_column(String(16), default="nth_weekday")
    recurrence_week: Mapped[int] = mapped_column(Integer, default=1)
    recurrence_weekday: Mapped[int] = mapped_column(Integer, default=1)
    recurrence_day: Mapped[int] = mapped_column(Integer, default=1)
    # Local (Asia/Shanghai) time of day of regular meetings, minutes after midnight.
    meeting_minute: Mapped[int] = mapped_column(Integer, default=19 * 60)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    location: Mapped[str] = mapped_column(String(200), default="")
    notice_days: Mapped[int] = mapped_column(Integer, default=3)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class SeatGroup(Base):
    __tablename__ = "council_seat_groups"
    __table_args__ = (UniqueConstraint("council_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    quota: Mapped[int] = mapped_column(Integer)  # per mille of all seat weight
    position: Mapped[int] = mapped_column(Integer, default=0)


class CouncilMember(Base):
    """A seat holder: an account, or a person recorded by name (their votes recorded by the secretary)."""

    __tablename__ = "council_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("council_seat_groups.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(16), default="member")
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), index=True, default="scheduled")
    noticed_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The quorum figures at opening: {"present": "7/10", "threshold": "1/2", "met": true}
    quorum_at_open: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_edited_at: Mapped[datetime | None] = mapped_column(default=None)
    minutes_published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class AgendaItem(Base):
    __tablename__ = "council_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Carried over automatically: an overdue action item the meeting must hear about first.
    # (No foreign key: action items refer to motions, which refer to agenda items; a cycle.)
    action_item_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    created_at: Mapped[datetime]


class AgendaDocument(Base):
    """A document for an agenda item: text, or an attached file (stored with its SHA-256)."""

    __tablename__ = "council_agenda_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("council_agenda_items.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime]


class Attendance(Base):
    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="in_person")
    checked_in_at: Mapped[datetime]


class Motion(Base):
    __tablename__ = "council_motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_agenda_items.id", ondelete="SET NULL"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(20))
    abstentions: Mapped[str] = mapped_column(String(10), default="excluded")
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), index=True, default="open")
    # The roll, fixed when the motion opens: {group_id: [member ids present and in term]}.
    roll: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Running counts per group, updated under the motion's row lock: {group_id: {yes, no, abstain}}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[str | None] = mapped_column(String(10), default=None)  # passed | failed
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class Vote(Base):
    """One per member per motion (the unique key is the last line of defence; the motion lock the first)."""

    __tablename__ = "council_votes"
    __table_args__ = (UniqueConstraint("motion_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("council_motions.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id"), index=True)
    choice: Mapped[str | None] = mapped_column(String(10), default=None)  # NULL on a secret ballot
    cast_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class ActionItem(Base):
    """A decision's follow-up; its progress is the status of the case it created."""

    __tablename__ = "council_action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("council_motions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
