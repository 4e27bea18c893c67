"""Disputes, parties, mediators, sessions, evidence, outcomes and the risk registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

TYPES = (
    "family",
    "neighbor",
    "land_housing",
    "property_mgmt",
    "labor",
    "consumer",
    "traffic",
    "medical",
    "demolition",
    "environment",
    "debt_contract",
    "other",
)
RISKS = ("low", "medium", "high")
TIERS = ("village", "town", "city")
# Which tier handles which risk (DOMAIN.md).
TIER_FOR_RISK = {"low": "village", "medium": "town", "high": "city"}
# Area level a mediator of each tier works at.
LEVEL_FOR_TIER = {"village": "community", "town": "street", "city": "district"}
# A village (村) sits at the community level of the area tree.
TIER_FOR_LEVEL = {"community": "village", "village": "village", "street": "town", "district": "city"}
PARTY_ROLES = ("applicant", "respondent", "other")
# waiting: no mediator yet; assigned: first-contact clock runs; in_mediation: contacted;
# concluded statuses: agreement, failed, withdrawn.
STATUSES = ("waiting", "assigned", "in_mediation", "agreement", "failed", "withdrawn")
OPEN_STATUSES = ("waiting", "assigned", "in_mediation")
OUTCOMES = ("agreement", "failed", "withdrawn")
REFERRALS = ("court", "arbitration", "none")


class Mediator(Base):
    """A people's mediator's profile: tier, specialties, caseload limit, availability."""

    __tablename__ = "mediators"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    tier: Mapped[str] = mapped_column(String(10), index=True)
    # The area whose disputes this mediator takes (community, street or district).
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    specialties: Mapped[list[Any]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime]


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # The resident the dispute belongs to (self-filed, or named by staff at phone intake).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web | api | phone
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False), default=None)
    people: Mapped[int] = mapped_column(Integer, default=2)
    prior_attempts: Mapped[str] = mapped_column(Text, default="")
    repeats: Mapped[int] = mapped_column(Integer, default=0)

    # Triage (machine, or a mediator's correction).
    type: Mapped[str] = mapped_column(String(20), index=True)
    risk: Mapped[str] = mapped_column(String(8), index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    type_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)

    # Routing and matching.
    status: Mapped[str] = mapped_column(String(16), index=True)
    tier: Mapped[str] = mapped_column(String(10), index=True)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediators.id"), index=True, default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    match_cost: Mapped[float | None] = mapped_column(Float, default=None)
    match_reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_contact_due_at: Mapped[datetime | None] = mapped_column(default=None)
    first_contact_at: Mapped[datetime | None] = mapped_column(default=None)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    # When the running first-contact clock next escalates (the deadline, then one period per miss).
    escalate_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the sweep next looks at it (waiting: batch matching; assigned: the first-contact clock).
    next_check_at: Mapped[datetime | None] = mapped_column(index=True, default=None)

    # Outcome.
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    referred_to: Mapped[str] = mapped_column(String(12), default="")
    agreement_terms: Mapped[str] = mapped_column(Text, default="")
    concluded_at: Mapped[datetime | None] = mapped_column(default=None)
    followup_due_at: Mapped[datetime | None] = mapped_column(index=True, default=None)
    followup_done_at: Mapped[datetime | None] = mapped_column(default=None)
    followup_note: Mapped[str] = mapped_column(Text, default="")


class DisputeParty(Base):
    """A party: personal data shown masked unless the reader's role needs it."""

    __tablename__ = "dispute_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    id_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    # Registry keys, so history is found without reading personal data back.
    household_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    person_key: Mapped[str] = mapped_column(String(64), default="", index=True)


class MediationSession(Base):
    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class Evidence(Base):
    """A file kept with its SHA-256; the hash is also written into the audit chain."""

    __tablename__ = "mediation_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class RiskVisit(Base):
    """A proactive visit (提前走访) to a registry entry."""

    __tablename__ = "risk_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))  # household | person | place
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True, default=None)
    visited_at: Mapped[datetime]
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
