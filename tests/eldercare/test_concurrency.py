"""On PostgreSQL, with committed rows and real concurrent transactions: one alarm per elder and kind
however many readings race to raise it, and two escalation sweepers never call the same step twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.conftest import _postgres_database
from tests.eldercare.conftest import make_world

from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.eldercare import service, tasks
from gongzhi.eldercare.models import Alarm, AlarmCall, Elder

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def fresh_pg() -> Iterator[Database]:
    with _postgres_database() as url:
        upgrade_schema(url)
        db = Database(make_engine(url, pool_size=10))
        try:
            yield db
        finally:
            db.engine.dispose()


def test_racing_sos_readings_make_one_alarm(fresh_pg: Database, clock: FrozenClock) -> None:
    with fresh_pg.session() as s:
        seed_reference_data(s)
        elder_id = make_world(s, clock).elder.id
    n = 8
    barrier = threading.Barrier(n)
    created: list[bool] = []
    errors: list[BaseException] = []

    def press() -> None:
        try:
            with fresh_pg.session() as s:
                elder = s.get_one(Elder, elder_id)
                barrier.wait()
                _, new = service.raise_alarm(s, elder=elder, kind="sos", now=clock.now(), severity="emergency")
                created.append(new)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(created) == [False] * (n - 1) + [True]
    with fresh_pg.session(readonly=True) as s:
        [alarm] = s.scalars(select(Alarm)).all()
        assert alarm.repeat_count == n
        roles = list(s.scalars(select(AlarmCall.role).order_by(AlarmCall.id)))
        assert roles == ["doctor", "emergency"]


def test_two_sweepers_escalate_each_alarm_once(fresh_pg: Database, clock: FrozenClock) -> None:
    with fresh_pg.session() as s:
        seed_reference_data(s)
        world = make_world(s, clock)
        for kind in ("sos", "fall", "inactivity", "silence", "low_battery", "baseline"):
            service.raise_alarm(s, elder=world.elder, kind=kind, now=clock.now())
    later = clock.now() + timedelta(seconds=181)  # past the doctor's 2 min and the family's 3 min
    barrier = threading.Barrier(2)
    done: list[int] = []

    def sweeper() -> None:
        with fresh_pg.session() as s:
            barrier.wait()
            done.append(tasks.sweep(s, later))

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(done) == 6
    with fresh_pg.session(readonly=True) as s:
        per_alarm = dict(s.execute(select(AlarmCall.alarm_id, func.count()).where(AlarmCall.step == 1)
                                   .group_by(AlarmCall.alarm_id)).tuples().all())
        assert sorted(per_alarm.values()) == [1] * 6
