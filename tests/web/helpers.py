"""Helpers for page tests. The street: grids G1, G2 (community C1) and G3 (C2), a worker per grid,
a resident of G1, an official of the street, and a municipal unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.auth.models import User
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import FrozenClock


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


def login(client: TestClient, session: Session, user: User) -> str:
    """Browser session cookie on the client; returns the CSRF token for forms."""
    return factories.login_cookie(client, session, user)
