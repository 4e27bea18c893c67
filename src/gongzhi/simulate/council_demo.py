"""The 和睦社区 council in the demo street: seats 50/30/20, a meeting held four weeks ago with its
minutes published, a decision whose action items are cases (one of them overdue), and the next
regular meetings (first Tuesday, 19:00) with the overdue item heading the agenda once noticed.

Everything goes through `gongzhi.council.service`, as a chair and secretary would through the pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import SHANGHAI, local
from gongzhi.council import service
from gongzhi.council.models import Council, CouncilMember

COMMUNITY = "SFQ-GZ-01"
OFFICIAL = "hemu"
PROPERTY_UNIT = "GZ-WY-01"
# (username or None, name, organisation, group, position); people without an account are recorded by name.
_SEATS: list[tuple[str | None, str, str, str, str]] = [
    ("yishi01", "", "", "residents", "chair"),
    ("yishi02", "", "", "residents", "secretary"),
    (None, "陈秀英", "3号楼楼长", "residents", "member"),
    (None, "刘建国", "业主代表", "residents", "member"),
    (None, "黄志强", "和睦物业服务有限公司", "property", "vice_chair"),
    (None, "林小燕", "和睦物业服务有限公司", "property", "member"),
    (None, "徐明", "和睦社工服务中心", "social_org", "member"),
]


def _user(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def seed_council(session: Session, now: datetime) -> Council:
    """Create the council and its history (flush only). Returns the council."""
    official = _user(session, OFFICIAL)
    council = service.create_council(
        session, actor=official, area_code=COMMUNITY, name="和睦社区议事协商委员会", now=now - timedelta(days=60),
        description="居民代表占50%席位、物业公司30%、第三方社会组织20%，每月第一个星期二召开例会。",
        location="和睦社区党群服务中心二楼会议室",
    )
    seats: dict[str, CouncilMember] = {}
    for username, name, org, group, position in _SEATS:
        user = _user(session, username) if username else None
        member = service.add_member(session, actor=official, council_id=council.id, group_code=group,
                                    user_id=user.id if user else None, name=name, organisation=org,
                                    position=position, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31),
                                    now=now - timedelta(days=60))
        seats[username or name] = member
    chair, secretary = _user(session, "yishi01"), _user(session, "yishi02")

    # Four weeks ago at 19:00 Beijing time: a meeting on the property fee and the maintenance fund.
    t0 = datetime.combine(local(now).date() - timedelta(days=28), time(19, 0), tzinfo=SHANGHAI).astimezone(UTC)
    meeting = service.schedule_meeting(session, actor=chair, council_id=council.id, now=t0 - timedelta(days=5),
                                       starts_at=t0, title="和睦社区议事会十月例会", kind="regular")
    fee = service.add_agenda_item(session, actor=secretary, meeting_id=meeting.id, now=t0 - timedelta(days=5),
                                  title="物业费调整", description="物业公司提出多层住宅物业费每平方米上调0.2元。")
    service.add_document(session, actor=secretary, item_id=fee.id, now=t0 - timedelta(days=5), title="物业服务成本测算",
                         body="保洁人工上涨8%，绿化养护外包费用上涨5%，电梯年检费用不变。")
    lift = service.add_agenda_item(session, actor=secretary, meeting_id=meeting.id, now=t0 - timedelta(days=5),
                                   title="维修基金使用：5号楼屋面防水", description="5号楼顶层三户反映漏水，报价3.6万元。")
    service.notice_meeting(session, actor=chair, meeting_id=meeting.id, now=t0 - timedelta(days=3))
    for key in ("yishi01", "yishi02"):
        service.check_in(session, actor=_user(session, key), meeting_id=meeting.id, now=t0)
    for key in ("陈秀英", "黄志强", "徐明"):
        service.check_in(session, actor=secretary, meeting_id=meeting.id, member_id=seats[key].id, now=t0,
                         mode="online" if key == "徐明" else "in_person")
    service.open_meeting(session, actor=chair, meeting_id=meeting.id, now=t0)

    def decide(title: str, item_id: int, votes: dict[str, str], *, rule: str = "simple_majority",
               secret: bool = False, at: datetime) -> int:
        motion = service.open_motion(session, actor=chair, meeting_id=meeting.id, title=title, rule=rule,
                                     secret=secret, agenda_item_id=item_id, now=at)
        for key, choice in votes.items():
            member = seats[key]
            actor = _user(session, key) if member.user_id else secretary
            service.cast_vote(session, actor=actor, motion_id=motion.id, choice=choice, now=at,
                              member_id=None if member.user_id else member.id)
        service.close_motion(session, actor=chair, motion_id=motion.id, now=at)
        return motion.id

    # The fee rise fails on a secret ballot (the residents' seats outweigh the property company's).
    decide("同意物业费每平方米上调0.2元", fee.id, {"yishi01": "no", "yishi02": "abstain", "陈秀英": "no",
                                                   "黄志强": "yes", "徐明": "no"},
           secret=True, at=t0 + timedelta(minutes=40))
    roof = decide("同意使用维修基金3.6万元修缮5号楼屋面", lift.id,
                  {"yishi01": "yes", "yishi02": "yes", "陈秀英": "yes", "黄志强": "yes", "徐明": "abstain"},
                  rule="two_thirds", at=t0 + timedelta(minutes=70))
    at = t0 + timedelta(minutes=80)
    service.create_action_item(session, actor=chair, motion_id=roof, title="委托施工单位完成5号楼屋面防水",
                               description="雨季前完工，完工后由居民代表验收。", due_on=(at + timedelta(days=14)).date(),
                               owner_unit_code=PROPERTY_UNIT, now=at)
    service.create_action_item(session, actor=chair, motion_id=roof, title="在公示栏公示维修基金使用明细",
                               due_on=(now + timedelta(days=10)).date(), owner_unit_code=PROPERTY_UNIT, now=at)
    service.close_meeting(session, actor=chair, meeting_id=meeting.id, now=t0 + timedelta(minutes=95))
    service.edit_minutes(session, actor=secretary, meeting_id=meeting.id, now=t0 + timedelta(days=1),
                         text=meeting.minutes + "\n会议于20:35结束。下次例会继续听取屋面维修进展。\n")
    service.publish_minutes(session, actor=secretary, meeting_id=meeting.id, now=t0 + timedelta(days=1))

    # The next regular meetings from the rule (first Tuesday, 19:00).
    service.generate_meetings(session, council, now, actor=chair)
    session.flush()
    return council
