"""Owners, floor areas and owners' ballots (业主表决, Civil Code art. 278).

Areas are stored as whole hundredths of a square metre (`area_centi`): exact on SQLite and
PostgreSQL alike (SQLite has no decimal type), and property certificates give two decimals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

__all__ = ["Ballot", "BallotElector", "BallotVote", "Base", "Building", "Estate", "Owner", "PropertyUnit"]

BALLOT_STATUSES = ("draft", "open", "closed")
CHANNELS = ("online", "paper")


class Estate(Base):
    """A residential estate (小区) in a community; its owners form one owners' assembly."""

    __tablename__ = "ballot_estates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime]


class Building(Base):
    __tablename__ = "ballot_buildings"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("ballot_estates.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]


class Owner(Base):
    """An owner (业主) of one or more units of an estate; one owner counts once, with the summed area.

    Co-owners of a unit (spouses) are one owner record: art. 278 counts owners, and the
    register gives each unit one voting owner.
    """

    __tablename__ = "ballot_owners"
    __table_args__ = (UniqueConstraint("estate_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("ballot_estates.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    # The resident account that votes online for this owner (None: paper only).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    created_at: Mapped[datetime]


class PropertyUnit(Base):
    """A unit (房屋) with its exclusive floor area (专有部分面积)."""

    __tablename__ = "ballot_units"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("ballot_buildings.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    area_centi: Mapped[int] = mapped_column(BigInteger)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ballot_owners.id"), index=True)
    created_at: Mapped[datetime]


class Ballot(Base):
    """One ballot on one art. 278 matter, for an estate or one building of it.

    The electorate (owners and their areas) is frozen when the ballot opens (BallotElector), so a
    unit sold mid-ballot changes neither the totals nor who may vote.
    """

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("ballot_estates.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_buildings.id"), default=None)
    matter: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), index=True)
    opens_at: Mapped[datetime | None] = mapped_column(default=None)
    closes_at: Mapped[datetime | None] = mapped_column(index=True, default=None)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    total_area_centi: Mapped[int] = mapped_column(BigInteger, default=0)
    total_owners: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # The evaluation at close: conditions with their figures (fractions as "n/d" strings).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class BallotElector(Base):
    """An owner entitled to vote in a ballot, with the area they held when it opened."""

    __tablename__ = "ballot_electors"
    __table_args__ = (UniqueConstraint("ballot_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ballot_owners.id"), index=True)
    area_centi: Mapped[int] = mapped_column(BigInteger)


class BallotVote(Base):
    """One vote per owner per ballot (the unique constraint is the last line of defence; the
    ballot row lock taken by the service is the first)."""

    __tablename__ = "ballot_votes"
    __table_args__ = (UniqueConstraint("ballot_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ballot_owners.id"), index=True)
    choice: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    area_centi: Mapped[int] = mapped_column(BigInteger)
    # Online: the resident who voted. Paper: the staff member who recorded it, and the paper's number.
    voter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    paper_ref: Mapped[str] = mapped_column(String(60), default="")
    cast_at: Mapped[datetime]
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    corrected_at: Mapped[datetime | None] = mapped_column(default=None)
