"""A small world for case tests: D1 > S1 > C1 (G1, G2), C2 (G3); units; people in every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import Unit, User
from gongzhi.cases import service
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import FrozenClock


@dataclass
class World:
    session: Session
    clock: FrozenClock
    points: dict[str, tuple[float, float]]  # grid code -> (lat, lng) inside it
    municipal: Unit
    property_c1: Unit
    police: Unit
    resident: User
    resident2: User
    worker_g1: User
    worker_g2: User
    worker_g3: User
    muni_staff: User
    property_staff: User
    police_staff: User
    official_c1: User
    official_c2: User
    official_s1: User
    admin: User

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def report(
        self, grid: str = "G1", category: str = "road_damage", by: User | None = None, **kw: object
    ) -> Case:
        lat, lng = self.points[grid]
        data = CaseIn(
            category=category,
            description=kw.pop("description", "人行道砖块松动，老人容易绊倒"),
            lat=lat,
            lng=lng,
            **kw,
        )  # type: ignore[arg-type]
        case = service.create_case(self.session, actor=by or self.resident, data=data, now=self.now)
        self.session.flush()
        return case

    def act(self, user: User, case: Case, action: str, **kw: object) -> Case:
        note = kw.pop("note", "处理说明" if action in ("return", "resolve", "reject", "reopen") else "")
        return service.transition(
            self.session, user=user, case_id=case.id, action=action, now=self.now, note=str(note), **kw
        )  # type: ignore[arg-type]


@pytest.fixture
def world(session: Session, clock: FrozenClock) -> World:
    now = clock.now()
    points = factories.make_area_tree(session, now)
    mk = factories.make_user
    municipal = factories.make_unit(
        session, code="U-MUNI", name="街道市政所", kind="municipal", area_code="S1", now=now
    )
    prop = factories.make_unit(
        session, code="U-PROP-C1", name="一社区物业", kind="property", area_code="C1", now=now
    )
    police = factories.make_unit(
        session, code="U-POLICE", name="派出所", kind="police", area_code="D1", now=now
    )
    w = World(
        session=session,
        clock=clock,
        points=points,
        municipal=municipal,
        property_c1=prop,
        police=police,
        resident=mk(
            session,
            "resident1",
            "resident",
            area_code="G1",
            now=now,
            phone="13812345678",
            display_name="张三",
        ),
        resident2=mk(session, "resident2", "resident", area_code="G3", now=now),
        worker_g1=mk(session, "worker_g1", "grid_worker", area_code="G1", now=now),
        worker_g2=mk(session, "worker_g2", "grid_worker", area_code="G2", now=now),
        worker_g3=mk(session, "worker_g3", "grid_worker", area_code="G3", now=now),
        muni_staff=mk(session, "muni1", "dept_staff", area_code="S1", unit_code="U-MUNI", now=now),
        property_staff=mk(session, "prop1", "dept_staff", area_code="C1", unit_code="U-PROP-C1", now=now),
        police_staff=mk(session, "police1", "dept_staff", area_code="D1", unit_code="U-POLICE", now=now),
        official_c1=mk(session, "official_c1", "official", area_code="C1", now=now),
        official_c2=mk(session, "official_c2", "official", area_code="C2", now=now),
        official_s1=mk(session, "official_s1", "official", area_code="S1", now=now),
        admin=mk(session, "admin1", "admin", area_code="D1", now=now),
    )
    session.flush()
    return w
