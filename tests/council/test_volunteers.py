"""Volunteers: roster, swaps, check-in by location, hours (capped, never twice), warnings → cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import GRID_BOXES, T0, build_area_tree, make_user, point_in, square

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.council import volunteers as vol
from gongzhi.council.volunteer_models import PatrolReport, PatrolShift, VolunteerHours, VolunteerTeam
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo.service import parse_geometry
from gongzhi.notify.models import OutboxMessage

START = T0 + timedelta(days=1)  # Tuesday 10:00 Shanghai


@dataclass
class Team:
    team: VolunteerTeam
    staff: User
    leader: User
    v2: User
    v3: User
    resident: User


def make_team(session: Session) -> Team:
    build_area_tree(session)
    staff = make_user(session, "gw1", "grid_worker", "G1")
    leader = make_user(session, "lead1", "volunteer", "C1", display_name="王队长")
    v2 = make_user(session, "vol2", "volunteer", "G1", display_name="李志愿")
    v3 = make_user(session, "vol3", "volunteer", "G2", display_name="赵志愿")
    resident = make_user(session, "res1", "resident", "G1", display_name="陈居民")
    team = vol.create_team(session, actor=staff, community_code="C1", name="宝石巡逻队", leader_username="lead1",
                           now=T0)
    for name in ("vol2", "vol3", "res1"):
        vol.add_member(session, actor=leader, team_id=team.id, username=name, now=T0)
    return Team(team, staff, leader, v2, v3, resident)


def shift_for(session: Session, t: Team, user: User, *, start: timedelta = timedelta(0), hours: int = 2,
              area: str = "G1") -> PatrolShift:
    return vol.schedule_shift(session, actor=t.leader, team_id=t.team.id, volunteer_id=user.id, area_code=area,
                              starts_at=START + start, ends_at=START + start + timedelta(hours=hours),
                              route="宝石山下—保俶路", now=T0)


def inside_g1() -> tuple[float, float]:
    lng, lat = point_in("G1")
    return lat, lng


def test_distance_to_area() -> None:
    geom = parse_geometry(square(GRID_BOXES["G1"]))
    lat, lng = inside_g1()
    assert vol.distance_m(geom, lat, lng) == 0.0
    # 0.001° of longitude east of G1's east edge at lat 30.252 ≈ 96 m.
    east = vol.distance_m(geom, 30.252, GRID_BOXES["G1"][2] + 0.001)
    assert 95 < east < 97
    north = vol.distance_m(geom, GRID_BOXES["G1"][3] + 0.001, 120.202)
    assert 110 < north < 111.5


def test_membership_rules(session: Session) -> None:
    t = make_team(session)
    outsider = make_user(session, "vol9", "volunteer", "G3")  # lives in C2
    with pytest.raises(Invalid):
        vol.add_member(session, actor=t.leader, team_id=t.team.id, username="vol9", now=T0)
    with pytest.raises(Invalid):
        vol.add_member(session, actor=t.leader, team_id=t.team.id, username="gw1", now=T0)
    with pytest.raises(Conflict):
        vol.add_member(session, actor=t.leader, team_id=t.team.id, username="vol2", now=T0)
    with pytest.raises(Forbidden):
        vol.add_member(session, actor=t.v2, team_id=t.team.id, username="res1", now=T0)
    with pytest.raises(NotFound):  # not in their scope at all
        vol.get_team(session, outsider, t.team.id)


def test_schedule_rules(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    assert shift.status == "scheduled"
    with pytest.raises(Conflict):  # overlaps the first
        shift_for(session, t, t.v2, start=timedelta(hours=1))
    with pytest.raises(Invalid):
        shift_for(session, t, t.v2, start=timedelta(hours=3), hours=13)
    with pytest.raises(Invalid):
        shift_for(session, t, t.v2, start=timedelta(hours=3), area="G3")  # other community
    with pytest.raises(Invalid):
        vol.schedule_shift(session, actor=t.leader, team_id=t.team.id, volunteer_id=t.v2.id, area_code="G1",
                           starts_at=T0 - timedelta(hours=1), ends_at=T0 + timedelta(hours=1), now=T0)
    with pytest.raises(Forbidden):
        vol.schedule_shift(session, actor=t.v2, team_id=t.team.id, volunteer_id=t.v2.id, area_code="G1",
                           starts_at=START + timedelta(hours=8), ends_at=START + timedelta(hours=9), now=T0)


def test_check_in_window_and_location(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    lat, lng = inside_g1()
    with pytest.raises(Conflict) as early:
        vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START - timedelta(minutes=31))
    assert early.value.code == "vol_checkin_too_early"
    with pytest.raises(Forbidden):
        vol.check_in(session, user=t.v3, shift_id=shift.id, lat=lat, lng=lng, now=START)
    # 0.003° east of G1 ≈ 289 m: beyond the 200 m allowance.
    with pytest.raises(Invalid) as far:
        vol.check_in(session, user=t.v2, shift_id=shift.id, lat=30.252, lng=GRID_BOXES["G1"][2] + 0.003, now=START)
    assert far.value.code == "vol_checkin_far" and 280 < far.value.params["distance"] < 300
    # ≈ 96 m outside the boundary: inside the allowance.
    done = vol.check_in(session, user=t.v2, shift_id=shift.id, lat=30.252, lng=GRID_BOXES["G1"][2] + 0.001,
                        now=START - timedelta(minutes=10))
    assert done.status == "checked_in" and 90 < (done.checkin_distance_m or 0) < 100
    with pytest.raises(Conflict):
        vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START)


def test_check_in_after_end_refused(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    lat, lng = inside_g1()
    with pytest.raises(Conflict) as late:
        vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START + timedelta(hours=2))
    assert late.value.code == "vol_checkin_too_late"


def test_hours_capped_at_shift_length_and_never_twice(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    lat, lng = inside_g1()
    vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START - timedelta(minutes=25))
    hours = vol.check_out(session, user=t.v2, shift_id=shift.id, now=START + timedelta(hours=3))
    assert hours.minutes == 120  # early arrival and late leave are not counted
    with pytest.raises(Conflict):
        vol.check_out(session, user=t.v2, shift_id=shift.id, now=START + timedelta(hours=3))
    assert vol.sweep(session, START + timedelta(days=1)) == 0
    count = session.scalar(select(func.count()).select_from(VolunteerHours).where(VolunteerHours.shift_id == shift.id))
    assert count == 1 and vol.user_minutes(session, t.v2.id) == 120


def test_partial_shift_credits_the_overlap(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    lat, lng = inside_g1()
    vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START + timedelta(minutes=20))
    hours = vol.check_out(session, user=t.v2, shift_id=shift.id, now=START + timedelta(minutes=95, seconds=59))
    assert hours.minutes == 75


def test_sweep_auto_checkout_and_missed(session: Session) -> None:
    t = make_team(session)
    forgot = shift_for(session, t, t.v2)
    never = shift_for(session, t, t.v3)
    lat, lng = inside_g1()
    vol.check_in(session, user=t.v2, shift_id=forgot.id, lat=lat, lng=lng, now=START + timedelta(minutes=30))
    end = START + timedelta(hours=2)
    assert vol.sweep(session, end + timedelta(minutes=5)) == 1  # only the missed shift so far
    assert never.status == "missed" and forgot.status == "checked_in"
    assert vol.sweep(session, end + vol.AUTO_CHECKOUT_GRACE) == 1
    assert forgot.status == "completed"
    credited = session.scalars(select(VolunteerHours).where(VolunteerHours.shift_id == forgot.id)).one()
    assert (credited.minutes, credited.how) == (90, "auto")
    rows = {r.user_id: r for r in vol.team_hours(session, t.team)}
    assert rows[t.v2.id].minutes == 90 and rows[t.v3.id].minutes == 0 and rows[t.v2.id].shifts == 1


def test_swap_accepted_by_the_other_volunteer(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    swap = vol.request_swap(session, user=t.v2, shift_id=shift.id, target_id=t.v3.id, note="家里有事", now=T0)
    with pytest.raises(Conflict):
        vol.request_swap(session, user=t.v2, shift_id=shift.id, target_id=t.v3.id, now=T0)
    with pytest.raises(Forbidden):
        vol.decide_swap(session, user=t.resident, swap_id=swap.id, accept=True, now=T0)
    notices = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == f"user:{t.v3.id}")).all()
    assert any(m.topic == "vol.swap_requested" for m in notices)
    vol.decide_swap(session, user=t.v3, swap_id=swap.id, accept=True, now=T0)
    assert swap.status == "accepted" and shift.volunteer_id == t.v3.id
    with pytest.raises(Conflict):
        vol.decide_swap(session, user=t.v3, swap_id=swap.id, accept=True, now=T0)
    # The old volunteer can no longer check in; the new one can.
    lat, lng = inside_g1()
    with pytest.raises(Forbidden):
        vol.check_in(session, user=t.v2, shift_id=shift.id, lat=lat, lng=lng, now=START)
    assert vol.check_in(session, user=t.v3, shift_id=shift.id, lat=lat, lng=lng, now=START).status == "checked_in"


def test_exchange_accepted_by_leader_and_overlap_refused(session: Session) -> None:
    t = make_team(session)
    mine = shift_for(session, t, t.v2)
    theirs = shift_for(session, t, t.v3, start=timedelta(days=1))
    swap = vol.request_swap(session, user=t.v2, shift_id=mine.id, target_id=t.v3.id, their_shift_id=theirs.id,
                            now=T0)
    vol.decide_swap(session, user=t.leader, swap_id=swap.id, accept=True, now=T0)
    assert (mine.volunteer_id, theirs.volunteer_id) == (t.v3.id, t.v2.id)
    # A hand-over onto someone already busy then is refused when accepted.
    busy = shift_for(session, t, t.resident, start=timedelta(hours=1))
    s2 = vol.request_swap(session, user=t.resident, shift_id=busy.id, target_id=t.v3.id, now=T0)
    with pytest.raises(Conflict) as clash:
        vol.decide_swap(session, user=t.v3, swap_id=s2.id, accept=True, now=T0)
    assert clash.value.code == "vol_shift_overlap"
    assert busy.volunteer_id == t.resident.id


def test_declined_and_withdrawn_swaps(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    s1 = vol.request_swap(session, user=t.v2, shift_id=shift.id, target_id=t.v3.id, now=T0)
    vol.decide_swap(session, user=t.v3, swap_id=s1.id, accept=False, now=T0)
    assert s1.status == "declined" and shift.volunteer_id == t.v2.id
    s2 = vol.request_swap(session, user=t.v2, shift_id=shift.id, target_id=t.v3.id, now=T0)
    vol.decide_swap(session, user=t.v2, swap_id=s2.id, accept=False, now=T0)
    assert s2.status == "cancelled"
    with pytest.raises(Invalid):
        vol.request_swap(session, user=t.v2, shift_id=shift.id, target_id=t.v2.id, now=T0)


def test_warning_from_volunteer_becomes_elevator_case(session: Session) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    lat, lng = inside_g1()
    report = vol.file_report(session, user=t.v2, team_id=t.team.id, kind="warning", category="elevator",
                             description="3幢电梯门关不上，轿厢异响", lat=lat, lng=lng, shift_id=shift.id,
                             attributes={"trapped": "no"}, now=START + timedelta(minutes=40))
    assert report.status == "case_created" and report.case_id is not None
    case = session.get_one(Case, report.case_id)
    assert case.source == "volunteer" and case.external_ref == f"patrol_report:{report.id}"
    assert case.priority == "P2" and case.grid_id == report.grid_id
    # Someone trapped raises the case to P1, as for any elevator case.
    urgent = vol.file_report(session, user=t.v2, team_id=t.team.id, kind="warning", category="elevator",
                             description="有人被困电梯", lat=lat, lng=lng, attributes={"trapped": "yes"},
                             now=START + timedelta(minutes=50))
    assert session.get_one(Case, urgent.case_id).priority == "P1"


def test_warning_missing_required_answer_is_refused(session: Session) -> None:
    t = make_team(session)
    lat, lng = inside_g1()
    with pytest.raises(Invalid):
        vol.file_report(session, user=t.v2, team_id=t.team.id, kind="warning", category="elevator",
                        description="电梯异响", lat=lat, lng=lng, now=START)
    with pytest.raises(Invalid):
        vol.file_report(session, user=t.v2, team_id=t.team.id, kind="warning", description="无类别", now=START)


def test_resident_member_warning_becomes_a_case_at_once(session: Session) -> None:
    """The team membership was checked here, so a resident member's warning needs no confirmation:
    the case is filed at once, with the resident as its reporter (who then sees it as their own)."""
    t = make_team(session)
    lat, lng = inside_g1()
    report = vol.file_report(session, user=t.resident, team_id=t.team.id, kind="warning", category="fire_hazard",
                             description="楼道堆放电动车电池", lat=lat, lng=lng, now=START)
    assert report.status == "case_created" and report.case_id is not None and report.reviewed_by_id is None
    case = session.get_one(Case, report.case_id)
    assert (case.source, case.reporter_id, case.reporter_name) == ("volunteer", t.resident.id, "陈居民")
    assert case.status == "dispatched" and case.external_ref == f"patrol_report:{report.id}"
    assert case.id in set(session.scalars(cases.scoped_cases(session, t.resident).with_only_columns(Case.id)))
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.topic == "vol.warning_review")) == 0
    # Outside the volunteers service the intake still refuses the source from a resident account.
    with pytest.raises(Forbidden):
        cases.intake(session, actor=t.resident, now=START, data=CaseIn(
            category="fire_hazard", description="x", lat=lat, lng=lng, source="volunteer"))


def test_a_warning_held_for_review_earlier_can_still_be_confirmed(session: Session) -> None:
    t = make_team(session)
    lat, lng = inside_g1()
    report = PatrolReport(team_id=t.team.id, reporter_id=t.resident.id, kind="warning", category="fire_hazard",
                          description="楼道堆放电动车电池", lat=lat, lng=lng, status="pending_review",
                          created_at=START)
    session.add(report)
    session.flush()
    with pytest.raises(Forbidden):
        vol.review_warning(session, user=t.v2, report_id=report.id, accept=True, now=START)
    vol.review_warning(session, user=t.leader, report_id=report.id, accept=True, now=START)
    assert report.status == "case_created" and report.reviewed_by_id == t.leader.id
    assert session.get_one(Case, report.case_id).source == "volunteer"
    with pytest.raises(Conflict):
        vol.review_warning(session, user=t.leader, report_id=report.id, accept=True, now=START)


def test_plain_report_and_non_member(session: Session) -> None:
    t = make_team(session)
    stranger = make_user(session, "vol8", "volunteer", "G1")
    r = vol.file_report(session, user=t.v2, team_id=t.team.id, kind="report", description="巡查一切正常", now=START)
    assert r.status == "recorded" and r.case_id is None
    with pytest.raises(NotFound):  # not a member: the team is not even visible
        vol.file_report(session, user=stranger, team_id=t.team.id, kind="report", description="x", now=START)
    assert [x.id for x in vol.team_reports(session, t.team)] == [r.id]


def test_combined_sweep_for_the_worker(session: Session) -> None:
    from gongzhi.council import ballot_tasks

    t = make_team(session)
    shift_for(session, t, t.v2)
    assert ballot_tasks.sweep(session, START) == 0
    assert ballot_tasks.sweep(session, START + timedelta(hours=2)) == 1  # the shift was missed
