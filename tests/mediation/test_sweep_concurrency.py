"""Two `gongzhi worker` processes on PostgreSQL: each dispute is matched and escalated exactly once,
and no mediator is given more than their caseload limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests import factories
from tests.conftest import _postgres_database

from gongzhi.audit.models import AuditEntry
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.mediation import service, tasks
from gongzhi.mediation.models import Dispute, Mediator
from gongzhi.mediation.schemas import DisputeIn, PartyIn

pytestmark = pytest.mark.postgres_only
TEXT = "邻居家小孩天天在楼上跑跳，吵得我们睡不好，上门说过一次，对方态度不好，吵了几句嘴。"


@pytest.fixture
def fresh_pg() -> Iterator[Database]:
    with _postgres_database() as url:
        upgrade_schema(url)
        db = Database(make_engine(url))
        try:
            yield db
        finally:
            db.engine.dispose()


def _two_sweepers(db: Database, when: object) -> list[int]:
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            with db.session() as s:
                barrier.wait()  # both claim at the same moment
                results.append(tasks.sweep(s, when))  # type: ignore[arg-type]
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return results


def test_two_sweepers_match_and_escalate_each_dispute_once(fresh_pg: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with fresh_pg.session() as s:
        seed_reference_data(s)
        points = factories.make_area_tree(s, now)
        factories.make_user(s, "official_c1", "official", area_code="C1", now=now)
        resident = factories.make_user(s, "jumin1", "resident", area_code="G1", now=now)
        for k in range(3):
            u = factories.make_user(s, f"tj{k}", "mediator", area_code="C1", now=now)
            service.upsert_mediator(s, actor=None, user=u, now=now, specialties=["neighbor"], capacity=5)
        lat, lng = points["G1"]
        for i in range(24):
            data = DisputeIn(description=TEXT, lat=lat, lng=lng, parties=[
                PartyIn(role="applicant", name=f"申请人{i}", phone=f"1380000{i:04d}"),
                PartyIn(role="respondent", name=f"对方{i}", phone=f"1390000{i:04d}")])
            service.file_dispute(s, actor=resident, data=data, now=now)

    results = _two_sweepers(fresh_pg, now + timedelta(minutes=1))
    assert len(results) == 2
    with fresh_pg.session(readonly=True) as s:
        loads = dict(s.execute(select(Dispute.mediator_id, func.count()).where(Dispute.mediator_id.is_not(None))
                               .group_by(Dispute.mediator_id)).all())
        caps = dict(s.execute(select(Mediator.id, Mediator.capacity)).all())
        assert sum(loads.values()) == 15 and all(loads[m] <= caps[m] for m in loads)  # 3 × 5 slots
        assigned = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == "dispute.assigned"))
        assert assigned == 15  # each match written once

    results = _two_sweepers(fresh_pg, now + timedelta(hours=25))
    with fresh_pg.session(readonly=True) as s:
        assert set(s.scalars(select(Dispute.escalations))) == {1}  # once each, never twice
    assert sum(results) == 24
