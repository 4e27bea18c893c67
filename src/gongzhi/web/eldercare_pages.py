"""Elderly-care duty board, elder pages, coverage, and the no-login acknowledgement link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from plotly.subplots import make_subplots
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.clock import local
from gongzhi.eldercare import register_io, service
from gongzhi.eldercare.api import XLSX
from gongzhi.eldercare.models import Alarm, AlarmCall, Elder, Vital
from gongzhi.errors import AppError, Forbidden, Invalid, NotFound
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web import xlsx
from gongzhi.web.mapfig import figure_json
from gongzhi.web.pages import PLOTLY_URL, FormFields, PageUser
from gongzhi.web.render import countdown_text, now_of, redirect, render, set_flash, span_text

router = APIRouter(include_in_schema=False)

BOARD_ROLES = frozenset({"doctor", "grid_worker", "volunteer", "admin", "official", "dept_staff"})
ACTIONS = ("ack", "on_scene", "resolve", "false_alarm", "visit")
CHART_DAYS = 7


def _staff(user: User) -> None:
    if user.role not in BOARD_ROLES:
        raise Forbidden("forbidden")


@dataclass
class CallRow:
    role: str
    name: str
    called_at: datetime
    deadline: datetime | None
    answered_at: datetime | None


@dataclass
class AlarmRow:
    id: int
    elder_id: int
    elder_name: str
    grid: str
    kind: str
    status: str
    severity: str
    repeat_count: int
    raised_at: datetime
    detail: str
    next_at: datetime | None
    countdown: str
    overdue: bool
    exhausted: bool
    acknowledged_by: str
    emergency: bool
    case_id: int | None
    calls: list[CallRow]
    actions: list[str]


def _alarm_rows(session: Session, user: User, alarms: list[Alarm], now: datetime, lang: str) -> list[AlarmRow]:
    from gongzhi.auth import pii
    from gongzhi.geo.models import Area

    calls = service.calls_of(session, [a.id for a in alarms])
    elders = {e.id: e for e in session.scalars(select(Elder).where(Elder.id.in_({a.elder_id for a in alarms})))}
    grids = {g.id: g for g in session.scalars(select(Area).where(Area.id.in_({e.grid_id for e in elders.values()})))}
    full = pii.can_read_pii(user)
    rows = []
    for a in alarms:
        elder = elders[a.elder_id]
        grid = grids.get(elder.grid_id)
        actions = []
        if a.status == "active":
            actions.append("ack")
        if a.status in ("active", "acknowledged"):
            actions.append("on_scene")
        if a.status in ("active", "acknowledged", "on_scene"):
            actions += ["resolve", "false_alarm"]
            if a.case_id is None and user.role != "resident":
                actions.append("visit")
        rows.append(AlarmRow(
            id=a.id, elder_id=elder.id, elder_name=elder.name if full else pii.mask_name(elder.name),
            grid=(grid.name_en if lang == "en" and grid.name_en else grid.name) if grid else "",
            kind=a.kind, status=a.status, severity=a.severity, repeat_count=a.repeat_count, raised_at=a.raised_at,
            detail=service._detail_text(a, lang), next_at=a.next_escalation_at,
            countdown=countdown_text(a.next_escalation_at, now, lang) if a.next_escalation_at else "",
            overdue=bool(a.next_escalation_at and a.next_escalation_at <= now),
            exhausted="exhausted_at" in (a.detail or {}), acknowledged_by=a.acknowledged_by,
            emergency=a.emergency_at is not None, case_id=a.case_id,
            calls=[CallRow(c.role, c.name, c.called_at, c.deadline, c.answered_at) for c in calls[a.id]],
            actions=actions,
        ))
    return rows


@router.get("/eldercare")
def duty_board(request: Request, session: SessionDep, user: PageUser) -> Response:
    _staff(user)
    lang = get_lang(request)
    now = now_of(request)
    rows = _alarm_rows(session, user, service.open_alarms(session, user), now, lang)
    return render(request, "eldercare/board.html", {"rows": rows, "error": None})


@router.post("/eldercare/alarms/{alarm_id}/act")
def alarm_action(request: Request, session: SessionDep, user: PageUser, alarm_id: int, form: FormFields) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    action = form.get("action", "")
    back = form.get("back", "")
    target = back if back.startswith("/eldercare") and not back.startswith("//") else "/eldercare"
    try:
        if action not in ACTIONS:
            raise NotFound("not_found")
        service.get_alarm(session, user, alarm_id)
        with session.begin_nested():
            if action == "ack":
                service.acknowledge(session, actor=user, alarm_id=alarm_id, now=now)
            elif action == "on_scene":
                service.on_scene(session, actor=user, alarm_id=alarm_id, now=now)
            elif action in ("resolve", "false_alarm"):
                service.close(session, actor=user, alarm_id=alarm_id,
                              outcome="resolved" if action == "resolve" else "false_alarm",
                              note=form.get("note", "")[:2000], now=now)
            else:
                service.request_visit(session, actor=user, alarm_id=alarm_id, now=now)
    except NotFound:
        raise
    except AppError as exc:
        _staff(user)
        rows = _alarm_rows(session, user, service.open_alarms(session, user), now, lang)
        return render(request, "eldercare/board.html",
                      {"rows": rows, "error": translate(exc.code, lang, **exc.params)},
                      status_code=exc.status_code)
    response = redirect(target)
    if action == "ack":
        set_flash(response, "web.flash.eldercare_ack")
    elif action == "on_scene":
        set_flash(response, "web.flash.eldercare_on_scene")
    elif action == "visit":
        alarm = session.get_one(Alarm, alarm_id)
        case = session.get(Case, alarm.case_id) if alarm.case_id else None
        set_flash(response, "web.flash.eldercare_visit", number=cases.case_number(case) if case else "")
    else:
        set_flash(response, "web.flash.eldercare_closed")
    return response


MAX_UPLOAD = 10 * 1024 * 1024


async def uploaded_file(request: Request) -> bytes:
    """The `file` field of a multipart form (Starlette caches the parsed form for the CSRF check)."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile):
        return await upload.read(MAX_UPLOAD + 1)
    return b""


Upload = Annotated[bytes, Depends(uploaded_file)]


def _elder_rows(session: Session, user: User, now: datetime) -> list[dict[str, Any]]:
    from gongzhi.auth import pii

    elders = session.scalars(service.scoped_elders(session, user).order_by(Elder.id).limit(500)).all()
    return [{
        "id": e.id, "name": e.name if pii.can_read_pii(user) else pii.mask_name(e.name),
        "age": service.age_on(e.birth_date, local(now).date()), "living_alone": e.living_alone,
        "conditions": "、".join(e.conditions), "has_doctor": e.doctor_id is not None,
    } for e in elders]


@router.get("/eldercare/elders")
def elder_list(request: Request, session: SessionDep, user: PageUser) -> Response:
    _staff(user)
    rows = _elder_rows(session, user, now_of(request))
    return render(request, "eldercare/elders.html", {"rows": rows, "import_errors": [], "can_import":
                                                     user.role in service.REGISTRAR_ROLES})


@router.get("/eldercare/register.xlsx")
def export_register(request: Request, session: SessionDep, user: PageUser) -> Response:
    _staff(user)
    now = now_of(request)
    data = register_io.export_xlsx(session, viewer=user, now=now)
    # No note row here: this workbook is also the import template (header in row 1, round trip).
    stamp = local(now).strftime("%Y%m%d-%H%M")
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": xlsx.content_disposition(f"老人登记_{stamp}.xlsx", f"elders-{stamp}.xlsx"),
        "Cache-Control": "no-store"})


@router.post("/eldercare/register/import")
def import_register(request: Request, session: SessionDep, user: PageUser, data: Upload) -> Response:
    _staff(user)
    lang = get_lang(request)
    now = now_of(request)
    problems: list[str] = []
    try:
        if not data or len(data) > MAX_UPLOAD:
            raise Invalid("eldercare_import_not_xlsx", detail="empty or larger than 10 MB")
        with session.begin_nested():
            report = register_io.import_xlsx(session, actor=user, data=data, now=now, lang=lang)
    except register_io.ImportRejected as exc:
        problems = [translate("eldercare_cli_row", lang, row=r.row, message=r.message) for r in exc.rows[:200]]
        status, error = exc.status_code, translate(exc.code, lang, **exc.params)
    except AppError as exc:
        status, error = exc.status_code, translate(exc.code, lang, **exc.params)
    else:
        response = redirect("/eldercare/elders")
        set_flash(response, "web.flash.eldercare_imported", count=report.created)
        return response
    return render(request, "eldercare/elders.html", {
        "rows": _elder_rows(session, user, now), "import_errors": problems, "import_error": error,
        "can_import": True}, status_code=status)


# ---------------------------------------------------------------- register one elder (a phone form)


def _register_choices(session: Session, user: User, lang: str) -> dict[str, Any]:
    from gongzhi.auth.scope import area_path, subtree_condition
    from gongzhi.geo.models import Area

    path = area_path(session, user)
    grids = session.scalars(select(Area).where(Area.level == "grid", subtree_condition(path)).order_by(Area.code))
    # Doctors and volunteers usually work for the community above a grid worker's grid: offer the
    # people of the parent area's subtree ("/1/2/3/5/" -> "/1/2/3/").
    parent = path.rstrip("/").rsplit("/", 1)[0] + "/" if path else None
    people = session.scalars(select(User).join(Area, Area.id == User.area_id).where(
        User.role.in_(("doctor", "volunteer")), User.is_active.is_(True), subtree_condition(parent),
    ).order_by(User.username)).all()
    return {
        "grids": [{"code": g.code, "name": g.name_en if lang == "en" and g.name_en else g.name} for g in grids],
        "doctors": [{"username": u.username, "name": u.display_name or u.username} for u in people if u.role == "doctor"],
        "buddies": [{"username": u.username, "name": u.display_name or u.username} for u in people
                    if u.role == "volunteer"],
    }


def _form_data(form: dict[str, str]) -> service.ElderData:
    contacts = tuple(
        service.ContactData(name=form.get(f"c{i}_name", "").strip(), relation=form.get(f"c{i}_relation", "").strip(),
                            phone=form.get(f"c{i}_phone", "").strip(), is_guardian=i == 1)
        for i in (1, 2, 3) if form.get(f"c{i}_name", "").strip()
    )
    split = register_io.split_list
    return service.ElderData(
        name=form.get("name", "").strip()[:60], id_number=form.get("id_number", "").strip(),
        grid_code=form.get("grid_code", ""), gender=form.get("gender", "") if form.get("gender") in ("男", "女") else "",
        phone=form.get("phone", "").strip(), address=form.get("address", "").strip()[:300],
        living_alone=form.get("living_alone") == "1", conditions=split(form.get("conditions", "")),
        medications=split(form.get("medications", "")), spo2_scale=2 if form.get("spo2_scale") == "2" else 1,
        doctor_username=form.get("doctor") or None, buddy_username=form.get("buddy") or None, contacts=contacts,
    )


@router.get("/eldercare/elders/new")
def register_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    if user.role not in service.REGISTRAR_ROLES:
        raise Forbidden("forbidden")
    choices = _register_choices(session, user, get_lang(request))
    return render(request, "eldercare/register.html", {**choices, "form": {}, "error": None})


@router.post("/eldercare/elders/new")
def register_elder(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    if user.role not in service.REGISTRAR_ROLES:
        raise Forbidden("forbidden")
    lang = get_lang(request)
    now = now_of(request)
    try:
        with session.begin_nested():
            elder = service.create_elder(session, actor=user, data=_form_data(form), now=now)
            band = form.get("band", "").strip()
            if band:
                service.bind_wearable(session, actor=user, elder=elder, device_code=band, now=now)
    except AppError as exc:
        choices = _register_choices(session, user, lang)
        return render(request, "eldercare/register.html", {
            **choices, "form": form, "error": translate(exc.code, lang, **exc.params)}, status_code=exc.status_code)
    response = redirect(f"/eldercare/elders/{elder.id}")
    set_flash(response, "web.flash.eldercare_registered")
    return response


def _vitals_figure(vitals: list[Vital], lang: str) -> str:
    """Pulse, SpO2 and temperature in three stacked panels sharing the time axis; NEWS2 on hover."""
    zh = lang == "zh"
    panels = (("pulse", "心率 bpm" if zh else "Pulse bpm", "#1f77b4"), ("spo2", "SpO2 %", "#d62728"),
              ("temperature", "体温 ℃" if zh else "Temp ℃", "#2ca02c"))
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[p[1] for p in panels])
    xs = [local(v.ts).strftime("%Y-%m-%d %H:%M:%S") for v in vitals]
    hover = [f"NEWS2 {v.news2_total}" if v.news2_total is not None else "" for v in vitals]
    for row, (attr, name, colour) in enumerate(panels, start=1):
        fig.add_trace(go.Scatter(x=xs, y=[getattr(v, attr) for v in vitals], name=name, mode="lines+markers",
                                 line={"color": colour}, marker={"size": 4}, text=hover, connectgaps=False,
                                 hovertemplate="%{x}<br>%{y}<br>%{text}<extra></extra>"), row=row, col=1)
    fig.update_layout(margin={"l": 40, "r": 10, "t": 24, "b": 30}, height=460, showlegend=False)
    return figure_json(fig)


@router.get("/eldercare/elders/{elder_id}")
def elder_page(request: Request, session: SessionDep, user: PageUser, elder_id: int) -> Response:
    _staff(user)
    lang = get_lang(request)
    now = now_of(request)
    elder = service.get_elder(session, user, elder_id)
    view = service.elder_view(session, user, elder, now)
    since = now - timedelta(days=CHART_DAYS)
    vitals = list(session.scalars(select(Vital).where(Vital.elder_id == elder.id, Vital.ts >= since)
                                  .order_by(Vital.ts.desc()).limit(2000)))[::-1]
    alarms = service.alarms_of(session, elder.id)
    visit_ids = [a.case_id for a in alarms if a.case_id]
    visits = [{"number": cases.case_number(c), "status": c.status, "url": f"/cases/{c.id}",
               "created_at": c.created_at}
              for c in session.scalars(select(Case).where(Case.id.in_(visit_ids)).order_by(Case.id.desc()))]
    latest = vitals[-1] if vitals else None
    return render(request, "eldercare/elder.html", {
        "elder": view, "alarms": _alarm_rows(session, user, alarms, now, lang), "visits": visits,
        "figure_json": _vitals_figure(vitals, lang) if vitals else "", "plotly_url": PLOTLY_URL,
        "latest": latest, "wearables": service.wearables_of(session, elder.id),
    })


@router.get("/eldercare/coverage")
def coverage_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    _staff(user)
    rows = service.coverage(session, user, now_of(request))
    registered = sum(r.registered for r in rows)
    covered = sum(r.covered for r in rows)
    lang = get_lang(request)
    stats = service.response_stats(session, user, now_of(request))

    def span(seconds: float | None) -> str:
        return "—" if seconds is None else span_text(seconds, lang) if seconds >= 60 else f"{seconds:.0f} s"

    return render(request, "eldercare/coverage.html", {
        "rows": rows, "registered": registered, "covered": covered,
        "rate": covered / registered if registered else 0.0, "stats": stats,
        "ack_median": span(stats.ack_median_s), "ack_p90": span(stats.ack_p90_s),
        "scene_median": span(stats.scene_median_s), "scene_p90": span(stats.scene_p90_s),
    })


# ---------------------------------------------------------------- acknowledgement link (no login)


def _link_context(session: Session, token: str) -> dict[str, Any] | None:
    found = service.peek_token(session, token)
    if found is None:
        return None
    call, alarm = found
    elder = session.get_one(Elder, alarm.elder_id)
    from gongzhi.auth import pii

    return {"token": token, "kind": alarm.kind, "elder_name": pii.mask_name(elder.name),
            "raised_at": alarm.raised_at, "called": call.name, "done": False}


@router.get("/eldercare/ack/{token}")
def ack_link(request: Request, session: SessionDep, token: str) -> Response:
    """Shows what the link acknowledges; a GET never acknowledges (link previews would)."""
    ctx = _link_context(session, token)
    if ctx is None:
        return render(request, "eldercare/ack.html", {"invalid": True, "done": False}, status_code=404,
                      anonymous=True)
    return render(request, "eldercare/ack.html", {**ctx, "invalid": False}, anonymous=True)


@router.post("/eldercare/ack/{token}")
def ack_link_post(request: Request, session: SessionDep, token: str) -> Response:
    try:
        with session.begin_nested():
            alarm = service.acknowledge_by_token(session, token=token, now=now_of(request))
    except NotFound:
        return render(request, "eldercare/ack.html", {"invalid": True, "done": False}, status_code=404,
                      anonymous=True)
    return render(request, "eldercare/ack.html", {"invalid": False, "done": True, "kind": alarm.kind},
                  anonymous=True)


__all__ = ["AlarmCall", "router"]
