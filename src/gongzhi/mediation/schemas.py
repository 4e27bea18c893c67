"""API shapes for disputes, mediators, sessions, outcomes and the risk registry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

DisputeType = Literal[
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
]
Risk = Literal["low", "medium", "high"]
PartyRole = Literal["applicant", "respondent", "other"]
DisputeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: PartyRole
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32)
    id_number: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=300)


class DisputeIn(BaseModel):
    """A dispute. Give a location (lat/lng, WGS84) or a grid code; at least an applicant and a respondent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=4, max_length=4000)
    parties: list[PartyIn] = Field(min_length=2, max_length=30)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    grid_code: str | None = Field(default=None, max_length=32)
    address: str = Field(default="", max_length=300)
    amount: float | None = Field(default=None, ge=0, le=1e11, description="涉及金额（元）")
    people: int = Field(default=2, ge=1, le=100000, description="涉及人数")
    prior_attempts: str = Field(default="", max_length=2000, description="此前调处经过")
    # Phone intake: staff file on a resident's behalf and may name the resident's account.
    resident_username: str | None = Field(default=None, max_length=64)


class PartyOut(BaseModel):
    id: int
    role: str
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool


class TriageOut(BaseModel):
    type: str
    risk: str
    confidence: float
    reasons: list[str]
    corrected: bool


class MatchOut(BaseModel):
    mediator_id: int | None
    mediator_name: str
    tier: str
    cost: float | None
    terms: dict[str, Any]


class SessionOut(BaseModel):
    id: int
    held_at: datetime
    place: str
    attendees: str
    notes: str


class EvidenceOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    audit_seq: int | None


class DisputeOut(BaseModel):
    id: int
    case_id: int
    number: str
    status: str
    created_at: datetime
    grid: str
    address: str
    description: str
    amount: float | None
    people: int
    prior_attempts: str
    triage: TriageOut
    match: MatchOut
    first_contact_due_at: datetime | None
    first_contact_at: datetime | None
    overdue: bool
    escalations: int
    parties: list[PartyOut]
    sessions: list[SessionOut]
    evidence: list[EvidenceOut]
    outcome_note: str
    referred_to: str
    agreement_terms: str
    concluded_at: datetime | None
    followup_due_at: datetime | None
    followup_done_at: datetime | None


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: DisputeType
    risk: Risk
    note: str = Field(default="", max_length=1000)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(default="", max_length=2000)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    held_at: datetime
    place: str = Field(min_length=1, max_length=200)
    attendees: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=8000)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["agreement", "failed", "withdrawn"]
    note: str = Field(default="", max_length=4000)
    terms: str = Field(default="", max_length=8000, description="agreement: 协议内容")
    referred_to: Literal["court", "arbitration", "none"] = "none"


class FollowupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=2000)


class MediatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    specialties: list[DisputeType] = Field(default_factory=list, max_length=12)
    capacity: int = Field(default=8, ge=1, le=200)
    available: bool = True


class MediatorOut(BaseModel):
    id: int
    user_id: int
    name: str
    tier: str
    area: str
    specialties: list[str]
    capacity: int
    load: int
    available: bool


class RegistryEntryOut(BaseModel):
    kind: str
    key: str
    label: str
    grid: str
    score: float
    reasons: list[str]
    disputes: int
    last_visit_at: datetime | None


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["household", "person", "place"]
    key: str = Field(min_length=1, max_length=64)
    note: str = Field(min_length=1, max_length=2000)


class SweepOut(BaseModel):
    done: int
