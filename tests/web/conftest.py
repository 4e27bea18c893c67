"""Fixtures for page tests: a small street (see helpers.Street)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests import factories
from tests.web.helpers import Street

from gongzhi.clock import FrozenClock


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
