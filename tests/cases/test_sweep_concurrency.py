"""Several `gongzhi worker` processes on PostgreSQL: each overdue case is escalated exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests import factories
from tests.conftest import _postgres_database

from gongzhi.cases import service
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.db import Database, make_engine, upgrade_schema


@pytest.fixture
def fresh_pg() -> Iterator[Database]:
    # Its own database: the sweepers need committed rows that other connections can see.
    with _postgres_database() as url:
        upgrade_schema(url)
        db = Database(make_engine(url))
        try:
            yield db
        finally:
            db.engine.dispose()


def test_two_sweepers_escalate_disjoint_cases(fresh_pg: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with fresh_pg.session() as s:
        seed_reference_data(s)
        points = factories.make_area_tree(s, now)
        factories.make_user(s, "official_c1", "official", area_code="C1", now=now)
        staff = factories.make_user(s, "admin1", "admin", area_code="D1", now=now)
        lat, lng = points["G1"]
        for i in range(40):
            data = CaseIn(category="manhole", description=f"井盖缺失 {i}", lat=lat, lng=lng, source="staff")
            service.create_case(s, actor=staff, data=data, now=now)

    later = now + timedelta(minutes=16)  # every P1 accept clock has run out
    barrier = threading.Barrier(2)
    results: list[int] = []

    def sweeper() -> None:
        with fresh_pg.session() as s:
            barrier.wait()  # both claim at the same moment
            results.append(service.sweep(s, later, batch=25).escalated)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(results) == 2 and sum(results) == 40
    assert min(results) > 0  # the second did not wait for the first: it skipped the locked rows
    with fresh_pg.session(readonly=True) as s:
        assert set(s.scalars(select(Case.escalation_level))) == {1}  # once each, never twice
