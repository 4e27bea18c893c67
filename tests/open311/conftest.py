"""A small world for Open311 tests: the area tree, routing units, grid workers and a client key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.audit.models import AuditEntry
from gongzhi.auth.models import User
from gongzhi.cases.models import Case, CaseMedia
from gongzhi.clock import FrozenClock
from gongzhi.open311 import service
from gongzhi.open311.models import Open311Client, Open311Request

BASE = "/open311/v2"


@dataclass
class World311:
    session: Session
    client: TestClient
    clock: FrozenClock
    key: str
    app: Open311Client
    points: dict[str, tuple[float, float]]  # grid code -> (lat, lng)
    admin: User
    worker_g1: User

    def post(self, fmt: str = "json", *, key: str | None = None, **fields: Any) -> Response:
        data: dict[str, Any] = {"api_key": self.key if key is None else key}
        lat, lng = self.points["G1"]
        data |= {
            "service_code": "road_damage",
            "lat": str(lat),
            "long": str(lng),
            "description": "人行道砖块松动",
        }
        data |= fields
        data = {k: v for k, v in data.items() if v is not None}
        r = self.client.post(f"{BASE}/requests.{fmt}", data=data)
        # The request committed rows (the audit head among them) this session may hold stale.
        self.session.expire_all()
        return r

    def counts(self) -> tuple[int, int, int, int]:
        """Cases, Open311 rows, photos and audit entries: what a refused request must not add to."""
        s = self.session
        return (
            s.scalar(select(func.count()).select_from(Case)) or 0,
            s.scalar(select(func.count()).select_from(Open311Request)) or 0,
            s.scalar(select(func.count()).select_from(CaseMedia)) or 0,
            s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


@pytest.fixture
def w(session: Session, client: TestClient, clock: FrozenClock) -> World311:
    now = clock.now()
    points = factories.make_area_tree(session, now)
    factories.make_unit(session, code="U-MUNI", name="街道市政所", kind="municipal", area_code="S1", now=now)
    factories.make_unit(session, code="U-PROP", name="一社区物业", kind="property", area_code="C1", now=now)
    worker = factories.make_user(session, "worker_g1", "grid_worker", area_code="G1", now=now)
    admin = factories.make_user(session, "admin1", "admin", area_code="D1", now=now)
    issued = service.add_client(session, name="城市通 App", now=now, key="o311_test_key_0123456789abcdef")
    session.flush()
    return World311(
        session=session,
        client=client,
        clock=clock,
        key=issued.key,
        app=issued.client,
        points=points,
        admin=admin,
        worker_g1=worker,
    )
