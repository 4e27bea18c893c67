"""Seed owners' ballots and volunteer teams into the demo street (through the real services).

`seed_ballots_and_volunteers(session, district, now, seed)`: for the first urban community an estate
with four buildings and ~40 owners (the community's residents are linked owners and vote online;
the rest vote on paper), two closed ballots (one passed, one failed on the 3/4 rule), one open
and one draft; for every community a patrol team with two weeks of completed shifts (hours
credited from check-in/out), a week of upcoming shifts, and warnings that became cases.
Flush only; the caller commits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import SHANGHAI
from gongzhi.council import ballots, volunteers
from gongzhi.council.ballot_models import Owner
from gongzhi.simulate.district import District, GridInfo


@dataclass(frozen=True)
class BallotsDemo:
    estates: int
    owners: int
    ballots: int
    teams: int
    shifts: int
    credited_minutes: int
    warning_cases: int


def _user(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)


def _at(day: datetime, hour: int) -> datetime:
    """`hour` o'clock Shanghai time on the day of `day`."""
    return day.astimezone(SHANGHAI).replace(hour=hour, minute=0, second=0, microsecond=0)


def seed_ballots_and_volunteers(session: Session, district: District, now: datetime, seed: int = 7) -> BallotsDemo:
    rng = random.Random(seed)
    urban = [g for g in district.grids if not g.village]
    home = urban[0]
    official = _user(session, district.officials[home.community_id])
    owners, ballot_count = _seed_estate(session, rng, official, [g for g in urban if g.community_id ==
                                                                  home.community_id], home, now)
    teams = shifts = minutes = cases = 0
    by_community: dict[int, list[GridInfo]] = {}
    for g in district.grids:
        by_community.setdefault(g.community_id, []).append(g)
    for community_id, grids in by_community.items():
        vols = district.volunteer_ids.get(community_id, ())
        if not vols:
            continue
        t, s, m, c = _seed_team(session, rng, _user(session, district.officials[community_id]), grids, vols, now)
        teams += t
        shifts += s
        minutes += m
        cases += c
    return BallotsDemo(estates=1, owners=owners, ballots=ballot_count, teams=teams, shifts=shifts,
                       credited_minutes=minutes, warning_cases=cases)


def _seed_estate(session: Session, rng: random.Random, official: User, grids: list[GridInfo], home: GridInfo,
                 now: datetime) -> tuple[int, int]:
    start = now - timedelta(days=40)
    community_code = home.community_code
    estate = ballots.create_estate(session, actor=official, code=f"{community_code}-E1", name=home.compound,
                                   community_code=community_code, now=start)
    buildings = [ballots.add_building(session, actor=official, estate_id=estate.id, name=f"{n}幢", now=start)
                 for n in range(1, 5)]
    residents = [rid for g in grids for rid in g.resident_ids]
    owners = []
    paper_names = "周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    total = max(40, len(residents))
    for i in range(total):
        if i < len(residents):
            user = _user(session, residents[i])
            owner = ballots.add_owner(session, actor=official, estate_id=estate.id, name=user.display_name,
                                      phone=user.phone, username=user.username, now=start)
        else:
            owner = ballots.add_owner(session, actor=official, estate_id=estate.id,
                                      name=f"{paper_names[i % len(paper_names)]}业主{i:02d}", now=start)
        owners.append(owner)
        building = buildings[i % len(buildings)]
        floor, door = divmod(i // len(buildings), 2)
        area = f"{rng.randint(58, 142)}.{rng.randint(0, 99):02d}"
        ballots.add_unit(session, actor=official, building_id=building.id, number=f"{floor + 1}0{door + 1}",
                         area=area, owner_id=owner.id, now=start)
    # A few owners hold a second unit (a garage flat): one owner, summed area.
    for k in range(3):
        ballots.add_unit(session, actor=official, building_id=buildings[3].id, number=f"B{k + 1}",
                         area=f"{rng.randint(20, 35)}.50", owner_id=owners[k * 5].id, now=start)

    def run(matter: str, title: str, opened: datetime, closes: datetime, yes: float, turnout: float,
            close: bool) -> None:
        b = ballots.create_ballot(session, actor=official, estate_id=estate.id, matter=matter, title=title,
                                  description=title, closes_at=closes, now=opened - timedelta(days=1))
        ballots.open_ballot(session, actor=official, ballot_id=b.id, now=opened)
        for j, owner in enumerate(owners):
            if rng.random() > turnout:
                continue
            roll = rng.random()
            choice = "yes" if roll < yes else ("no" if roll < yes + (1 - yes) * 0.7 else "abstain")
            at = opened + timedelta(hours=1 + j)
            if owner.user_id is not None and rng.random() < 0.7:
                ballots.cast_online(session, user=_user(session, owner.user_id), ballot_id=b.id, choice=choice,
                                    now=at)
            else:
                ballots.record_paper(session, actor=official, ballot_id=b.id, owner_id=owner.id, choice=choice,
                                     paper_ref=f"{b.id}-{j + 1:03d}", now=at)
        if close:
            ballots.close_ballot(session, actor=official, ballot_id=b.id, now=closes)

    run("hire_property_manager", "续聘现物业服务企业（三年）", start + timedelta(days=2), start + timedelta(days=12),
        yes=0.8, turnout=0.9, close=True)
    run("raise_maintenance_fund", "续筹专项维修资金（每平方米 20 元）", start + timedelta(days=15),
        start + timedelta(days=25), yes=0.62, turnout=0.85, close=True)
    run("rebuild", "2幢、3幢加装电梯", now - timedelta(days=3), now + timedelta(days=5), yes=0.85, turnout=0.45,
        close=False)
    ballots.create_ballot(session, actor=official, estate_id=estate.id, matter="change_common_use",
                          title="小区东侧绿地改建为停车位", now=now - timedelta(hours=5))
    return len(owners), 4


def _seed_team(session: Session, rng: random.Random, official: User, grids: list[GridInfo],
               volunteer_ids: tuple[int, ...], now: datetime) -> tuple[int, int, int, int]:
    first = _user(session, volunteer_ids[0])
    created = now - timedelta(days=20)
    team = volunteers.create_team(session, actor=official, community_code=grids[0].community_code,
                                  name=f"{grids[0].community_name}平安巡逻队", leader_username=first.username,
                                  now=created)
    member_ids = [first.id]
    for vid in volunteer_ids[1:]:
        volunteers.add_member(session, actor=official, team_id=team.id, username=_user(session, vid).username,
                              now=created)
        member_ids.append(vid)
    resident_member: int | None = None
    for rid in grids[0].resident_ids[:2]:
        volunteers.add_member(session, actor=official, team_id=team.id, username=_user(session, rid).username,
                              now=created)
        member_ids.append(rid)
        resident_member = resident_member or rid
    shifts = minutes = cases = 0
    warned = False
    for day in range(-14, 8):
        base = now + timedelta(days=day)
        grid = grids[(day + 14) % len(grids)]
        for slot, hour in enumerate((9, 19)):
            starts = _at(base, hour)
            person = member_ids[(day + slot) % len(member_ids)]
            shift = volunteers.schedule_shift(
                session, actor=official, team_id=team.id, volunteer_id=person, area_code=grid.code,
                starts_at=starts, ends_at=starts + timedelta(hours=2), route=" — ".join(grid.roads[:2]),
                now=min(now, starts) - timedelta(days=1))
            shifts += 1
            if starts + timedelta(hours=2) > now or rng.random() < 0.1:
                continue  # upcoming, or missed (the worker's sweep marks it)
            point = grid.geometry.representative_point()
            user = _user(session, person)
            arrive = starts + timedelta(minutes=rng.randint(-15, 20))
            volunteers.check_in(session, user=user, shift_id=shift.id, lat=point.y, lng=point.x, now=arrive)
            if day >= -3 and not warned and user.role == "volunteer":
                warned = True
                report = volunteers.file_report(
                    session, user=user, team_id=team.id, kind="warning", category="elevator",
                    description=f"{grid.compound}电梯运行异响、门关不严，请物业检修", lat=point.y, lng=point.x,
                    shift_id=shift.id, attributes={"trapped": "no"}, now=arrive + timedelta(minutes=30))
                cases += 1 if report.case_id else 0
            else:
                volunteers.file_report(session, user=user, team_id=team.id, kind="report",
                                       description="巡查正常，无异常情况", shift_id=shift.id,
                                       now=arrive + timedelta(minutes=40))
            hours = volunteers.check_out(session, user=user, shift_id=shift.id,
                                         now=starts + timedelta(minutes=rng.randint(100, 140)))
            minutes += hours.minutes
    if resident_member is not None:
        # A resident member's warning becomes a case at once, like a volunteer's.
        spot = grids[0].geometry.representative_point()
        report = volunteers.file_report(session, user=_user(session, resident_member), team_id=team.id,
                                        kind="warning", category="fire_hazard", description="楼道内有人给电动车电池充电",
                                        lat=spot.y, lng=spot.x, now=now - timedelta(hours=3))
        cases += 1 if report.case_id else 0
    session.flush()
    return 1, shifts, minutes, cases


def demo_logins(session: Session) -> list[tuple[str, str]]:
    """(username, what to try) for the demo's login table."""
    owner = session.scalar(select(User.username).join(Owner, Owner.user_id == User.id).limit(1))
    out = [("zhiyuan01", "/volunteers — 排班、签到、换班、预警")]
    if owner:
        out.append((owner, "/ballots — 业主网上投票"))
    return out
