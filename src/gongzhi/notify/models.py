"""Messages are written in the same transaction as the change that caused them; delivered at least once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

CHANNELS = ("console", "email", "webhook")
STATUSES = ("pending", "sent", "dead")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    # console: "user:42"; email: an address; webhook: the robot URL.
    recipient: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What it is about, for tests and the admin page: topic "case.escalated", ref "case:123".
    topic: Mapped[str] = mapped_column(String(60), index=True)
    ref: Mapped[str] = mapped_column(String(60), default="", index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # A sender leases a message while it delivers outside any transaction; an expired lease frees it.
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Subscription(Base):
    """A user follows a subject (e.g. the reporter of a duplicate follows the original case)."""

    __tablename__ = "subscriptions"
    # The unique key leads with user_id; the subject index serves "who follows this case / area"
    # (every case intake and every status change asks).
    __table_args__ = (
        UniqueConstraint("user_id", "subject_type", "subject_id"),
        Index("ix_subscriptions_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
