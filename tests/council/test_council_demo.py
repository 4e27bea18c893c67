"""The demo seeding: the 和睦社区 council with a published meeting, action items (one overdue) as cases,
and the next regular meetings, whose notice puts the overdue item first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gongzhi.auth import passwords
from gongzhi.clock import FrozenClock
from gongzhi.council import service
from gongzhi.simulate.council_demo import seed_council
from gongzhi.simulate.district import build_district

passwords.use_fast_hashing_for_tests()


def test_demo_council(session: Session, clock: FrozenClock) -> None:
    now = clock.now()
    build_district(session, now, 4242)
    council = seed_council(session, now)
    meetings = service.meetings_of(session, council.id)
    assert [m.status for m in meetings] == ["minutes_published", "scheduled", "scheduled"]
    assert "未通过" in meetings[0].minutes and "通过" in meetings[0].minutes
    views = service.action_item_views(session, council.id, now)
    assert [v.overdue for v in views] == [True, False] and all(v.case_number for v in views)
    service.notice_meeting(session, actor=None, meeting_id=meetings[1].id, now=now)
    first = service.agenda(session, meetings[1].id)[0]
    assert first.title == "【逾期事项】委托施工单位完成5号楼屋面防水"
