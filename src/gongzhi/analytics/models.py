"""Analytics tables: the household register (户籍/住户登记) and resident surveys (满意度, 安全感).

Anonymity of answers: a response carries the community and grid it came from, never the household
or the invitation, so nobody reading the tables can tell which household gave which score. The
invitation only records that (and roughly when) its household answered, to stop a second answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

SURVEY_KINDS = ("satisfaction", "safety")
SURVEY_STATUSES = ("draft", "open", "closed")
SAMPLE_MODES = ("fixed", "proportional")


class Household(Base):
    """One dwelling (户) in one grid; `code` is its house number (门牌号), unique within the grid."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("grid_id", "code", name="uq_households_grid_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    head_name: Mapped[str] = mapped_column(String(100))
    head_phone: Mapped[str] = mapped_column(String(32), default="")  # digits only ("" if none)
    members: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Resident(Base):
    """A person living in a household, optionally linked to their account."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)  # digits only
    id_number: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # satisfaction | safety
    title: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)  # a street or a community
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    sample_mode: Mapped[str] = mapped_column(String(16), default="fixed")  # fixed n per community | proportional
    sample_size: Mapped[int] = mapped_column(Integer, default=30)  # per community (fixed) or in all (proportional)
    seed: Mapped[int] = mapped_column(Integer, default=0)  # the sample is reproducible from it
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class SurveyInvitation(Base):
    """A sampled household's one-time link; only the SHA-256 of the token is kept."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "household_id", name="uq_survey_invitations_household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime]
    # Truncated to the hour: enough to know it was used, too coarse to pair with a response's time.
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class SurveyResponse(Base):
    """One anonymous answer: where it came from (community, grid), never which household."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_grid_time", "grid_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # copied from the survey for the stats
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    score: Mapped[int] = mapped_column(Integer)  # 0–100
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # question code -> 1..5
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
