"""The background pass (`gongzhi worker`, or the loop inside the server on SQLite)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests import factories

from gongzhi.app import create_app
from gongzhi.cases import service
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.notify.models import OutboxMessage
from gongzhi.worker import run_loop, run_once


def _world(tmp_path: Path, clock: FrozenClock) -> tuple[Database, Settings, int]:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    upgrade_schema(url)
    db = Database(make_engine(url))
    with db.session() as s:
        seed_reference_data(s)
        points = factories.make_area_tree(s, clock.now())
        factories.make_user(s, "official_c1", "official", area_code="C1", now=clock.now())
        factories.make_user(s, "worker_g1", "grid_worker", area_code="G1", now=clock.now())
        resident = factories.make_user(s, "resident1", "resident", area_code="G1", now=clock.now())
        lat, lng = points["G1"]
        case = service.create_case(
            s, actor=resident, data=CaseIn(category="manhole", description="井盖没了", lat=lat, lng=lng),
            now=clock.now(),
        )
        case_id = case.id
    settings = Settings(database_url=url, log_json=False, sweep_interval_seconds=0.01)
    return db, settings, case_id


def test_one_pass_escalates_and_delivers(tmp_path: Path, clock: FrozenClock) -> None:
    db, settings, case_id = _world(tmp_path, clock)
    first = run_once(db, clock, settings)
    assert (first.escalated, first.sent) == (0, 1)  # the dispatch notice to the grid worker
    clock.advance(timedelta(minutes=16))  # P1: 15 minutes to accept
    done = run_once(db, clock, settings)
    assert done.escalated == 1 and done.sent == 1  # the 督办 notice to the community official
    with db.session(readonly=True) as s:
        assert s.get(Case, case_id).escalation_level == 1  # type: ignore[union-attr]
        pending = s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
        assert pending == []
    assert run_once(db, clock, settings).escalated == 0  # nothing twice
    db.engine.dispose()


def test_loop_runs_until_stopped(tmp_path: Path, clock: FrozenClock) -> None:
    db, settings, case_id = _world(tmp_path, clock)
    clock.advance(timedelta(minutes=16))
    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(db, clock, settings, stop))
    thread.start()
    try:
        # Wait on the database state, not on time: the loop must escalate the case.
        for _ in range(2000):
            with db.session(readonly=True) as s:
                if s.get(Case, case_id).escalation_level == 1:  # type: ignore[union-attr]
                    break
            stop.wait(0.005)
        else:
            raise AssertionError("the worker loop did not escalate the overdue case")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    db.engine.dispose()


def test_server_on_sqlite_runs_the_loop_inside(tmp_path: Path, clock: FrozenClock) -> None:
    db, settings, case_id = _world(tmp_path, clock)
    clock.advance(timedelta(minutes=16))
    assert settings.run_embedded_worker  # the default on SQLite
    app = create_app(settings=settings, database=db, clock=clock)
    with TestClient(app):
        for _ in range(2000):
            with db.session(readonly=True) as s:
                if s.get(Case, case_id).escalation_level == 1:  # type: ignore[union-attr]
                    break
            threading.Event().wait(0.005)
        else:
            raise AssertionError("the embedded worker did not run")
    db.engine.dispose()
