"""Volunteer pages: my shifts (check in from a phone), the team roster with hours, a shift, swaps, warnings.

Check-in takes the phone's location (the shared "use my location" button in app.js fills the
hidden lat/lng) and the service checks it against the shift's area. A refused action re-renders
the page with the reason and the service's status code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import local
from gongzhi.council import volunteers as vol
from gongzhi.council.volunteer_models import PatrolShift, ShiftSwap, VolunteerHours, VolunteerTeam
from gongzhi.errors import AppError, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import register, translate
from gongzhi.web import xlsx
from gongzhi.web.pages import FormFields, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash
from gongzhi.web.views import attribute_answers, category_choices, parse_float, parse_local_datetime

router = APIRouter(include_in_schema=False)
ROSTER_DAYS = 14

register({
    "web.vol.title": ("志愿服务", "Volunteering"),
    "web.vol.my_shifts": ("我的班次", "My shifts"),
    "web.vol.no_shifts": ("近期没有您的班次", "No shifts for you soon"),
    "web.vol.teams": ("队伍", "Teams"),
    "web.vol.no_teams": ("您还没有加入志愿者队伍", "You are not in a volunteer team yet"),
    "web.vol.my_hours": ("累计服务时长：{span}", "Hours served: {span}"),
    "web.vol.swaps_waiting": ("待处理的换班", "Swap requests"),
    "web.vol.swap_line": ("{who} 请 {target} 接 {when} 的班", "{who} asks {target} to take {when}"),
    "web.vol.accept": ("同意", "Accept"),
    "web.vol.decline": ("拒绝", "Decline"),
    "web.vol.withdraw": ("撤回", "Withdraw"),
    "web.vol.roster": ("排班表（{days} 天）", "Roster ({days} days)"),
    "web.vol.members": ("队员与服务时长", "Members and hours"),
    "web.vol.hours": ("时长", "Hours"),
    "web.vol.shifts_done": ("完成班次", "Shifts"),
    "web.vol.leader": ("队长", "Leader"),
    "web.vol.schedule": ("排班", "Schedule a shift"),
    "web.vol.volunteer": ("志愿者", "Volunteer"),
    "web.vol.area": ("巡查区域", "Patrol area"),
    "web.vol.route": ("巡查路线", "Route"),
    "web.vol.start": ("开始时间", "Start"),
    "web.vol.hours_field": ("时长（小时）", "Length (hours)"),
    "web.vol.add_member": ("添加队员", "Add a member"),
    "web.vol.username": ("账号", "Username"),
    "web.vol.save": ("保存", "Save"),
    "web.vol.reports": ("巡查记录与预警", "Patrol reports and warnings"),
    "web.vol.no_reports": ("暂无记录", "Nothing reported yet"),
    "web.vol.case_link": ("工单 #{id}", "Case #{id}"),
    "web.vol.review": ("确认转工单", "Confirm as a case"),
    "web.vol.dismiss": ("不采纳", "Dismiss"),
    "web.vol.shift": ("巡查班次", "Patrol shift"),
    "web.vol.when": ("时间", "When"),
    "web.vol.status": ("状态", "Status"),
    "web.vol.check_in": ("到岗签到", "Check in"),
    "web.vol.check_in_hint": (
        "请在巡查区域内或附近（{radius} 米内）签到，最早可提前 {early} 分钟。",
        "Check in inside the patrol area or within {radius} m of it, from {early} minutes before the start.",
    ),
    "web.vol.check_out": ("签退", "Check out"),
    "web.vol.checked_in_at": ("已于 {when} 签到（距区域 {m} 米）", "Checked in at {when} ({m} m from the area)"),
    "web.vol.credited": ("已记服务时长 {span}", "Credited {span}"),
    "web.vol.swap": ("申请换班", "Ask for a swap"),
    "web.vol.swap_to": ("请谁接班", "Who takes it"),
    "web.vol.swap_theirs": ("互换对方的班次（可选）", "Exchange for their shift (optional)"),
    "web.vol.swap_none": ("不互换，直接转给对方", "No exchange: hand it over"),
    "web.vol.note": ("备注", "Note"),
    "web.vol.report": ("报告所见", "Report what you see"),
    "web.vol.kind_report": ("巡查记录", "Patrol log"),
    "web.vol.kind_warning": ("预警（转为工单）", "Warning (becomes a case)"),
    "web.vol.category": ("问题类别（预警必选）", "Category (needed for a warning)"),
    "web.vol.description": ("情况描述", "What did you see"),
    "web.vol.submit": ("提交", "Submit"),
    "web.vol.need_location": ("请先点击“使用我的位置”", "Tap “use my location” first"),
    "web.vol.back_team": ("← 队伍排班", "← Team roster"),
    "web.flash.vol_checked_in": ("签到成功", "Checked in"),
    "web.flash.vol_checked_out": ("已签退，记服务时长 {minutes} 分钟", "Checked out; {minutes} minutes credited"),
    "web.flash.vol_swap_sent": ("换班申请已发送", "Swap request sent"),
    "web.flash.vol_swap_decided": ("已处理换班申请", "Swap request answered"),
    "web.flash.vol_reported_recorded": ("巡查记录已提交", "Patrol log saved"),
    "web.flash.vol_reported_case_created": ("预警已转为工单 #{case}", "Warning filed as case #{case}"),
    "web.flash.vol_reported_pending_review": ("预警已提交，等待队长确认", "Warning sent to the team leader for review"),
    "web.flash.vol_scheduled": ("已排班", "Shift scheduled"),
    "web.flash.vol_member_added": ("已添加队员", "Member added"),
    "web.flash.vol_reviewed": ("已处理预警", "Warning reviewed"),
    "web.flash.vol_error": ("{message}", "{message}"),
})


def _id(raw: str, code: str) -> int:
    if not raw.isdigit() or len(raw) > 10 or int(raw) >= 2**31:
        raise NotFound(code)
    return int(raw)


def _span(minutes: int, lang: str) -> str:
    h, m = divmod(minutes, 60)
    return translate("web.span.hm", lang, h=h, m=m) if h else translate("web.span.m", lang, m=m)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.display_name or u.username for u in session.scalars(select(User).where(User.id.in_(ids)))}


def _area_names(session: Session, ids: set[int], lang: str) -> dict[int, str]:
    if not ids:
        return {}
    return {a.id: (a.name_en or a.name) if lang == "en" else a.name
            for a in session.scalars(select(Area).where(Area.id.in_(ids)))}


def _swap_rows(session: Session, swaps: list[ShiftSwap], user: User) -> list[dict[str, Any]]:
    shifts = {s.id: s for s in session.scalars(select(PatrolShift).where(
        PatrolShift.id.in_({w.shift_id for w in swaps})))} if swaps else {}
    names = _names(session, {w.requester_id for w in swaps} | {w.target_id for w in swaps})
    rows = []
    for w in swaps:
        shift = shifts[w.shift_id]
        rows.append({"id": w.id, "who": names.get(w.requester_id, ""), "target": names.get(w.target_id, ""),
                     "when": f"{local(shift.starts_at):%m-%d %H:%M}–{local(shift.ends_at):%H:%M}",
                     "mine": w.requester_id == user.id, "note": w.note})
    return rows


def _act(request: Request, session: Session, call: Callable[[], Any], ok: str | Callable[[Any], str],
         on_error: Callable[[int, str], Response], **flash: Any) -> Response:
    lang = get_lang(request)
    try:
        with session.begin_nested():
            done = call()
    except NotFound:
        raise
    except AppError as exc:
        return on_error(exc.status_code, translate(exc.code, lang, **exc.params))
    target = flash.pop("to")
    response = redirect(target(done) if callable(target) else target)
    key = ok(done) if callable(ok) else ok
    set_flash(response, key, **{k: (v(done) if callable(v) else v) for k, v in flash.items()})
    return response


# ---------------------------------------------------------------- my volunteering


@router.get("/volunteers")
def my_volunteering(request: Request, session: SessionDep, user: PageUser, format: str = "") -> Response:
    lang = get_lang(request)
    now = now_of(request)
    shifts = vol.my_shifts(session, user, now - timedelta(hours=12), now + timedelta(days=ROSTER_DAYS))
    if xlsx.wants_xlsx(format):
        # The page's shift list (the same window), one row per shift.
        areas = _area_names(session, {s.area_id for s in shifts}, lang)
        team_names = {t.id: t.name for t in session.scalars(
            select(VolunteerTeam).where(VolunteerTeam.id.in_({s.team_id for s in shifts})))} if shifts else {}
        return xlsx.xlsx_response(request, user, name="volunteering", title_key="xlsx.title.volunteers", now=now,
                                  columns=[
            xlsx.Column("xlsx.col.starts_at", 17), xlsx.Column("xlsx.col.ends_at", 17), xlsx.Column("xlsx.col.team", 16),
            xlsx.Column("xlsx.col.area", 14), xlsx.Column("xlsx.col.route", 30), xlsx.Column("xlsx.col.status", 10)],
            rows=[[s.starts_at, s.ends_at, team_names.get(s.team_id, ""), areas.get(s.area_id, ""), s.route,
                   translate(f"vol.shift.{s.status}", lang)] for s in shifts])
    teams = list(session.scalars(vol.scoped_teams(session, user).order_by(VolunteerTeam.name)))
    swaps = vol.pending_swaps_for(session, user)
    return render(request, "volunteers/home.html", {
        "shifts": shifts, "teams": teams, "areas": _area_names(session, {s.area_id for s in shifts}, lang),
        "swaps": _swap_rows(session, swaps, user), "my_hours": _span(vol.user_minutes(session, user.id), lang),
        "export_url": xlsx.export_url(request),
    })


@router.post("/volunteers/swaps/{swap_id}")
def decide_swap(request: Request, session: SessionDep, user: PageUser, swap_id: str, form: FormFields) -> Response:
    sid = _id(swap_id, "vol_swap_not_found")
    accept = form.get("accept") == "1"

    def failed(status: int, message: str) -> Response:
        response = redirect("/volunteers")
        set_flash(response, "web.flash.vol_error", error=True, message=message)
        return response

    return _act(request, session, lambda: vol.decide_swap(session, user=user, swap_id=sid, accept=accept,
                                                          now=now_of(request)),
                "web.flash.vol_swap_decided", failed, to="/volunteers")



# ---------------------------------------------------------------- the team page


def _team_page(request: Request, session: Session, user: User, team_id: int, *, status_code: int = 200,
               errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    team = vol.get_team(session, user, team_id)
    start = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = vol.roster(session, team, start, start + timedelta(days=ROSTER_DAYS))
    people = vol.members(session, team)
    names = _names(session, {s.volunteer_id for s in shifts} | {u.id for u in people})
    areas = _area_names(session, {s.area_id for s in shifts}, lang)
    days = [(day, list(items)) for day, items in groupby(shifts, key=lambda s: local(s.starts_at).date())]
    manage = vol.is_leader_or_staff(session, user, team)
    community = geo.get_area_by_id(session, team.community_id)
    reports = vol.team_reports(session, team)
    return render(request, "volunteers/team.html", {
        "team": team, "days": days, "names": names, "areas": areas,
        "hours": vol.team_hours(session, team), "span": lambda m: _span(m, lang),
        "manage": manage, "can_review": manage and user.role != "resident",
        "grids": [(g.code, (g.name_en or g.name) if lang == "en" else g.name)
                  for g in geo.grids_under(session, community)],
        "people": people, "reports": reports,
        "reporters": _names(session, {r.reporter_id for r in reports}),
        "errors": errors or [], "form": form or {},
        "default_start": local(now + timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
    }, status_code=status_code)


@router.get("/volunteers/teams/{team_id}")
def team_page(request: Request, session: SessionDep, user: PageUser, team_id: str) -> Response:
    return _team_page(request, session, user, _id(team_id, "vol_team_not_found"))


@router.post("/volunteers/teams/{team_id}/shifts")
def schedule(request: Request, session: SessionDep, user: PageUser, team_id: str, form: FormFields) -> Response:
    tid = _id(team_id, "vol_team_not_found")
    lang = get_lang(request)
    starts = parse_local_datetime(form.get("starts_at", ""))
    hours = parse_float(form.get("hours"))
    volunteer = form.get("volunteer_id", "")
    if starts is None or hours is None or not volunteer.isdigit():
        return _team_page(request, session, user, tid, status_code=422, form=form,
                          errors=[translate("vol_shift_time_invalid", lang)])
    ends = starts + timedelta(minutes=round(hours * 60)) if 0 < hours <= 24 else starts

    def failed(status: int, message: str) -> Response:
        return _team_page(request, session, user, tid, status_code=status, errors=[message], form=form)

    return _act(request, session, lambda: vol.schedule_shift(
        session, actor=user, team_id=tid, volunteer_id=int(volunteer), area_code=form.get("area_code", ""),
        starts_at=starts, ends_at=ends, route=form.get("route", ""), now=now_of(request)),
        "web.flash.vol_scheduled", failed, to=f"/volunteers/teams/{tid}")


@router.post("/volunteers/teams/{team_id}/members")
def add_member(request: Request, session: SessionDep, user: PageUser, team_id: str, form: FormFields) -> Response:
    tid = _id(team_id, "vol_team_not_found")

    def failed(status: int, message: str) -> Response:
        return _team_page(request, session, user, tid, status_code=status, errors=[message], form=form)

    return _act(request, session, lambda: vol.add_member(session, actor=user, team_id=tid,
                                                         username=form.get("username", ""), now=now_of(request)),
                "web.flash.vol_member_added", failed, to=f"/volunteers/teams/{tid}")


@router.post("/volunteers/reports/{report_id}/review")
def review(request: Request, session: SessionDep, user: PageUser, report_id: str, form: FormFields) -> Response:
    rid = _id(report_id, "vol_report_not_found")
    accept = form.get("accept") == "1"
    team_id = int(form.get("team_id", "0")) if form.get("team_id", "").isdigit() else 0

    def failed(status: int, message: str) -> Response:
        if team_id:
            return _team_page(request, session, user, team_id, status_code=status, errors=[message])
        raise NotFound("vol_report_not_found")

    return _act(request, session, lambda: vol.review_warning(session, user=user, report_id=rid, accept=accept,
                                                             now=now_of(request)),
                "web.flash.vol_reviewed", failed, to=lambda r: f"/volunteers/teams/{r.team_id}")


# ---------------------------------------------------------------- a shift (the phone page)


def _shift_page(request: Request, session: Session, user: User, shift_id: int, *, status_code: int = 200,
                errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    lang = get_lang(request)
    now = now_of(request)
    shift = vol.get_shift(session, user, shift_id)
    team = session.get_one(VolunteerTeam, shift.team_id)
    area = geo.get_area_by_id(session, shift.area_id)
    mine = shift.volunteer_id == user.id
    others = [u for u in vol.members(session, team) if u.id != user.id]
    their_shifts = list(session.scalars(select(PatrolShift).where(
        PatrolShift.team_id == team.id, PatrolShift.status == "scheduled", PatrolShift.starts_at > now,
        PatrolShift.volunteer_id != user.id).order_by(PatrolShift.starts_at).limit(50)))
    credited = session.scalar(select(VolunteerHours.minutes).where(VolunteerHours.shift_id == shift.id))
    return render(request, "volunteers/shift.html", {
        "s": shift, "team": team, "area_name": (area.name_en or area.name) if lang == "en" else area.name,
        "volunteer": _names(session, {shift.volunteer_id}).get(shift.volunteer_id, ""),
        "mine": mine, "others": others, "their_shifts": their_shifts,
        "names": _names(session, {s.volunteer_id for s in their_shifts}),
        "can_swap": mine and shift.status == "scheduled" and shift.starts_at > now,
        "credited": _span(credited, lang) if credited is not None else None,
        "categories": category_choices(session, lang), "errors": errors or [], "form": form or {},
    }, status_code=status_code)


@router.get("/volunteers/shifts/{shift_id}")
def shift_page(request: Request, session: SessionDep, user: PageUser, shift_id: str) -> Response:
    return _shift_page(request, session, user, _id(shift_id, "vol_shift_not_found"))


@router.post("/volunteers/shifts/{shift_id}/check-in")
def check_in(request: Request, session: SessionDep, user: PageUser, shift_id: str, form: FormFields) -> Response:
    sid = _id(shift_id, "vol_shift_not_found")
    lat, lng = parse_float(form.get("lat")), parse_float(form.get("lng"))
    if lat is None or lng is None:
        return _shift_page(request, session, user, sid, status_code=422,
                           errors=[translate("web.vol.need_location", get_lang(request))])

    def failed(status: int, message: str) -> Response:
        return _shift_page(request, session, user, sid, status_code=status, errors=[message])

    return _act(request, session, lambda: vol.check_in(session, user=user, shift_id=sid, lat=lat, lng=lng,
                                                       now=now_of(request)),
                "web.flash.vol_checked_in", failed, to=f"/volunteers/shifts/{sid}")


@router.post("/volunteers/shifts/{shift_id}/check-out")
def check_out(request: Request, session: SessionDep, user: PageUser, shift_id: str) -> Response:
    sid = _id(shift_id, "vol_shift_not_found")

    def failed(status: int, message: str) -> Response:
        return _shift_page(request, session, user, sid, status_code=status, errors=[message])

    return _act(request, session, lambda: vol.check_out(session, user=user, shift_id=sid, now=now_of(request)),
                "web.flash.vol_checked_out", failed, to=f"/volunteers/shifts/{sid}", minutes=lambda h: h.minutes)


@router.post("/volunteers/shifts/{shift_id}/swap")
def request_swap(request: Request, session: SessionDep, user: PageUser, shift_id: str,
                 form: FormFields) -> Response:
    sid = _id(shift_id, "vol_shift_not_found")
    target = form.get("target_id", "")
    theirs = form.get("their_shift_id", "")

    def failed(status: int, message: str) -> Response:
        return _shift_page(request, session, user, sid, status_code=status, errors=[message], form=form)

    return _act(request, session, lambda: vol.request_swap(
        session, user=user, shift_id=sid, target_id=int(target) if target.isdigit() else 0,
        their_shift_id=int(theirs) if theirs.isdigit() else None, note=form.get("note", ""),
        now=now_of(request)), "web.flash.vol_swap_sent", failed, to=f"/volunteers/shifts/{sid}")


@router.post("/volunteers/shifts/{shift_id}/report")
def report(request: Request, session: SessionDep, user: PageUser, shift_id: str, form: FormFields) -> Response:
    sid = _id(shift_id, "vol_shift_not_found")
    shift = vol.get_shift(session, user, sid)
    kind = form.get("kind", "report")
    category = form.get("category", "").strip() if kind == "warning" else ""

    def failed(status: int, message: str) -> Response:
        return _shift_page(request, session, user, sid, status_code=status, errors=[message], form=form)

    return _act(request, session, lambda: vol.file_report(
        session, user=user, team_id=shift.team_id, kind=kind, description=form.get("description", ""),
        category=category, lat=parse_float(form.get("lat")), lng=parse_float(form.get("lng")), shift_id=sid,
        attributes=attribute_answers(form, category) if category else {}, now=now_of(request)),
        lambda r: f"web.flash.vol_reported_{r.status}", failed, to=f"/volunteers/shifts/{sid}",
        case=lambda r: r.case_id or "")

