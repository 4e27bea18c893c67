"""Fixtures: a small street, district D > street S > community C1, village C2 > four 0.01° grids.

lat 30.27 +------+------+
          |  G3  |  G4  |   (C2)
lat 30.26 +------+------+
          |  G1  |  G2  |   (C1)
lat 30.25 +------+------+
     lng 120.10 120.11 120.12
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gongzhi.clock import FrozenClock
from gongzhi.geo import service
from gongzhi.geo.models import Area

from .helpers import GRIDS, square


@pytest.fixture
def tree(session: Session, clock: FrozenClock) -> dict[str, Area]:
    now = clock.now()
    areas = {
        "D": service.create_area(session, code="D", name="西湖区", level="district", now=now),
        "S": service.create_area(
            session, code="S", name="北山街道", level="street", now=now, parent_code="D"
        ),
        "C1": service.create_area(
            session, code="C1", name="宝石社区", level="community", now=now, parent_code="S", households=1200
        ),
        "C2": service.create_area(
            session, code="C2", name="保俶村", level="village", now=now, parent_code="S"
        ),
    }
    for code, (parent, lng, lat) in GRIDS.items():
        areas[code] = service.create_area(
            session,
            code=code,
            name=f"第{code[1]}网格",
            level="grid",
            now=now,
            parent_code=parent,
            geometry=square(lng, lat),
        )
    return areas
