"""A council in community C1 (seats 50/30/20) with unequal groups: 4 residents' representatives,
2 from the property company, 1 social organisation. Import `town_fixture` into a test module to use the `town` fixture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import Unit, User
from gongzhi.clock import FrozenClock
from gongzhi.council import service
from gongzhi.council.models import Council, CouncilMember, Meeting


@dataclass
class Town:
    session: Session
    clock: FrozenClock
    council: Council
    official: User
    chair: User  # residents' group, chair
    secretary: User  # residents' group, secretary
    residents: list[User]  # the other two residents' representatives
    property_reps: list[User]
    social: User
    resident: User  # lives in G1, no seat
    outsider: User  # council member of C2's area
    unit: Unit
    seats: dict[int, CouncilMember]  # user id -> seat
    by_name: CouncilMember  # a second social-organisation seat recorded by name (no account)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def meeting(self, *, hours: int = 48) -> Meeting:
        return service.schedule_meeting(self.session, actor=self.chair, council_id=self.council.id,
                                        starts_at=self.now + timedelta(hours=hours), now=self.now,
                                        title="十二月议事会")

    def in_session(self, present: list[User], *, by_name: bool = False) -> Meeting:
        """A noticed, opened meeting with `present` checked in (at the current clock)."""
        m = self.meeting(hours=1)
        service.notice_meeting(self.session, actor=self.chair, meeting_id=m.id, now=self.now)
        for u in present:
            service.check_in(self.session, actor=u, meeting_id=m.id, now=self.now)
        if by_name:
            service.check_in(self.session, actor=self.secretary, meeting_id=m.id, member_id=self.by_name.id,
                             now=self.now)
        service.open_meeting(self.session, actor=self.chair, meeting_id=m.id, now=self.now)
        return m


@pytest.fixture(name="town")
def town_fixture(session: Session, clock: FrozenClock) -> Town:
    now = clock.now()
    factories.make_area_tree(session, now)
    unit = factories.make_unit(session, code="U-PROP", kind="property", area_code="C1", name="宝石物业", now=now)
    factories.make_unit(session, code="U-STREET", kind="street_office", area_code="S1", name="街道办", now=now)
    mk = factories.make_user
    official = mk(session, "official_c1", "official", area_code="C1", now=now, display_name="周书记")
    factories.make_user(session, "worker_g1", "grid_worker", area_code="G1", now=now)
    council = service.create_council(session, actor=official, area_code="C1", name="宝石社区议事会", now=now,
                                     location="社区会议室")
    people: dict[str, User] = {}
    seats: dict[int, CouncilMember] = {}
    spec = [
        ("chair", "residents", "chair", "王主任"), ("secretary", "residents", "secretary", "李秘书"),
        ("res3", "residents", "member", "赵居民"), ("res4", "residents", "member", "钱居民"),
        ("prop1", "property", "vice_chair", "孙经理"), ("prop2", "property", "member", "周主管"),
        ("org1", "social_org", "member", "吴社工"),
    ]
    start = date(2026, 1, 1)
    for username, group, position, name in spec:
        u = mk(session, username, "council_member", area_code="C1", now=now, display_name=name)
        people[username] = u
        seats[u.id] = service.add_member(session, actor=official, council_id=council.id, group_code=group,
                                         user_id=u.id, position=position, term_start=start, now=now)
    by_name = service.add_member(session, actor=official, council_id=council.id, group_code="social_org",
                                 name="郑阿姨", organisation="夕阳红志愿队", term_start=start, now=now)
    resident = mk(session, "resident1", "resident", area_code="G1", now=now, display_name="张三")
    outsider = mk(session, "outsider", "council_member", area_code="C2", now=now)
    session.flush()
    return Town(
        session=session, clock=clock, council=council, official=official, chair=people["chair"],
        secretary=people["secretary"], residents=[people["res3"], people["res4"]],
        property_reps=[people["prop1"], people["prop2"]], social=people["org1"], resident=resident,
        outsider=outsider, unit=unit, seats=seats, by_name=by_name,
    )
