"""Elders, wearables, NEWS2 and alarms: thin routes over eldercare.service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

import gongzhi.eldercare.handlers  # noqa: F401  (registers the wearable handlers with devices)
from gongzhi.auth import pii
from gongzhi.auth.deps import CurrentUser, require_roles
from gongzhi.auth.models import User
from gongzhi.eldercare import news2, register_io, service
from gongzhi.eldercare.models import Alarm, Elder
from gongzhi.eldercare.schemas import (
    AlarmOut,
    CallOut,
    CloseIn,
    ConfigIn,
    ConsentIn,
    ElderIn,
    News2In,
    News2Out,
    WearableIn,
)
from gongzhi.errors import Invalid
from gongzhi.http import LangDep, NowDep, SessionDep

router = APIRouter(prefix="/api/v1/eldercare", tags=["eldercare"])

Staff = Annotated[User, Depends(require_roles(*service.STAFF_ROLES))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/news2", response_model=News2Out, summary="NEWS2 评分 Score vital signs")
def score(body: News2In, user: Staff) -> News2Out:
    values = body.model_dump(exclude={"spo2_scale"})
    if all(v is None for v in values.values()):
        raise Invalid("eldercare_news2_empty")
    try:
        result = news2.score_partial(**values, spo2_scale=body.spo2_scale)
    except ValueError as exc:
        raise Invalid("eldercare_news2_invalid", detail=str(exc)) from exc
    return News2Out(total=result.total, scores=result.scores, band=result.band, spo2_scale=result.spo2_scale,
                    missing=list(result.missing), complete=result.complete)


def _elder_data(body: ElderIn) -> service.ElderData:
    return service.ElderData(
        name=body.name, id_number=body.id_number, grid_code=body.grid_code, gender=body.gender, phone=body.phone,
        address=body.address, living_alone=body.living_alone, conditions=tuple(body.conditions),
        medications=tuple(body.medications), spo2_scale=body.spo2_scale, doctor_username=body.doctor_username,
        buddy_username=body.buddy_username,
        contacts=tuple(service.ContactData(name=c.name, relation=c.relation, phone=c.phone, username=c.username,
                                           is_guardian=c.is_guardian) for c in body.contacts),
    )


@router.post("/elders", status_code=status.HTTP_201_CREATED, summary="登记老人 Register an elder")
def create_elder(body: ElderIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    elder = service.create_elder(session, actor=user, data=_elder_data(body), now=now)
    return service.elder_view(session, user, elder, now)


@router.get("/elders", summary="我可见的老人 Elders in my scope")
def list_elders(user: CurrentUser, session: SessionDep, now: NowDep) -> list[dict[str, Any]]:
    elders = session.scalars(service.scoped_elders(session, user).order_by(Elder.id).limit(500)).all()
    # A list shows masked data; the unmasked record is one elder at a time (and logged).
    return [service.elder_view(session, user, e, now, log_read=False) | _list_mask(user, e) for e in elders]


def _list_mask(user: User, elder: Elder) -> dict[str, Any]:
    return {"name": elder.name if pii.can_read_pii(user) else pii.mask_name(elder.name),
            "id_number": pii.mask_id_number(elder.id_number), "phone": pii.mask_phone(elder.phone),
            "address": "", "contacts": [], "masked": True}


@router.get("/elders/{elder_id}", summary="老人档案 An elder")
def get_elder(elder_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    return service.elder_view(session, user, service.get_elder(session, user, elder_id), now)


@router.put("/elders/{elder_id}", summary="修改老人档案 Update an elder")
def update_elder(elder_id: Id, body: ElderIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    elder = service.get_elder(session, user, elder_id)
    elder = service.update_elder(session, actor=user, elder=elder, data=_elder_data(body), now=now)
    return service.elder_view(session, user, elder, now)


@router.post("/elders/{elder_id}/consents", status_code=status.HTTP_201_CREATED, summary="记录知情同意 Consent")
def add_consent(elder_id: Id, body: ConsentIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    elder = service.get_elder(session, user, elder_id)
    c = service.record_consent(session, actor=user, elder=elder, given_by=body.given_by, relation=body.relation,
                               scope=list(body.scope), now=now)
    return {"id": c.id, "given_by": c.given_by, "relation": c.relation, "scope": c.scope, "given_at": c.given_at}


@router.post("/elders/{elder_id}/wearables", status_code=status.HTTP_201_CREATED, summary="绑定手环 Bind a band")
def bind(elder_id: Id, body: WearableIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    elder = service.get_elder(session, user, elder_id)
    band = service.bind_wearable(session, actor=user, elder=elder, device_code=body.device_code, now=now)
    return {"device_code": band.device_code, "elder_id": band.elder_id, "bound_at": band.bound_at}


def alarm_out(session: Session, alarm: Alarm) -> AlarmOut:
    calls = service.calls_of(session, [alarm.id])[alarm.id]
    detail = {k: v for k, v in (alarm.detail or {}).items() if k != "values"}
    return AlarmOut(
        id=alarm.id, elder_id=alarm.elder_id, kind=alarm.kind, status=alarm.status, severity=alarm.severity,
        repeat_count=alarm.repeat_count, raised_at=alarm.raised_at, last_event_at=alarm.last_event_at,
        acknowledged_at=alarm.acknowledged_at, acknowledged_by=alarm.acknowledged_by, ack_via=alarm.ack_via,
        on_scene_at=alarm.on_scene_at, closed_at=alarm.closed_at, next_escalation_at=alarm.next_escalation_at,
        emergency_at=alarm.emergency_at, case_id=alarm.case_id, detail=detail,
        calls=[CallOut(step=c.step, role=c.role, name=c.name, channel=c.channel, called_at=c.called_at,
                       deadline=c.deadline, answered_at=c.answered_at) for c in calls],
    )


@router.get("/alarms", response_model=list[AlarmOut], summary="未处置告警 Open alarms")
def open_alarms(user: CurrentUser, session: SessionDep) -> list[AlarmOut]:
    return [alarm_out(session, a) for a in service.open_alarms(session, user)]


@router.get("/alarms/{alarm_id}", response_model=AlarmOut, summary="告警详情 An alarm")
def get_alarm(alarm_id: Id, user: CurrentUser, session: SessionDep) -> AlarmOut:
    return alarm_out(session, service.get_alarm(session, user, alarm_id))


@router.post("/alarms/{alarm_id}/ack", response_model=AlarmOut, summary="确认响应 Acknowledge")
def ack(alarm_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> AlarmOut:
    service.get_alarm(session, user, alarm_id)
    return alarm_out(session, service.acknowledge(session, actor=user, alarm_id=alarm_id, now=now))


@router.post("/alarms/{alarm_id}/on_scene", response_model=AlarmOut, summary="到场 On scene")
def arrive(alarm_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> AlarmOut:
    service.get_alarm(session, user, alarm_id)
    return alarm_out(session, service.on_scene(session, actor=user, alarm_id=alarm_id, now=now))


@router.post("/alarms/{alarm_id}/close", response_model=AlarmOut, summary="处置完毕或误报 Resolve")
def close(alarm_id: Id, body: CloseIn, user: CurrentUser, session: SessionDep, now: NowDep) -> AlarmOut:
    service.get_alarm(session, user, alarm_id)
    alarm = service.close(session, actor=user, alarm_id=alarm_id, outcome=body.outcome, note=body.note, now=now)
    return alarm_out(session, alarm)


@router.post("/alarms/{alarm_id}/visit", response_model=AlarmOut, summary="派单上门 File a visit case")
def visit(alarm_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> AlarmOut:
    service.get_alarm(session, user, alarm_id)
    return alarm_out(session, service.request_visit(session, actor=user, alarm_id=alarm_id, now=now))


@router.post("/ack/{token}", response_model=AlarmOut, summary="凭短信链接确认（免登录）Acknowledge by link")
def ack_by_link(token: Annotated[str, Path(min_length=8, max_length=200)], session: SessionDep,
                now: NowDep) -> AlarmOut:
    return alarm_out(session, service.acknowledge_by_token(session, token=token, now=now))


@router.get("/coverage", summary="服务覆盖率 Coverage per community")
def coverage(user: Staff, session: SessionDep, now: NowDep) -> list[dict[str, Any]]:
    return [{"community": r.community, "registered": r.registered, "covered": r.covered, "rate": r.rate}
            for r in service.coverage(session, user, now)]


@router.patch("/config", summary="告警配置 Escalation settings (admin)")
def set_config(body: ConfigIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    cfg = service.update_config(session, actor=user, changes=body.model_dump(exclude_none=True), now=now)
    return {k: getattr(cfg, k) for k in ConfigIn.model_fields}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 10 * 1024 * 1024


@router.post("/register/import", summary="导入老人登记表 Import the register (.xlsx, all or nothing)")
async def import_register(request: Request, user: CurrentUser, session: SessionDep, now: NowDep,
                          lang: LangDep) -> Response:
    """Body: the .xlsx file itself. 422 with every bad row (`rows`) and nothing written."""
    data = await request.body()
    if not data or len(data) > MAX_IMPORT_BYTES:
        raise Invalid("eldercare_import_not_xlsx", detail="empty or larger than 10 MB")
    # A bad row raises ImportRejected: the request rolls back and the app's error handler lists every row.
    report = register_io.import_xlsx(session, actor=user, data=data, now=now, lang=lang)
    return JSONResponse(status_code=201, content={"created": report.created})


@router.get("/register.xlsx", summary="导出老人登记表 Export the register (masked by role)")
def export_register(user: Staff, session: SessionDep, now: NowDep) -> Response:
    data = register_io.export_xlsx(session, viewer=user, now=now)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="elders.xlsx"', "Cache-Control": "no-store"})
