"""POST /api/v1/mediation/triage: dispute type and risk tier from text.

Any staff account may ask (residents get 403: triage is a tool for whoever takes a dispute
in, and its reasons name red flags a party should not be shown). Mediators, admins and
officials may also store a correction, which the next `gongzhi triage retrain` learns from.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from gongzhi.auth.deps import require_roles
from gongzhi.auth.models import ROLES, User
from gongzhi.http import NowDep, SessionDep
from gongzhi.mediation import triage_messages  # noqa: F401  (registers the messages)
from gongzhi.mediation.triage import MAX_TEXT, TIER_NAMES, TYPE_NAMES, current_model
from gongzhi.mediation.triage_service import model_info, record_correction, triage_text

router = APIRouter(prefix="/api/v1/mediation", tags=["mediation"])

STAFF_ROLES = tuple(r for r in ROLES if r != "resident")
CORRECTOR_ROLES = ("mediator", "admin", "official")
Staff = Annotated[User, Depends(require_roles(*STAFF_ROLES))]
Corrector = Annotated[User, Depends(require_roles(*CORRECTOR_ROLES))]

TypeCode = Literal[
    "family", "neighbor", "land_housing", "property_mgmt", "labor", "consumer",
    "traffic", "medical", "demolition", "environment", "debt_contract", "other",
]
Tier = Literal["low", "medium", "high"]


class TriageIn(BaseModel):
    # Length is checked by the service so the 422 names the limit in the caller's language;
    # the schema bound only stops absurd bodies early.
    text: str = Field(max_length=MAX_TEXT * 4, description="纠纷描述（居民原话）")
    amount: Decimal | None = Field(default=None, description="涉及金额（元）", max_digits=14, decimal_places=2)
    people: int | None = Field(default=None, description="涉及人数", le=1_000_000)
    repeats: int = Field(default=0, description="此前发生过几次", le=10_000)


class TriageOut(BaseModel):
    type: TypeCode
    type_name: str
    risk: Tier
    risk_name: str
    confidence: float
    reasons: list[str]
    type_scores: dict[str, float]
    model_version: int


class CorrectionIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT * 4)
    type: TypeCode
    risk: Tier
    dispute_case_id: int | None = None


class CorrectionOut(BaseModel):
    id: int
    type: str
    risk: str
    predicted_type: str
    predicted_risk: str


@router.post("/triage", response_model=TriageOut, summary="纠纷智能分诊 Triage a dispute description")
def triage_endpoint(body: TriageIn, user: Staff, session: SessionDep) -> TriageOut:
    result = triage_text(session, body.text, amount=body.amount, people=body.people, repeats=body.repeats)
    return TriageOut(
        type=result.type,
        type_name=TYPE_NAMES[result.type],
        risk=result.risk,
        risk_name=TIER_NAMES[result.risk],
        confidence=result.confidence,
        reasons=result.reasons,
        type_scores=result.type_scores,
        model_version=current_model().version,
    )


@router.post(
    "/triage/corrections",
    response_model=CorrectionOut,
    status_code=status.HTTP_201_CREATED,
    summary="纠正分诊结果 Correct a triage (kept as a training example)",
)
def correct_endpoint(body: CorrectionIn, user: Corrector, session: SessionDep, now: NowDep) -> CorrectionOut:
    row = record_correction(
        session, text=body.text, type=body.type, risk=body.risk, by_user_id=user.id, now=now,
        dispute_case_id=body.dispute_case_id,
    )
    return CorrectionOut(
        id=row.id, type=row.type, risk=row.risk, predicted_type=row.predicted_type, predicted_risk=row.predicted_risk
    )


@router.get("/triage/model", summary="分诊模型版本与评估 Triage model version and scores")
def model_endpoint(user: Staff, session: SessionDep) -> dict[str, Any]:
    return model_info(session)
