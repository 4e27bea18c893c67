"""Council service on both databases: quorum from attendance, weighted votes, secret ballots, minutes,
action items as cases, overdue items on the next agenda, recurrence, permissions."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction as F

import pytest
from sqlalchemy import select
from tests import factories
from tests.council.council_fixtures import Town, town_fixture  # noqa: F401  (the `town` fixture)

from gongzhi.audit.models import AuditEntry
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.council import service
from gongzhi.council.models import Council, Meeting, Vote
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.notify.models import OutboxMessage


def test_default_seats_and_members_in_term(town: Town) -> None:
    groups = service.seat_groups(town.session, town.council.id)
    assert [(g.code, g.quota) for g in groups] == [("residents", 500), ("property", 300), ("social_org", 200)]
    # A term that ended no longer counts.
    service.end_term(town.session, actor=town.official, member_id=town.seats[town.residents[1].id].id,
                     end=date(2026, 10, 31), now=town.now)
    in_term = service.members(town.session, town.council.id, on=date(2026, 11, 23))
    assert len(in_term) == 7 and town.seats[town.residents[1].id].id not in {m.id for m in in_term}
    # Quotas are editable but must add up to 100%.
    with pytest.raises(Invalid):
        service.set_groups(town.session, actor=town.official, council_id=town.council.id, now=town.now,
                           groups=[service.GroupSpec("residents", "居民", 600), service.GroupSpec("property", "物业", 300),
                                   service.GroupSpec("social_org", "社会组织", 200)])
    service.set_groups(town.session, actor=town.official, council_id=town.council.id, now=town.now,
                       groups=[service.GroupSpec("residents", "居民代表", 600),
                               service.GroupSpec("property", "物业公司", 250),
                               service.GroupSpec("social_org", "社会组织", 150)])
    assert [g.quota for g in service.seat_groups(town.session, town.council.id)] == [600, 250, 150]
    with pytest.raises(Conflict):  # a group with members cannot disappear
        service.set_groups(town.session, actor=town.official, council_id=town.council.id, now=town.now,
                           groups=[service.GroupSpec("residents", "居民代表", 1000)])


def test_only_managers_edit_seats(town: Town) -> None:
    with pytest.raises(Forbidden):
        service.add_member(town.session, actor=town.chair, council_id=town.council.id, group_code="residents",
                           name="某人", now=town.now)
    with pytest.raises(Conflict):  # one chair per term
        service.add_member(town.session, actor=town.official, council_id=town.council.id, group_code="residents",
                           name="另一主任", position="chair", now=town.now)


def test_quorum_at_the_boundary(town: Town) -> None:
    # Residents 4 seats (1/8 each), property 2 (3/20 each), social 2 (1/10 each, one recorded by name).
    m = town.meeting(hours=1)
    service.notice_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    for u in (town.chair, town.secretary, *town.residents):
        service.check_in(town.session, actor=u, meeting_id=m.id, now=town.now)
    q = service.quorum_now(town.session, m, town.now)
    assert q.present_weight == F(1, 2) and not q.met  # exactly half is not more than half
    service.open_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    with pytest.raises(Conflict) as no_quorum:
        service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="物业费调整", now=town.now)
    assert no_quorum.value.code == "council_quorum_not_met"
    service.check_in(town.session, actor=town.secretary, meeting_id=m.id, member_id=town.by_name.id,
                     mode="online", now=town.now)
    q = service.quorum_now(town.session, m, town.now)
    assert q.present_weight == F(3, 5) and q.met
    service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="物业费调整", now=town.now)
    # Configurable: a two-thirds quorum is not met by 3/5.
    service.update_council(town.session, actor=town.official, council_id=town.council.id, now=town.now,
                           quorum=F(2, 3))
    assert not service.quorum_now(town.session, m, town.now).met


def test_weighted_vote_with_unequal_groups(town: Town) -> None:
    # Present: 4 residents, 1 of 2 property, the social worker -> roll 4 / 1 / 1.
    m = town.in_session([town.chair, town.secretary, *town.residents, town.property_reps[0], town.social])
    motion = service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="维修基金使用",
                                 now=town.now, rule="simple_majority")
    for u, choice in ((town.chair, "yes"), (town.secretary, "yes"), (town.residents[0], "no"),
                      (town.residents[1], "abstain"), (town.property_reps[0], "no"), (town.social, "yes")):
        service.cast_vote(town.session, actor=u, motion_id=motion.id, choice=choice, now=town.now)
    result = service.close_motion(town.session, actor=town.chair, motion_id=motion.id, now=town.now)
    # residents: 1/8 each -> yes 1/4, no 1/8, abstain 1/8; property: the one present carries 3/10; social 1/5.
    assert result.yes == F(1, 4) + F(1, 5) and result.no == F(1, 8) + F(3, 10) and result.abstain == F(1, 8)
    assert result.passed  # 9/20 > 17/40
    assert motion.result == "passed" and motion.status == "closed"
    assert [s.quota for s in result.groups] == [s.yes + s.no + s.abstain + s.not_voted for s in result.groups]
    # A closed motion refuses votes.
    with pytest.raises(Conflict):
        service.cast_vote(town.session, actor=town.property_reps[1], motion_id=motion.id, choice="yes", now=town.now)


def test_votes_only_by_members_on_the_roll_once(town: Town) -> None:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social], by_name=True)
    motion = service.open_motion(town.session, actor=town.secretary, meeting_id=m.id, title="加装电梯",
                                 now=town.now, rule="two_thirds", abstentions="included")
    service.cast_vote(town.session, actor=town.chair, motion_id=motion.id, choice="yes", now=town.now)
    with pytest.raises(Conflict):
        service.cast_vote(town.session, actor=town.chair, motion_id=motion.id, choice="no", now=town.now)
    # Came after the motion opened: not on its roll.
    service.check_in(town.session, actor=town.property_reps[0], meeting_id=m.id, now=town.now)
    with pytest.raises(Forbidden) as late:
        service.cast_vote(town.session, actor=town.property_reps[0], motion_id=motion.id, choice="yes", now=town.now)
    assert late.value.code == "council_not_on_roll"
    # A resident is not a council member; someone from another community cannot even see it.
    with pytest.raises(NotFound):
        service.cast_vote(town.session, actor=town.resident, motion_id=motion.id, choice="yes", now=town.now)
    with pytest.raises(NotFound):
        service.cast_vote(town.session, actor=town.outsider, motion_id=motion.id, choice="yes", now=town.now)
    # The secretary records the vote of the member without an account, not of one with an account.
    service.cast_vote(town.session, actor=town.secretary, motion_id=motion.id, choice="yes", now=town.now,
                      member_id=town.by_name.id)
    with pytest.raises(Forbidden):
        service.cast_vote(town.session, actor=town.secretary, motion_id=motion.id, choice="yes", now=town.now,
                          member_id=town.seats[town.social.id].id)
    # An ordinary member cannot close the vote.
    with pytest.raises(Forbidden):
        service.close_motion(town.session, actor=town.residents[0], motion_id=motion.id, now=town.now)


def test_secret_ballot_keeps_who_but_not_how(town: Town) -> None:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social, *town.property_reps])
    motion = service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="选举监督员",
                                 now=town.now, secret=True, rule="majority_of_all")
    for u, choice in ((town.chair, "yes"), (town.secretary, "no"), (town.social, "yes"),
                      (town.property_reps[0], "yes"), (town.property_reps[1], "abstain")):
        service.cast_vote(town.session, actor=u, motion_id=motion.id, choice=choice, now=town.now)
    stored = town.session.scalars(select(Vote).where(Vote.motion_id == motion.id)).all()
    assert len(stored) == 5 and all(v.choice is None for v in stored)  # who voted: yes; how: nowhere
    assert service.open_ballot_votes(town.session, motion) == []
    entries = town.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "council_motion",
                                                            AuditEntry.kind == "council.vote")).all()
    assert len(entries) == 5 and all("choice" not in e.data for e in entries)
    result = service.close_motion(town.session, actor=town.chair, motion_id=motion.id, now=town.now)
    # residents 1/8 yes (+1/8 no), property 3/20 yes + 3/20 abstain, social 1/5 yes: yes 19/40 < 1/2.
    assert result.yes == F(1, 8) + F(3, 20) + F(1, 5) and not result.passed


def test_open_ballot_shows_each_vote(town: Town) -> None:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social])
    motion = service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="公开表决", now=town.now)
    service.cast_vote(town.session, actor=town.social, motion_id=motion.id, choice="no", now=town.now)
    assert [(mem.name, c) for mem, c in service.open_ballot_votes(town.session, motion)] == [("吴社工", "no")]


def _run_meeting_with_decision(town: Town) -> tuple[Meeting, int]:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social])
    item = service.add_agenda_item(town.session, actor=town.secretary, meeting_id=m.id, title="物业费调整",
                                   description="物业公司提出每平方米上调0.2元", now=town.now)
    service.add_document(town.session, actor=town.secretary, item_id=item.id, title="物业费测算表",
                         filename="fee.csv", content=b"item,cost\nclean,1000\n", content_type="text/csv",
                         now=town.now)
    motion = service.open_motion(town.session, actor=town.chair, meeting_id=m.id, title="同意上调物业费0.2元",
                                 now=town.now, agenda_item_id=item.id)
    for u in (town.chair, town.secretary, town.social):
        service.cast_vote(town.session, actor=u, motion_id=motion.id, choice="yes", now=town.now)
    service.cast_vote(town.session, actor=town.residents[0], motion_id=motion.id, choice="no", now=town.now)
    service.close_motion(town.session, actor=town.chair, motion_id=motion.id, now=town.now)
    return m, motion.id


def test_action_item_becomes_a_case_for_its_owner(town: Town) -> None:
    _m, motion_id = _run_meeting_with_decision(town)
    item = service.create_action_item(town.session, actor=town.secretary, motion_id=motion_id,
                                      title="公示新物业费标准", due_on=date(2026, 12, 10), now=town.now,
                                      owner_unit_code="U-PROP", description="在各楼栋公示栏张贴")
    case = town.session.get(Case, item.case_id)
    assert case is not None and case.source == "council" and case.unit_id == town.unit.id
    assert case.status == "dispatched" and case.external_ref == f"council_action:{item.id}"
    assert "同意上调物业费0.2元" in case.description
    views = service.action_item_views(town.session, town.council.id, town.now)
    assert [(v.progress, v.overdue, v.owner) for v in views] == [("not_started", False, "宝石物业")]
    # Progress follows the case as the property company's staff work it.
    staff = factories.make_user(town.session, "wuye1", "dept_staff", area_code="C1", unit_code="U-PROP",
                                now=town.now)
    for action, progress in (("accept", "in_progress"), ("start", "in_progress"), ("resolve", "done")):
        cases.transition(town.session, user=staff, case_id=case.id, action=action, now=town.now, note="已张贴")
        assert service.action_item_views(town.session, town.council.id, town.now)[0].progress == progress
    # A failed or open motion cannot create action items; an ordinary member cannot either.
    with pytest.raises(Forbidden):
        service.create_action_item(town.session, actor=town.residents[0], motion_id=motion_id, title="x",
                                   due_on=date(2026, 12, 10), now=town.now, owner_unit_code="U-PROP")
    with pytest.raises(Invalid):
        service.create_action_item(town.session, actor=town.chair, motion_id=motion_id, title="x",
                                   due_on=date(2026, 12, 10), now=town.now)


def test_overdue_items_open_the_next_agenda(town: Town) -> None:
    _m, motion_id = _run_meeting_with_decision(town)
    service.create_action_item(town.session, actor=town.chair, motion_id=motion_id, title="公示新物业费标准",
                               due_on=date(2026, 11, 30), now=town.now, owner_unit_code="U-PROP")
    service.create_action_item(town.session, actor=town.chair, motion_id=motion_id, title="年底前完成",
                               due_on=date(2026, 12, 31), now=town.now, owner_unit_code="U-PROP")
    town.clock.advance(timedelta(days=10))  # 2026-12-03: the first is overdue, the second is not
    nxt = town.meeting(hours=72)
    service.add_agenda_item(town.session, actor=town.secretary, meeting_id=nxt.id, title="绿化改造", now=town.now)
    service.notice_meeting(town.session, actor=town.secretary, meeting_id=nxt.id, now=town.now)
    titles = [a.title for a in service.agenda(town.session, nxt.id)]
    assert titles == ["【逾期事项】公示新物业费标准", "绿化改造"]
    # Opening again does not add it twice.
    for u in (town.chair, town.secretary, *town.residents, town.social):
        service.check_in(town.session, actor=u, meeting_id=nxt.id, now=town.now)
    service.open_meeting(town.session, actor=town.chair, meeting_id=nxt.id, now=town.now)
    assert [a.title for a in service.agenda(town.session, nxt.id)] == titles


def test_minutes_from_the_record_edited_and_published(town: Town) -> None:
    service.subscribe(town.session, user=town.resident, council_id=town.council.id, now=town.now)
    m, motion_id = _run_meeting_with_decision(town)
    service.create_action_item(town.session, actor=town.chair, motion_id=motion_id, title="公示新物业费标准",
                               due_on=date(2026, 12, 10), now=town.now, owner_unit_code="U-PROP")
    with pytest.raises(Conflict):  # minutes only after the meeting closes
        service.edit_minutes(town.session, actor=town.secretary, meeting_id=m.id, text="x", now=town.now)
    service.close_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    text = m.minutes
    for expected in ("会议纪要：十二月议事会", "出席委员（5 人）", "王主任（居民代表，主任，现场）",
                     "出席席位权重 60.00%（须超过 50.00%）：达到法定人数", "1. 物业费调整",
                     "同意上调物业费0.2元 — 简单多数（赞成多于反对，弃权不计），记名：通过",
                     "赞成 45.00%，反对 12.50%，弃权 0.00%（4 人投票）",
                     "赞成 45.00% (9/20) > 反对 12.50% (1/8)", "社会组织（席位 20%，表决名单 1 人，每人 1/5）",
                     "落实事项：公示新物业费标准（责任方 宝石物业，期限 2026-12-10）"):
        assert expected in text, expected
    # The chair may run the meeting but not edit minutes; the secretary may.
    with pytest.raises(Forbidden):
        service.edit_minutes(town.session, actor=town.chair, meeting_id=m.id, text="x", now=town.now)
    service.edit_minutes(town.session, actor=town.secretary, meeting_id=m.id, text=text + "\n会议于20:30结束。",
                         now=town.now)
    with pytest.raises(Forbidden):
        service.publish_minutes(town.session, actor=town.residents[0], meeting_id=m.id, now=town.now)
    # Before publication a resident cannot read them.
    with pytest.raises(NotFound):
        service.get_meeting(town.session, town.resident, m.id, published_only=True)
    service.publish_minutes(town.session, actor=town.secretary, meeting_id=m.id, now=town.now)
    assert m.status == "minutes_published"
    seen = service.get_meeting(town.session, town.resident, m.id, published_only=True)
    assert seen.minutes.endswith("会议于20:30结束。")
    sent = town.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "council.minutes.published")).all()
    assert f"user:{town.resident.id}" in {s.recipient for s in sent}
    with pytest.raises(Conflict):
        service.edit_minutes(town.session, actor=town.secretary, meeting_id=m.id, text="改", now=town.now)


def test_notice_goes_to_members_in_term_through_the_outbox(town: Town) -> None:
    m = town.meeting()
    service.add_agenda_item(town.session, actor=town.chair, meeting_id=m.id, title="维修基金使用", now=town.now)
    with pytest.raises(Forbidden):
        service.notice_meeting(town.session, actor=town.residents[0], meeting_id=m.id, now=town.now)
    service.notice_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    sent = town.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "council.meeting.notice")).all()
    assert {s.recipient for s in sent} == {f"user:{u}" for u in town.seats}  # the by-name member has no account
    assert all("维修基金使用" in s.body for s in sent)
    with pytest.raises(Conflict):
        service.notice_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)


def test_monthly_recurrence_and_sweep(town: Town) -> None:
    council = town.session.get_one(Council, town.council.id)
    # Default: first Tuesday, 19:00 Shanghai.
    assert service.regular_dates(council, date(2026, 11, 23), 3) == [date(2026, 12, 1), date(2027, 1, 5),
                                                                      date(2027, 2, 2)]
    service.update_council(town.session, actor=town.official, council_id=council.id, now=town.now,
                           recurrence="nth_weekday", week=-1, weekday=4)
    assert service.regular_dates(council, date(2026, 11, 23), 2) == [date(2026, 11, 27), date(2026, 12, 25)]
    service.update_council(town.session, actor=town.official, council_id=council.id, now=town.now,
                           recurrence="day_of_month", day=15)
    assert service.regular_dates(council, date(2026, 11, 23), 2) == [date(2026, 12, 15), date(2027, 1, 15)]
    created = service.generate_meetings(town.session, council, town.now)
    assert [m.starts_at.isoformat() for m in created] == ["2026-12-15T11:00:00+00:00", "2027-01-15T11:00:00+00:00"]
    assert service.generate_meetings(town.session, council, town.now) == []  # idempotent
    # The sweep sends the notice three days ahead.
    town.clock.set(created[0].starts_at - timedelta(days=3, minutes=-1))
    from gongzhi.council import tasks
    assert tasks.sweep(town.session, town.clock.now()) >= 1
    assert created[0].status == "noticed"
    assert tasks.sweep(town.session, town.clock.now()) == 0


def test_meeting_states_in_order(town: Town) -> None:
    m = town.meeting()
    with pytest.raises(Conflict):
        service.open_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    with pytest.raises(Conflict):
        service.close_meeting(town.session, actor=town.chair, meeting_id=m.id, now=town.now)
    m2 = town.in_session([town.chair, town.secretary, *town.residents, town.social])
    service.open_motion(town.session, actor=town.chair, meeting_id=m2.id, title="x", now=town.now)
    with pytest.raises(Conflict) as still_open:
        service.close_meeting(town.session, actor=town.chair, meeting_id=m2.id, now=town.now)
    assert still_open.value.code == "council_motions_open"
    with pytest.raises(Conflict):
        service.publish_minutes(town.session, actor=town.secretary, meeting_id=m2.id, now=town.now)
