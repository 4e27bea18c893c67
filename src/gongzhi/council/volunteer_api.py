"""Volunteer teams, patrol shifts, swaps, check-in/out and patrol reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from gongzhi.auth.deps import CurrentUser
from gongzhi.auth.models import User
from gongzhi.council import volunteers as vol
from gongzhi.council.volunteer_models import (
    PatrolReport,
    PatrolShift,
    ShiftSwap,
    VolunteerHours,
    VolunteerTeam,
)
from gongzhi.council.volunteer_schemas import (
    CheckInIn,
    DecisionIn,
    HoursOut,
    Id,
    MemberIn,
    MemberOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    ShiftIn,
    ShiftOut,
    SwapIn,
    SwapOut,
    TeamDetail,
    TeamIn,
    TeamOut,
)
from gongzhi.geo import service as geo
from gongzhi.http import NowDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["volunteers"])


def _team_out(session: Session, team: VolunteerTeam) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, community_code=geo.get_area_by_id(session, team.community_id).code,
                   leader_id=team.leader_id, checkin_radius_m=team.checkin_radius_m)


def shift_out(session: Session, s: PatrolShift) -> ShiftOut:
    return ShiftOut(id=s.id, team_id=s.team_id, area_code=geo.get_area_by_id(session, s.area_id).code,
                    route=s.route, starts_at=s.starts_at, ends_at=s.ends_at, volunteer_id=s.volunteer_id,
                    status=s.status, checked_in_at=s.checked_in_at, checkin_distance_m=s.checkin_distance_m,
                    checked_out_at=s.checked_out_at)


def _swap_out(s: ShiftSwap) -> SwapOut:
    return SwapOut(id=s.id, shift_id=s.shift_id, their_shift_id=s.their_shift_id, requester_id=s.requester_id,
                   target_id=s.target_id, status=s.status, note=s.note)


def _report_out(r: PatrolReport) -> ReportOut:
    return ReportOut(id=r.id, team_id=r.team_id, shift_id=r.shift_id, kind=r.kind, category=r.category,
                     description=r.description, status=r.status, case_id=r.case_id, created_at=r.created_at)


def _hours_out(h: VolunteerHours) -> HoursOut:
    return HoursOut(shift_id=h.shift_id, user_id=h.user_id, minutes=h.minutes, how=h.how)


@router.post("/volunteer-teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED,
             summary="成立志愿者队伍 Create a volunteer team")
def create_team(body: TeamIn, user: CurrentUser, session: SessionDep, now: NowDep) -> TeamOut:
    team = vol.create_team(session, actor=user, community_code=body.community_code, name=body.name,
                           leader_username=body.leader_username, checkin_radius_m=body.checkin_radius_m, now=now)
    return _team_out(session, team)


@router.get("/volunteer-teams", response_model=list[TeamOut], summary="我可见的队伍 Teams in my scope")
def list_teams(user: CurrentUser, session: SessionDep) -> list[TeamOut]:
    stmt = vol.scoped_teams(session, user).order_by(VolunteerTeam.name)
    return [_team_out(session, t) for t in session.scalars(stmt)]


@router.get("/volunteer-teams/{team_id}", response_model=TeamDetail, summary="队伍与队员时长 Team, members and hours")
def team_detail(team_id: Id, user: CurrentUser, session: SessionDep) -> TeamDetail:
    team = vol.get_team(session, user, team_id)
    roles = {u.id: u.role for u in vol.members(session, team)}
    rows = [MemberOut(user_id=r.user_id, name=r.name, role=roles.get(r.user_id, ""), minutes=r.minutes,
                      shifts=r.shifts) for r in vol.team_hours(session, team)]
    return TeamDetail(**_team_out(session, team).model_dump(), members=rows)


@router.post("/volunteer-teams/{team_id}/members", response_model=MemberOut, status_code=status.HTTP_201_CREATED,
             summary="加入队员 Add a member")
def add_member(team_id: Id, body: MemberIn, user: CurrentUser, session: SessionDep, now: NowDep) -> MemberOut:
    m = vol.add_member(session, actor=user, team_id=team_id, username=body.username, now=now)
    member = session.get_one(User, m.user_id)
    return MemberOut(user_id=member.id, name=member.display_name or member.username, role=member.role,
                     minutes=vol.user_minutes(session, member.id), shifts=0)


@router.get("/volunteer-teams/{team_id}/shifts", response_model=list[ShiftOut], summary="排班表 Roster")
def roster(team_id: Id, user: CurrentUser, session: SessionDep, now: NowDep,
           start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
           days: Annotated[int, Query(ge=1, le=62)] = 14) -> list[ShiftOut]:
    team = vol.get_team(session, user, team_id)
    begin = start or now - timedelta(days=1)
    return [shift_out(session, s) for s in vol.roster(session, team, begin, begin + timedelta(days=days))]


@router.post("/volunteer-teams/{team_id}/shifts", response_model=ShiftOut, status_code=status.HTTP_201_CREATED,
             summary="排班 Schedule a patrol shift")
def schedule(team_id: Id, body: ShiftIn, user: CurrentUser, session: SessionDep, now: NowDep) -> ShiftOut:
    shift = vol.schedule_shift(session, actor=user, team_id=team_id, volunteer_id=body.volunteer_id,
                               area_code=body.area_code, starts_at=body.starts_at, ends_at=body.ends_at,
                               route=body.route, now=now)
    return shift_out(session, shift)


@router.post("/patrol-shifts/{shift_id}/check-in", response_model=ShiftOut, summary="到岗签到 Check in (with location)")
def check_in(shift_id: Id, body: CheckInIn, user: CurrentUser, session: SessionDep, now: NowDep) -> ShiftOut:
    shift = vol.check_in(session, user=user, shift_id=shift_id, lat=body.lat, lng=body.lng, coord=body.coord, now=now)
    return shift_out(session, shift)


@router.post("/patrol-shifts/{shift_id}/check-out", response_model=HoursOut, summary="离岗签退并记时长 Check out")
def check_out(shift_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> HoursOut:
    return _hours_out(vol.check_out(session, user=user, shift_id=shift_id, now=now))


@router.post("/patrol-shifts/{shift_id}/swaps", response_model=SwapOut, status_code=status.HTTP_201_CREATED,
             summary="申请换班 Ask another member to take or exchange a shift")
def request_swap(shift_id: Id, body: SwapIn, user: CurrentUser, session: SessionDep, now: NowDep) -> SwapOut:
    return _swap_out(vol.request_swap(session, user=user, shift_id=shift_id, target_id=body.target_id,
                                      their_shift_id=body.their_shift_id, note=body.note, now=now))


@router.post("/shift-swaps/{swap_id}/decision", response_model=SwapOut, summary="处理换班 Accept or decline a swap")
def decide_swap(swap_id: Id, body: DecisionIn, user: CurrentUser, session: SessionDep, now: NowDep) -> SwapOut:
    return _swap_out(vol.decide_swap(session, user=user, swap_id=swap_id, accept=body.accept, now=now))


@router.post("/volunteer-teams/{team_id}/reports", response_model=ReportOut, status_code=status.HTTP_201_CREATED,
             summary="巡查记录或预警 Patrol report or early warning (a warning becomes a case)")
def file_report(team_id: Id, body: ReportIn, user: CurrentUser, session: SessionDep, now: NowDep) -> ReportOut:
    report = vol.file_report(session, user=user, team_id=team_id, kind=body.kind, description=body.description,
                             category=body.category, lat=body.lat, lng=body.lng, coord=body.coord,
                             shift_id=body.shift_id, attributes=dict(body.attributes), now=now)
    return _report_out(report)


@router.get("/volunteer-teams/{team_id}/reports", response_model=list[ReportOut], summary="巡查记录 Patrol reports")
def list_reports(team_id: Id, user: CurrentUser, session: SessionDep,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ReportOut]:
    team = vol.get_team(session, user, team_id)
    return [_report_out(r) for r in vol.team_reports(session, team, limit=limit)]


@router.post("/patrol-reports/{report_id}/review", response_model=ReportOut,
             summary="队长确认预警 Confirm or dismiss a resident member's warning")
def review(report_id: Id, body: ReviewIn, user: CurrentUser, session: SessionDep, now: NowDep) -> ReportOut:
    return _report_out(vol.review_warning(session, user=user, report_id=report_id, accept=body.accept,
                                          attributes=dict(body.attributes), now=now))
