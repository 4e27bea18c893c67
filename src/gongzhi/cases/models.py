"""Cases, their categories, SLA policies, the working-day calendar and co-handling units."""

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
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

PRIORITIES = ("P1", "P2", "P3", "P4")
SLA_UNITS = ("minutes", "working_days")
SOURCES = ("citizen", "open311", "staff", "dispute", "sensing", "eldercare", "council", "volunteer")
STATUSES = (
    "new",
    "dispatched",
    "accepted",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
    "duplicate",
    "reopened",
)
OPEN_STATUSES = ("new", "dispatched", "accepted", "in_progress", "reopened")
TERMINAL_STATUSES = ("closed", "rejected", "duplicate")


class SlaPolicy(Base):
    """Default clocks per priority (DOMAIN.md); a category may override them."""

    __tablename__ = "sla_policies"

    priority: Mapped[str] = mapped_column(String(2), primary_key=True)
    accept_amount: Mapped[int] = mapped_column(Integer)
    accept_unit: Mapped[str] = mapped_column(String(16))
    resolve_amount: Mapped[int] = mapped_column(Integer)
    resolve_unit: Mapped[str] = mapped_column(String(16))


class CalendarDay(Base):
    """Exceptions to Monday–Friday: public holidays (is_workday=False) and make-up workdays (调休, True)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    # Routing: the unit of this kind whose jurisdiction is nearest above the case's grid.
    unit_kind: Mapped[str] = mapped_column(String(32))
    default_priority: Mapped[str] = mapped_column(String(2))
    # Overrides of the priority's SLA policy; None = use the policy.
    accept_amount: Mapped[int | None] = mapped_column(Integer, default=None)
    accept_unit: Mapped[str | None] = mapped_column(String(16), default=None)
    resolve_amount: Mapped[int | None] = mapped_column(Integer, default=None)
    resolve_unit: Mapped[str | None] = mapped_column(String(16), default=None)
    # Extra questions, Open311 attribute definitions: [{code, datatype, required, description, values}].
    attributes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Which sources may use it; internal categories (e.g. dispute, elder alarm) are not offered to residents.
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20), index=True)
    # The feeding module's own id (a dispute, a device, an alarm), or an Open311 token.
    external_ref: Mapped[str] = mapped_column(String(100), default="", index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(default=None)
    lng: Mapped[float | None] = mapped_column(default=None)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True, default=None)

    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    reporter_phone: Mapped[str] = mapped_column(String(32), default="")

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True, default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)

    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)
    accept_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolve_due_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    # 督办: each missed clock climbs one level up the area tree from the grid.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalation_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the sweep next looks at this case; None once nothing can be missed.
    next_check_at: Mapped[datetime | None] = mapped_column(index=True, default=None)

    resolution_note: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The reporter chose to stay anonymous to the public (staff still see who reported).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Moderation: abusive text is kept for staff and the audit trail, but not shown publicly.
    description_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The rating questionnaire's "was it fixed?" answer; None until rated.
    rating_fixed: Mapped[bool | None] = mapped_column(Boolean, default=None)


class CaseMedia(Base):
    """A photo attached to a case: re-encoded, EXIF (and GPS) stripped, bytes kept in the database.

    In the database rather than on disk so a photo commits or rolls back with its case (no orphan
    files from refused reports) and a database backup is a complete backup; at most 3 photos of
    at most ~1 MB each after re-encoding per case keeps that cheap.
    """

    __tablename__ = "case_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the stored (re-encoded) bytes, and of the upload as received (same photo sent twice).
    sha256: Mapped[str] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class CaseUnit(Base):
    """协办: units helping the lead unit; they see the case and add to its timeline."""

    __tablename__ = "case_units"
    __table_args__ = (UniqueConstraint("case_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
