"""Mediation routes under /api/v1/mediation: thin — an auth dependency, a service call, a view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi import Path as FPath
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import service as accounts
from gongzhi.auth.deps import CurrentUser, require_roles
from gongzhi.auth.models import User
from gongzhi.errors import Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.http import LangDep, NowDep, SessionDep
from gongzhi.mediation import agreement, registry, service
from gongzhi.mediation.models import Dispute, Mediator
from gongzhi.mediation.schemas import (
    ContactIn,
    CorrectionIn,
    DisputeId,
    DisputeIn,
    DisputeOut,
    DisputeType,
    EvidenceOut,
    FollowupIn,
    MatchOut,
    MediatorIn,
    MediatorOut,
    OutcomeIn,
    PartyOut,
    RegistryEntryOut,
    SessionIn,
    SessionOut,
    SweepOut,
    TriageOut,
    VisitIn,
)

router = APIRouter(prefix="/api/v1/mediation", tags=["mediation"])
Supervisor = Annotated[User, Depends(require_roles("admin", "official"))]
EvidenceId = Annotated[int, FPath(ge=1, le=2**31 - 1)]


def dispute_out(session: Session, user: User, d: Dispute, now: datetime, *, reveal: bool = False) -> DisputeOut:
    grid = geo.get_area_by_id(session, d.grid_id)
    mediator = service.mediator_user(session, d)
    seqs = service.evidence_audit_seqs(session, d)
    return DisputeOut(
        id=d.id, case_id=d.case_id, number=service.dispute_number(d), status=d.status, created_at=d.created_at,
        grid=grid.code, address=d.address if reveal else service.mask_address(d.address),
        description=d.description, amount=d.amount, people=d.people, prior_attempts=d.prior_attempts,
        triage=TriageOut(type=d.type, risk=d.risk, confidence=d.confidence, reasons=[str(r) for r in d.reasons],
                         corrected=d.corrected),
        match=MatchOut(mediator_id=d.mediator_id, mediator_name=service.name_of(mediator) if mediator else "",
                       tier=d.tier, cost=d.match_cost, terms=dict(d.match_reasons)),
        first_contact_due_at=d.first_contact_due_at, first_contact_at=d.first_contact_at,
        overdue=service.is_overdue(d, now), escalations=d.escalations,
        parties=[PartyOut(id=p.id, role=p.role, name=p.name, phone=p.phone, id_number=p.id_number, address=p.address,
                          masked=p.masked)
                 for p in service.party_views(session, user=user, dispute=d, now=now, reveal=reveal)],
        sessions=[SessionOut(id=s.id, held_at=s.held_at, place=s.place, attendees=s.attendees, notes=s.notes)
                  for s in service.sessions_of(session, d)],
        evidence=[EvidenceOut(id=e.id, filename=e.filename, content_type=e.content_type, size=e.size, sha256=e.sha256,
                              created_at=e.created_at, audit_seq=seqs.get(e.id))
                  for e in service.evidence_of(session, d)],
        outcome_note=d.outcome_note, referred_to=d.referred_to, agreement_terms=d.agreement_terms,
        concluded_at=d.concluded_at, followup_due_at=d.followup_due_at, followup_done_at=d.followup_done_at,
    )


@router.post("/disputes", response_model=DisputeOut, status_code=status.HTTP_201_CREATED,
             summary="登记纠纷 File a dispute")
def file_dispute(body: DisputeIn, user: CurrentUser, session: SessionDep, now: NowDep) -> DisputeOut:
    d = service.file_dispute(session, actor=user, data=body, now=now, channel="api")
    return dispute_out(session, user, d, now)


@router.get("/disputes", response_model=list[DisputeOut], summary="纠纷列表 Disputes in scope")
def list_disputes(
    user: CurrentUser, session: SessionDep, now: NowDep, status_: Annotated[str | None, Query(alias="status")] = None,
    tier: Annotated[str | None, Query(pattern="^(village|town|city)$")] = None, type: DisputeType | None = None,
    overdue: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> list[DisputeOut]:
    rows, _ = service.list_disputes(session, user, status=status_, tier=tier, type=type,
                                    overdue_at=now if overdue else None, limit=limit, offset=offset)
    return [dispute_out(session, user, d, now) for d in rows]


@router.get("/disputes/{dispute_id}", response_model=DisputeOut, summary="纠纷详情 A dispute")
def get_dispute(dispute_id: DisputeId, user: CurrentUser, session: SessionDep, now: NowDep,
                reveal: bool = False) -> DisputeOut:
    d = service.get_dispute(session, user, dispute_id)
    return dispute_out(session, user, d, now, reveal=reveal)


@router.post("/disputes/{dispute_id}/correction", response_model=DisputeOut,
             summary="修正类型/风险 Correct the triage")
def correct(dispute_id: DisputeId, body: CorrectionIn, user: CurrentUser, session: SessionDep,
            now: NowDep) -> DisputeOut:
    d = service.correct_triage(session, user=user, dispute_id=dispute_id, type=body.type, risk=body.risk, now=now,
                               note=body.note)
    return dispute_out(session, user, d, now)


@router.post("/disputes/{dispute_id}/contact", response_model=DisputeOut, summary="首次联系 First contact")
def contact(dispute_id: DisputeId, body: ContactIn, user: CurrentUser, session: SessionDep,
            now: NowDep) -> DisputeOut:
    d = service.record_contact(session, user=user, dispute_id=dispute_id, now=now, note=body.note)
    return dispute_out(session, user, d, now)


@router.post("/disputes/{dispute_id}/sessions", response_model=SessionOut, status_code=status.HTTP_201_CREATED,
             summary="调解记录 Record a session")
def add_session(dispute_id: DisputeId, body: SessionIn, user: CurrentUser, session: SessionDep,
                now: NowDep) -> SessionOut:
    s = service.add_session(session, user=user, dispute_id=dispute_id, held_at=body.held_at, place=body.place,
                            attendees=body.attendees, notes=body.notes, now=now)
    return SessionOut(id=s.id, held_at=s.held_at, place=s.place, attendees=s.attendees, notes=s.notes)


@router.post("/disputes/{dispute_id}/evidence", response_model=EvidenceOut, status_code=status.HTTP_201_CREATED,
             summary="上传证据 Upload evidence (multipart field `file`)")
async def add_evidence(dispute_id: DisputeId, request: Request, user: CurrentUser, session: SessionDep,
                       now: NowDep) -> EvidenceOut:
    form = await request.form(max_files=1)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Invalid("mediation_evidence_empty")
    data = await upload.read(service.EVIDENCE_MAX_BYTES + 1)
    e = service.add_evidence(session, user=user, dispute_id=dispute_id, filename=upload.filename or "evidence",
                             content_type=upload.content_type or "", data=data, now=now)
    d = session.get_one(Dispute, dispute_id)
    return EvidenceOut(id=e.id, filename=e.filename, content_type=e.content_type, size=e.size, sha256=e.sha256,
                       created_at=e.created_at, audit_seq=service.evidence_audit_seqs(session, d).get(e.id))


@router.get("/disputes/{dispute_id}/evidence/{evidence_id}", summary="下载证据 Download evidence")
def get_evidence(dispute_id: DisputeId, evidence_id: EvidenceId, user: CurrentUser, session: SessionDep) -> Response:
    e = service.get_evidence(session, user=user, dispute_id=dispute_id, evidence_id=evidence_id)
    return Response(e.data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(e.filename)}", "X-Content-SHA256": e.sha256})


@router.post("/disputes/{dispute_id}/outcome", response_model=DisputeOut, summary="调解结果 Conclude")
def outcome(dispute_id: DisputeId, body: OutcomeIn, user: CurrentUser, session: SessionDep,
            now: NowDep) -> DisputeOut:
    d = service.conclude(session, user=user, dispute_id=dispute_id, outcome=body.outcome, now=now, note=body.note,
                         terms=body.terms, referred_to=body.referred_to)
    return dispute_out(session, user, d, now)


@router.post("/disputes/{dispute_id}/followup", response_model=DisputeOut, summary="回访 Follow-up visit")
def followup(dispute_id: DisputeId, body: FollowupIn, user: CurrentUser, session: SessionDep,
             now: NowDep) -> DisputeOut:
    d = service.record_followup(session, user=user, dispute_id=dispute_id, note=body.note, now=now)
    return dispute_out(session, user, d, now)


@router.get("/disputes/{dispute_id}/agreement.pdf", summary="调解协议书 PDF")
def agreement_pdf(dispute_id: DisputeId, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    doc = agreement.build(session, user=user, dispute_id=dispute_id, now=now)
    data = agreement.pdf(doc)
    if data is None:
        raise NotFound("not_found")
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={doc.number}.pdf"})


@router.get("/mediators", response_model=list[MediatorOut], summary="调解员 Mediators")
def mediators(user: Supervisor, session: SessionDep) -> list[MediatorOut]:
    loads = service.mediator_loads(session)
    out = []
    for m in session.scalars(select(Mediator).order_by(Mediator.tier, Mediator.id)):
        person = session.get_one(User, m.user_id)
        area = geo.get_area_by_id(session, m.area_id)
        out.append(MediatorOut(id=m.id, user_id=m.user_id, name=service.name_of(person), tier=m.tier, area=area.code,
                               specialties=list(m.specialties), capacity=m.capacity, load=loads.get(m.id, 0),
                               available=m.available))
    return out


@router.put("/mediators", response_model=MediatorOut, summary="设置调解员 Set a mediator's profile")
def put_mediator(body: MediatorIn, user: Supervisor, session: SessionDep, now: NowDep) -> MediatorOut:
    person = accounts.get_user_by_username(session, body.username)
    if person is None:
        raise Invalid("mediation_not_a_mediator", username=body.username)
    m = service.upsert_mediator(session, actor=user, user=person, now=now, specialties=body.specialties,
                                capacity=body.capacity, available=body.available)
    area = geo.get_area_by_id(session, m.area_id)
    return MediatorOut(id=m.id, user_id=m.user_id, name=service.name_of(person), tier=m.tier, area=area.code,
                       specialties=list(m.specialties), capacity=m.capacity,
                       load=service.mediator_loads(session).get(m.id, 0), available=m.available)


@router.post("/match", response_model=SweepOut, summary="立即批量分派 Match waiting disputes now")
def match_now(user: Supervisor, session: SessionDep, now: NowDep) -> SweepOut:
    return SweepOut(done=service.assign_waiting(session, now))


def _entry_out(e: registry.Entry, session: Session) -> RegistryEntryOut:
    grid = geo.get_area_by_id(session, e.grid_id).code if e.grid_id else ""
    return RegistryEntryOut(kind=e.kind, key=e.key, label=e.label, grid=grid, score=e.score, reasons=e.reasons,
                            disputes=e.disputes, last_visit_at=e.last_visit_at)


RegistryUser = Annotated[User, Depends(require_roles("admin", "official", "grid_worker", "mediator"))]


@router.get("/registry", response_model=list[RegistryEntryOut], summary="风险名册 Risk registry")
def risk_registry(user: RegistryUser, session: SessionDep, now: NowDep, lang: LangDep,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[RegistryEntryOut]:
    return [_entry_out(e, session) for e in registry.scores(session, user, now, lang=lang)[:limit]]


@router.get("/registry/visits", response_model=list[RegistryEntryOut], summary="本周走访清单 This week's visits")
def visit_list(user: RegistryUser, session: SessionDep, now: NowDep, lang: LangDep,
               reveal: bool = False) -> list[RegistryEntryOut]:
    return [_entry_out(e, session) for e in registry.visit_list(session, user, now, lang=lang, reveal=reveal)]


@router.post("/registry/visits", status_code=status.HTTP_201_CREATED, summary="记录走访 Record a visit")
def record_visit(body: VisitIn, user: RegistryUser, session: SessionDep, now: NowDep) -> dict[str, int]:
    v = registry.record_visit(session, user=user, kind=body.kind, key=body.key, note=body.note, now=now)
    return {"id": v.id}

