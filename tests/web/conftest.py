"""A small street for page tests: grids G1, G2 (community C1) and G3 (C2), a worker per grid,
a resident of G1, an official of the street, and a municipal unit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import FrozenClock
from tests import factories


@dataclass
class Street:
    session: Session
    clock: FrozenClock
    resident: User
    worker_g1: User
    worker_g3: User
    official: User

    def report(self, grid: str = "G1", category: str = "streetlight", at: datetime | None = None,
               description: str = "小区东门路灯不亮") -> Case:
        lng, lat = factories.point_in(grid)
        data = CaseIn(category=category, description=description, lat=lat, lng=lng)
        case = cases.create_case(self.session, actor=self.resident, data=data, now=at or self.clock.now())
        self.session.flush()
        return case


@pytest.fixture
def street(session: Session, clock: FrozenClock) -> Street:
    now = clock.now()
    factories.make_area_tree(session, now)
    factories.make_unit(session, code="U-MUNI", kind="municipal", area_code="S1", name="街道市政所", now=now)
    mk = factories.make_user
    s = Street(
        session=session,
        clock=clock,
        resident=mk(session, "resident1", "resident", area_code="G1", now=now, display_name="张三",
                    phone="13812345678"),
        worker_g1=mk(session, "worker_g1", "grid_worker", area_code="G1", now=now, display_name="李网格"),
        worker_g3=mk(session, "worker_g3", "grid_worker", area_code="G3", now=now, display_name="王网格"),
        official=mk(session, "official_s1", "official", area_code="S1", now=now, display_name="赵主任"),
    )
    session.flush()
    return s


def login(client: TestClient, session: Session, user: User) -> str:
    """Browser session cookie on the client; returns the CSRF token for forms."""
    return factories.login_cookie(client, session, user)


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)
