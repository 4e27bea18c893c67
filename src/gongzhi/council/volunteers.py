"""Volunteer teams: patrol roster, swaps, check-in by location, hours, and warnings that become cases.

Rules:
- A team belongs to a community; its members are volunteer or resident accounts of that community.
  The team leader or the community's staff (admin, official, grid worker) schedule shifts.
- Swaps: the shift's volunteer asks another member to take it (or to exchange it for one of
  theirs); the other member or the team leader accepts. Only shifts not yet started move.
- Check-in: by the shift's volunteer, from `checkin_early_min` before the start until the end,
  at a point inside the shift's area or within the team's `checkin_radius_m` of its boundary.
- Hours: check-out credits the overlap of [check-in, check-out] with the shift, so never more
  than the shift's length; one credit row per shift (unique), so never twice. A volunteer who
  forgets to check out is credited up to the shift's end by the sweep, `AUTO_CHECKOUT_GRACE` later.
- Warnings become cases through the cases intake with source `volunteer`, at once, for every
  active member: this service has checked the team membership, so it files as an internal intake
  (the intake otherwise refuses non-citizen sources from resident accounts). A resident member is
  recorded as the case's reporter and follows it like any resident report. Warnings left
  `pending_review` by earlier versions can still be confirmed or dismissed by the leader or staff.
Services flush, never commit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import local
from gongzhi.council import volunteer_messages  # noqa: F401  (registers the i18n keys)
from gongzhi.council.volunteer_models import (
    PatrolReport,
    PatrolShift,
    ShiftSwap,
    VolunteerHours,
    VolunteerMember,
    VolunteerTeam,
)
from gongzhi.db import lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.coords import gcj02_to_wgs84
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

STAFF_ROLES = frozenset({"admin", "official", "grid_worker"})
MEMBER_ROLES = frozenset({"volunteer", "resident"})
MAX_SHIFT = timedelta(hours=12)
AUTO_CHECKOUT_GRACE = timedelta(hours=2)
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LNG_EQUATOR = 111_320.0


# ---------------------------------------------------------------- geometry


def _area_geometry(session: Session, area: Area) -> BaseGeometry | None:
    """The area's polygon, or the union of its grids' when it is drawn only by its children."""
    if area.geometry is not None:
        return geo.parse_geometry(area.geometry)
    parts = [geo.parse_geometry(g.geometry) for g in geo.grids_under(session, area) if g.geometry is not None]
    return shapely.union_all(parts) if parts else None


def distance_m(geometry: BaseGeometry, lat: float, lng: float) -> float:
    """Metres from a WGS84 point to a polygon (0 inside), on a local flat projection around the point:
    good to well under a metre at the few-kilometre scale of a community."""
    scale = np.array([_M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat)), _M_PER_DEG_LAT])
    origin = np.array([lng, lat])
    projected = shapely.transform(geometry, lambda xy: (xy - origin) * scale)
    return float(projected.distance(Point(0.0, 0.0)))


def _wgs84(lat: float, lng: float, coord: str) -> tuple[float, float]:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("vol_location_invalid")
    if coord == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    elif coord != "wgs84":
        raise Invalid("vol_location_invalid")
    return lat, lng


# ---------------------------------------------------------------- helpers


def _name(user: User | None) -> str:
    return translate("system_actor") if user is None else (user.display_name or user.username)


def _log(session: Session, kind: str, subject_type: str, subject_id: int, actor: User | None, now: datetime,
         data: dict[str, Any]) -> None:
    audit.append(session, kind=kind, subject_type=subject_type, subject_id=subject_id,
                 actor_id=actor.id if actor else None, actor_name=_name(actor), data=data, now=now)


def _notify(session: Session, user: User, topic: str, now: datetime, ref: str, **params: Any) -> None:
    key = topic.replace(".", "_")
    notify.enqueue(session, channel="console", recipient=f"user:{user.id}",
                   subject=translate(f"notice.{key}.subject", user.language, **params),
                   body=translate(f"notice.{key}.body", user.language, **params), topic=topic, ref=ref, now=now)


def _when(shift: PatrolShift) -> str:
    return f"{local(shift.starts_at):%m-%d %H:%M}–{local(shift.ends_at):%H:%M}"


def _community(session: Session, team: VolunteerTeam) -> Area:
    return geo.get_area_by_id(session, team.community_id)


def _staff_of(session: Session, user: User, community: Area) -> bool:
    if user.role not in STAFF_ROLES or not user.is_active:
        return False
    path = area_path(session, user)
    return in_scope(path, community.path) or in_scope(community.path, path)


def is_leader_or_staff(session: Session, user: User, team: VolunteerTeam) -> bool:
    return team.leader_id == user.id or _staff_of(session, user, _community(session, team))


def _active_member(session: Session, team: VolunteerTeam, user_id: int) -> bool:
    return session.scalar(select(VolunteerMember.id).where(
        VolunteerMember.team_id == team.id, VolunteerMember.user_id == user_id,
        VolunteerMember.is_active.is_(True))) is not None


# ---------------------------------------------------------------- teams and members


def scoped_teams(session: Session, user: User) -> Select[VolunteerTeam]:
    """Teams the user may see: staff of (or above) the community, and the team's own members."""
    path = area_path(session, user)
    mine = select(VolunteerMember.team_id).where(VolunteerMember.user_id == user.id,
                                                 VolunteerMember.is_active.is_(True))
    if user.role in STAFF_ROLES and path:
        community = select(Area.path).where(Area.id == VolunteerTeam.community_id).scalar_subquery()
        return select(VolunteerTeam).where(
            community.startswith(path, autoescape=True)
            | (func.substr(path, 1, func.length(community)) == community)
            | VolunteerTeam.id.in_(mine)
        )
    return select(VolunteerTeam).where(VolunteerTeam.id.in_(mine) | (VolunteerTeam.leader_id == user.id))


def get_team(session: Session, user: User, team_id: int) -> VolunteerTeam:
    team = session.scalar(scoped_teams(session, user).where(VolunteerTeam.id == team_id))
    if team is None:
        raise NotFound("vol_team_not_found")
    return team


def create_team(session: Session, *, actor: User, community_code: str, name: str, now: datetime,
                leader_username: str | None = None, checkin_radius_m: int = 200) -> VolunteerTeam:
    community = geo.get_area(session, community_code)
    if community.level not in ("community", "village"):
        raise Invalid("vol_team_area_not_community")
    if not _staff_of(session, actor, community):
        raise Forbidden("forbidden")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("vol_team_name_invalid")
    if session.scalar(select(VolunteerTeam.id).where(VolunteerTeam.community_id == community.id,
                                                     VolunteerTeam.name == name)):
        raise Conflict("vol_team_name_taken", name=name)
    if not 0 <= checkin_radius_m <= 5000:
        raise Invalid("validation_error", detail="checkin_radius_m")
    team = VolunteerTeam(community_id=community.id, name=name, leader_id=None, checkin_radius_m=checkin_radius_m,
                         checkin_early_min=30, created_at=now)
    session.add(team)
    session.flush()
    _log(session, "volunteer.team_created", "volunteer_team", team.id, actor, now, {"name": name})
    if leader_username:
        leader = add_member(session, actor=actor, team_id=team.id, username=leader_username, now=now)
        team.leader_id = leader.user_id
        session.flush()
    return team


def _user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound("user_not_found")
    return user


def add_member(session: Session, *, actor: User, team_id: int, username: str, now: datetime) -> VolunteerMember:
    team = get_team(session, actor, team_id)
    if not is_leader_or_staff(session, actor, team):
        raise Forbidden("forbidden")
    user = _user_by_name(session, username)
    if user.role not in MEMBER_ROLES or not user.is_active:
        raise Invalid("vol_member_role_invalid")
    community = _community(session, team)
    if user.area_id is not None and not in_scope(community.path, area_path(session, user)):
        raise Invalid("vol_member_outside")
    member = session.scalar(select(VolunteerMember).where(VolunteerMember.team_id == team.id,
                                                          VolunteerMember.user_id == user.id))
    if member is not None:
        if member.is_active:
            raise Conflict("vol_member_exists")
        member.is_active = True
    else:
        member = VolunteerMember(team_id=team.id, user_id=user.id, is_active=True, joined_at=now)
        session.add(member)
    session.flush()
    _log(session, "volunteer.member_added", "volunteer_team", team.id, actor, now, {"user_id": user.id})
    return member


def members(session: Session, team: VolunteerTeam) -> list[User]:
    return list(session.scalars(
        select(User).join(VolunteerMember, VolunteerMember.user_id == User.id)
        .where(VolunteerMember.team_id == team.id, VolunteerMember.is_active.is_(True))
        .order_by(User.display_name, User.id)))


# ---------------------------------------------------------------- shifts


def _overlaps(session: Session, user_id: int, starts: datetime, ends: datetime, exclude: Sequence[int] = ()) -> bool:
    stmt = select(PatrolShift.id).where(
        PatrolShift.volunteer_id == user_id, PatrolShift.status.in_(("scheduled", "checked_in")),
        PatrolShift.starts_at < ends, PatrolShift.ends_at > starts,
    )
    if exclude:
        stmt = stmt.where(PatrolShift.id.not_in(list(exclude)))
    return session.scalar(stmt.limit(1)) is not None


def schedule_shift(session: Session, *, actor: User, team_id: int, volunteer_id: int, area_code: str,
                   starts_at: datetime, ends_at: datetime, now: datetime, route: str = "") -> PatrolShift:
    team = get_team(session, actor, team_id)
    if not is_leader_or_staff(session, actor, team):
        raise Forbidden("forbidden")
    if ends_at <= starts_at or ends_at - starts_at > MAX_SHIFT:
        raise Invalid("vol_shift_time_invalid")
    if starts_at < now:
        raise Invalid("vol_shift_in_past")
    area = geo.get_area(session, area_code)
    if not in_scope(_community(session, team).path, area.path):
        raise Invalid("vol_shift_area_outside")
    volunteer = session.get(User, volunteer_id)
    if volunteer is None or not _active_member(session, team, volunteer_id):
        raise Invalid("vol_not_member", name=_name(volunteer) if volunteer else f"#{volunteer_id}")
    if _overlaps(session, volunteer_id, starts_at, ends_at):
        raise Conflict("vol_shift_overlap", name=_name(volunteer))
    shift = PatrolShift(team_id=team.id, area_id=area.id, route=route.strip()[:300], starts_at=starts_at,
                        ends_at=ends_at, volunteer_id=volunteer_id, status="scheduled", created_by_id=actor.id,
                        created_at=now)
    session.add(shift)
    session.flush()
    _log(session, "volunteer.shift_scheduled", "patrol_shift", shift.id, actor, now,
         {"volunteer_id": volunteer_id, "area": area.code, "starts_at": starts_at.isoformat(),
          "ends_at": ends_at.isoformat()})
    return shift


def get_shift(session: Session, user: User, shift_id: int, *, for_update: bool = False) -> PatrolShift:
    teams = scoped_teams(session, user).with_only_columns(VolunteerTeam.id)
    stmt = select(PatrolShift).where(PatrolShift.id == shift_id, PatrolShift.team_id.in_(teams))
    if for_update:
        stmt = lock_for_update(stmt, session)
    shift = session.scalar(stmt)
    if shift is None:
        raise NotFound("vol_shift_not_found")
    return shift


def roster(session: Session, team: VolunteerTeam, start: datetime, end: datetime) -> list[PatrolShift]:
    return list(session.scalars(
        select(PatrolShift).where(PatrolShift.team_id == team.id, PatrolShift.starts_at < end,
                                  PatrolShift.ends_at > start)
        .order_by(PatrolShift.starts_at, PatrolShift.id)))


def my_shifts(session: Session, user: User, start: datetime, end: datetime) -> list[PatrolShift]:
    return list(session.scalars(
        select(PatrolShift).where(PatrolShift.volunteer_id == user.id, PatrolShift.ends_at > start,
                                  PatrolShift.starts_at < end)
        .order_by(PatrolShift.starts_at)))


def _state(shift: PatrolShift, *allowed: str) -> None:
    if shift.status not in allowed:
        raise Conflict("vol_shift_state", status=translate(f"vol.shift.{shift.status}"))


def check_in(session: Session, *, user: User, shift_id: int, lat: float, lng: float, now: datetime,
             coord: str = "wgs84") -> PatrolShift:
    shift = get_shift(session, user, shift_id, for_update=True)
    if shift.volunteer_id != user.id:
        raise Forbidden("vol_shift_not_yours")
    _state(shift, "scheduled")
    team = session.get(VolunteerTeam, shift.team_id)
    assert team is not None
    if now < shift.starts_at - timedelta(minutes=team.checkin_early_min):
        raise Conflict("vol_checkin_too_early", minutes=team.checkin_early_min)
    if now >= shift.ends_at:
        raise Conflict("vol_checkin_too_late")
    lat, lng = _wgs84(lat, lng, coord)
    geometry = _area_geometry(session, geo.get_area_by_id(session, shift.area_id))
    distance = distance_m(geometry, lat, lng) if geometry is not None else 0.0
    if distance > team.checkin_radius_m:
        raise Invalid("vol_checkin_far", distance=round(distance), radius=team.checkin_radius_m)
    shift.status = "checked_in"
    shift.checked_in_at = now
    shift.checkin_lat, shift.checkin_lng = lat, lng
    shift.checkin_distance_m = round(distance)
    session.flush()
    _log(session, "volunteer.checked_in", "patrol_shift", shift.id, user, now,
         {"distance_m": round(distance)})
    return shift


def credited_minutes(shift: PatrolShift, checked_in: datetime, checked_out: datetime) -> int:
    """Whole minutes of [check-in, check-out] inside the shift: never more than its length."""
    start = max(checked_in, shift.starts_at)
    end = min(checked_out, shift.ends_at)
    return max(int((end - start).total_seconds() // 60), 0)


def _credit(session: Session, shift: PatrolShift, until: datetime, how: str, now: datetime) -> VolunteerHours:
    assert shift.checked_in_at is not None
    hours = VolunteerHours(shift_id=shift.id, user_id=shift.volunteer_id, team_id=shift.team_id,
                           minutes=credited_minutes(shift, shift.checked_in_at, until), how=how, credited_at=now)
    try:
        with session.begin_nested():
            session.add(hours)
            session.flush()
    except IntegrityError:
        raise Conflict("vol_shift_state", status=translate("vol.shift.completed")) from None
    return hours


def check_out(session: Session, *, user: User, shift_id: int, now: datetime) -> VolunteerHours:
    shift = get_shift(session, user, shift_id, for_update=True)
    if shift.volunteer_id != user.id:
        raise Forbidden("vol_shift_not_yours")
    _state(shift, "checked_in")
    shift.status = "completed"
    shift.checked_out_at = now
    hours = _credit(session, shift, now, "checkout", now)
    _log(session, "volunteer.checked_out", "patrol_shift", shift.id, user, now, {"minutes": hours.minutes})
    return hours


def sweep(session: Session, now: datetime, *, batch: int = 200) -> int:
    """Credit forgotten check-outs up to the shift's end; mark never-started past shifts missed."""
    done = 0
    stmt = lock_for_update(
        select(PatrolShift).where(PatrolShift.status == "checked_in",
                                  PatrolShift.ends_at <= now - AUTO_CHECKOUT_GRACE).limit(batch),
        session, skip_locked=True)
    for shift in list(session.scalars(stmt)):
        shift.status = "completed"
        shift.checked_out_at = shift.ends_at
        hours = _credit(session, shift, shift.ends_at, "auto", now)
        _log(session, "volunteer.auto_checked_out", "patrol_shift", shift.id, None, now, {"minutes": hours.minutes})
        done += 1
    stmt = lock_for_update(
        select(PatrolShift).where(PatrolShift.status == "scheduled", PatrolShift.ends_at <= now).limit(batch),
        session, skip_locked=True)
    for shift in list(session.scalars(stmt)):
        shift.status = "missed"
        _log(session, "volunteer.shift_missed", "patrol_shift", shift.id, None, now, {})
        done += 1
    session.flush()
    return done


# ---------------------------------------------------------------- swaps


def request_swap(session: Session, *, user: User, shift_id: int, target_id: int, now: datetime,
                 their_shift_id: int | None = None, note: str = "") -> ShiftSwap:
    shift = get_shift(session, user, shift_id)
    if shift.volunteer_id != user.id:
        raise Forbidden("vol_shift_not_yours")
    _state(shift, "scheduled")
    if shift.starts_at <= now:
        raise Conflict("vol_shift_state", status=translate("vol.shift.checked_in"))
    if target_id == user.id:
        raise Invalid("vol_swap_self")
    team = session.get(VolunteerTeam, shift.team_id)
    assert team is not None
    target = session.get(User, target_id)
    if target is None or not _active_member(session, team, target_id):
        raise Invalid("vol_not_member", name=_name(target) if target else f"#{target_id}")
    if their_shift_id is not None:
        theirs = session.get(PatrolShift, their_shift_id)
        if (theirs is None or theirs.volunteer_id != target_id or theirs.team_id != team.id
                or theirs.status != "scheduled" or theirs.starts_at <= now):
            raise Invalid("vol_swap_their_shift_invalid")
    if session.scalar(select(ShiftSwap.id).where(ShiftSwap.shift_id == shift.id, ShiftSwap.status == "pending")):
        raise Conflict("vol_swap_pending_exists")
    swap = ShiftSwap(shift_id=shift.id, their_shift_id=their_shift_id, requester_id=user.id, target_id=target_id,
                     status="pending", note=note.strip()[:300], created_at=now)
    session.add(swap)
    session.flush()
    _log(session, "volunteer.swap_requested", "patrol_shift", shift.id, user, now,
         {"swap_id": swap.id, "target_id": target_id, "their_shift_id": their_shift_id})
    area = geo.get_area_by_id(session, shift.area_id)
    _notify(session, target, "vol.swap_requested", now, f"shift_swap:{swap.id}", name=_name(user),
            when=_when(shift), area=area.name)
    return swap


def decide_swap(session: Session, *, user: User, swap_id: int, accept: bool, now: datetime) -> ShiftSwap:
    swap = session.get(ShiftSwap, swap_id)
    if swap is None:
        raise NotFound("vol_swap_not_found")
    shift = get_shift(session, user, swap.shift_id, for_update=True)
    team = session.get(VolunteerTeam, shift.team_id)
    assert team is not None
    if swap.status != "pending":
        raise Conflict("vol_swap_not_pending")
    if user.id == swap.requester_id and not accept:
        swap.status = "cancelled"  # the requester withdraws
    elif user.id == swap.target_id or is_leader_or_staff(session, user, team):
        if accept:
            _apply_swap(session, swap, shift, now)
        swap.status = "accepted" if accept else "declined"
    else:
        raise Forbidden("vol_swap_decider")
    swap.decided_by_id, swap.decided_at = user.id, now
    session.flush()
    _log(session, "volunteer.swap_decided", "patrol_shift", shift.id, user, now,
         {"swap_id": swap.id, "status": swap.status})
    requester = session.get(User, swap.requester_id)
    if requester is not None and requester.id != user.id:
        _notify(session, requester, "vol.swap_decided", now, f"shift_swap:{swap.id}", when=_when(shift),
                result=translate(f"vol.swap.{swap.status}", requester.language))
    return swap


def _apply_swap(session: Session, swap: ShiftSwap, shift: PatrolShift, now: datetime) -> None:
    if shift.status != "scheduled" or shift.starts_at <= now or shift.volunteer_id != swap.requester_id:
        raise Conflict("vol_shift_state", status=translate(f"vol.shift.{shift.status}"))
    theirs: PatrolShift | None = None
    if swap.their_shift_id is not None:
        theirs = session.scalar(lock_for_update(select(PatrolShift).where(PatrolShift.id == swap.their_shift_id),
                                                session))
        if theirs is None or theirs.status != "scheduled" or theirs.starts_at <= now \
                or theirs.volunteer_id != swap.target_id:
            raise Invalid("vol_swap_their_shift_invalid")
    exclude = [shift.id] + ([theirs.id] if theirs else [])
    target = session.get(User, swap.target_id)
    requester = session.get(User, swap.requester_id)
    if _overlaps(session, swap.target_id, shift.starts_at, shift.ends_at, exclude):
        raise Conflict("vol_shift_overlap", name=_name(target))
    if theirs is not None and _overlaps(session, swap.requester_id, theirs.starts_at, theirs.ends_at, exclude):
        raise Conflict("vol_shift_overlap", name=_name(requester))
    shift.volunteer_id = swap.target_id
    if theirs is not None:
        theirs.volunteer_id = swap.requester_id


def pending_swaps_for(session: Session, user: User) -> list[ShiftSwap]:
    """Swaps waiting for this user's answer (as the other volunteer or as a team leader)."""
    led = select(VolunteerTeam.id).where(VolunteerTeam.leader_id == user.id)
    led_shifts = select(PatrolShift.id).where(PatrolShift.team_id.in_(led))
    return list(session.scalars(
        select(ShiftSwap).where(ShiftSwap.status == "pending",
                                (ShiftSwap.target_id == user.id) | ShiftSwap.shift_id.in_(led_shifts)
                                | (ShiftSwap.requester_id == user.id))
        .order_by(ShiftSwap.created_at)))


# ---------------------------------------------------------------- hours


@dataclass(frozen=True)
class HoursRow:
    user_id: int
    name: str
    minutes: int
    shifts: int


def team_hours(session: Session, team: VolunteerTeam, since: datetime | None = None) -> list[HoursRow]:
    joined = [VolunteerHours.user_id == User.id, VolunteerHours.team_id == team.id]
    if since is not None:
        joined.append(VolunteerHours.credited_at >= since)
    stmt = (
        select(User.id, User.display_name, User.username, func.coalesce(func.sum(VolunteerHours.minutes), 0),
               func.count(VolunteerHours.id))
        .join(VolunteerMember, (VolunteerMember.user_id == User.id) & (VolunteerMember.team_id == team.id))
        .outerjoin(VolunteerHours, and_(*joined))
        .group_by(User.id, User.display_name, User.username)
    )
    rows = [HoursRow(uid, dn or un, int(m), int(n)) for uid, dn, un, m, n in session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r.minutes, r.name))


def user_minutes(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(VolunteerHours.minutes), 0))
                              .where(VolunteerHours.user_id == user_id)) or 0)


# ---------------------------------------------------------------- patrol reports and warnings


def _file_case(session: Session, report: PatrolReport, actor: User, now: datetime,
               attributes: dict[str, Any]) -> int:
    data = CaseIn(
        category=report.category, description=report.description, lat=report.lat, lng=report.lng,
        grid_code=None if report.lat is not None else _grid_code(session, report), source="volunteer",
        external_ref=f"patrol_report:{report.id}", attributes=attributes,
    )
    # internal: the caller has checked that `actor` is an active member (or the leader / staff).
    done = cases.intake(session, actor=actor, data=data, now=now, internal=True)
    report.case_id = done.case.id
    report.status = "case_created"
    report.reviewed_by_id = actor.id if actor.id != report.reporter_id else None
    return done.case.id


def _grid_code(session: Session, report: PatrolReport) -> str | None:
    if report.grid_id is not None:
        return geo.get_area_by_id(session, report.grid_id).code
    return None


def file_report(session: Session, *, user: User, team_id: int, kind: str, description: str, now: datetime,
                category: str = "", lat: float | None = None, lng: float | None = None, coord: str = "wgs84",
                shift_id: int | None = None, attributes: dict[str, Any] | None = None) -> PatrolReport:
    """A patrol log entry (`report`) or an early warning (`warning`, becomes a case)."""
    team = get_team(session, user, team_id)
    if not _active_member(session, team, user.id):
        raise Forbidden("vol_not_member", name=_name(user))
    if kind not in ("report", "warning"):
        raise Invalid("validation_error", detail="kind")
    description = description.strip()
    if not description or len(description) > 2000:
        raise Invalid("vol_report_description_invalid")
    if kind == "warning" and not category:
        raise Invalid("vol_report_category_required")
    grid_id: int | None = None
    if lat is not None and lng is not None:
        lat, lng = _wgs84(lat, lng, coord)
        grid = geo.locate_grid(session, lat, lng)
        grid_id = grid.id if grid is not None else None
    else:
        lat = lng = None
    shift: PatrolShift | None = None
    if shift_id is not None:
        shift = get_shift(session, user, shift_id)
        if shift.volunteer_id != user.id or shift.team_id != team.id:
            raise Forbidden("vol_shift_not_yours")
        if grid_id is None:
            area = geo.get_area_by_id(session, shift.area_id)
            grid_id = area.id if area.level == "grid" else None
    report = PatrolReport(team_id=team.id, shift_id=shift_id, reporter_id=user.id, kind=kind, category=category,
                          description=description, lat=lat, lng=lng, grid_id=grid_id, status="recorded",
                          created_at=now)
    session.add(report)
    session.flush()
    if kind == "warning":
        # A refused intake (e.g. an unanswered required question) fails the whole call.
        _file_case(session, report, user, now, attributes or {})
    session.flush()
    _log(session, f"volunteer.{kind}", "patrol_report", report.id, user, now,
         {"category": category, "case_id": report.case_id, "status": report.status})
    return report


def review_warning(session: Session, *, user: User, report_id: int, accept: bool, now: datetime,
                   attributes: dict[str, Any] | None = None) -> PatrolReport:
    """The team leader (not a resident account) or community staff confirm or dismiss a warning that an
    earlier version held for review (new warnings become cases at once)."""
    report = session.scalar(lock_for_update(select(PatrolReport).where(PatrolReport.id == report_id), session))
    if report is None:
        raise NotFound("vol_report_not_found")
    team = get_team(session, user, report.team_id)
    if user.role == "resident" or not is_leader_or_staff(session, user, team):
        raise Forbidden("forbidden")
    if report.status != "pending_review":
        raise Conflict("vol_report_not_pending")
    if accept:
        _file_case(session, report, user, now, attributes or {})
    else:
        report.status = "dismissed"
        report.reviewed_by_id = user.id
    session.flush()
    _log(session, "volunteer.warning_reviewed", "patrol_report", report.id, user, now,
         {"status": report.status, "case_id": report.case_id})
    return report


def team_reports(session: Session, team: VolunteerTeam, *, limit: int = 50) -> list[PatrolReport]:
    return list(session.scalars(select(PatrolReport).where(PatrolReport.team_id == team.id)
                                .order_by(PatrolReport.created_at.desc(), PatrolReport.id.desc()).limit(limit)))
