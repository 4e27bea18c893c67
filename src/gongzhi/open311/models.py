"""Open311 client applications, their API keys, and what each filed through the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base


class Open311Client(Base):
    """A client application (an app, another city system) with one API key; only the key's keyed hash is kept."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so an admin can tell keys apart in a list without the key.
    key_prefix: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(200), default="")
    # POSTs per rolling hour; 0 = no limit.
    rate_limit_per_hour: Mapped[int] = mapped_column(Integer, default=600)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Open311Request(Base):
    """One case filed through POST requests: which client filed it, its token, and the private
    contact fields the spec lets a client send (never shown in GET responses)."""

    __tablename__ = "open311_requests"
    __table_args__ = (Index("ix_open311_requests_client_created", "client_id", "created_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"))
    token: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime]
    email: Mapped[str] = mapped_column(String(200), default="")
    device_id: Mapped[str] = mapped_column(String(100), default="")
    account_id: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # A link the client gave (kept as a link: the server never fetches it).
    media_url: Mapped[str] = mapped_column(String(500), default="")
