"""Concurrent voting on SQLite and PostgreSQL: one vote per member per motion, no lost count,
nothing counted after the tally. Each test commits through its own fresh database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests import factories
from tests.conftest import _postgres_database

from gongzhi.auth.models import User
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.council import service, voting
from gongzhi.council.models import Motion, Vote
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.errors import AppError


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'council.db'}"
        upgrade_schema(url)
        db = Database(make_engine(url))
        try:
            yield db
        finally:
            db.engine.dispose()
        return
    with _postgres_database() as url:
        upgrade_schema(url)
        db = Database(make_engine(url))
        try:
            yield db
        finally:
            db.engine.dispose()


@dataclass
class Setup:
    motion_id: int
    chair_id: int
    voter_ids: list[int]


def _setup(db: Database, clock: FrozenClock) -> Setup:
    now = clock.now()
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, now)
        official = factories.make_user(s, "official_c1", "official", area_code="C1", now=now)
        council = service.create_council(s, actor=official, area_code="C1", name="议事会", now=now)
        voters = []
        for i, group in enumerate(["residents"] * 4 + ["property"] * 2 + ["social_org"] * 2):
            u = factories.make_user(s, f"member{i}", "council_member", area_code="C1", now=now)
            service.add_member(s, actor=official, council_id=council.id, group_code=group, user_id=u.id,
                               position="chair" if i == 0 else "member", term_start=date(2026, 1, 1), now=now)
            voters.append(u)
        chair = voters[0]
        m = service.schedule_meeting(s, actor=chair, council_id=council.id, starts_at=now + timedelta(hours=1),
                                     now=now)
        service.notice_meeting(s, actor=chair, meeting_id=m.id, now=now)
        for u in voters:
            service.check_in(s, actor=u, meeting_id=m.id, now=now)
        service.open_meeting(s, actor=chair, meeting_id=m.id, now=now)
        motion = service.open_motion(s, actor=chair, meeting_id=m.id, title="并发表决", now=now, secret=True)
        return Setup(motion.id, chair.id, [u.id for u in voters])


def _race(db: Database, jobs: list[Callable[[Database], object]]) -> list[object]:
    """Run the jobs in threads that start together; each returns its value or the AppError it raised."""
    barrier = threading.Barrier(len(jobs))
    out: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()  # before the session: on SQLite the session itself queues for the writer lock
        try:
            out[i] = jobs[i](db)
        except AppError as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return out


def _vote(motion_id: int, user_id: int, choice: str, clock: FrozenClock) -> Callable[[Database], object]:
    def job(db: Database) -> object:
        with db.session() as s:
            return service.cast_vote(s, actor=s.get_one(User, user_id), motion_id=motion_id, choice=choice,
                                     now=clock.now()).id
    return job


def test_double_vote_attempts_count_once(fresh_db: Database, clock: FrozenClock) -> None:
    st = _setup(fresh_db, clock)
    voter = st.voter_ids[1]
    results = _race(fresh_db, [_vote(st.motion_id, voter, c, clock) for c in ("yes", "no", "yes", "abstain")])
    ok = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, AppError)]
    assert len(ok) == 1 and len(refused) == 3
    assert {r.code for r in refused} == {"council_already_voted"}
    with fresh_db.session(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Vote).where(Vote.motion_id == st.motion_id)) == 1
        motion = s.get_one(Motion, st.motion_id)
        assert sum(sum(c.values()) for c in motion.counts.values()) == 1


def test_many_members_at_once_lose_no_count(fresh_db: Database, clock: FrozenClock) -> None:
    st = _setup(fresh_db, clock)
    jobs = [_vote(st.motion_id, uid, "yes", clock) for uid in st.voter_ids for _ in range(2)]
    results = _race(fresh_db, jobs)
    assert sum(isinstance(r, int) for r in results) == len(st.voter_ids)
    with fresh_db.session() as s:
        chair = s.get_one(User, st.chair_id)
        result = service.close_motion(s, actor=chair, motion_id=st.motion_id, now=clock.now())
        assert result.yes == 1 and result.passed  # every member counted exactly once: all seat weight


def test_votes_racing_the_close_are_counted_or_refused(fresh_db: Database, clock: FrozenClock) -> None:
    st = _setup(fresh_db, clock)

    def close(db: Database) -> object:
        with db.session() as s:
            return service.close_motion(s, actor=s.get_one(User, st.chair_id), motion_id=st.motion_id,
                                        now=clock.now())

    jobs: list[Callable[[Database], object]] = [_vote(st.motion_id, uid, "yes", clock) for uid in st.voter_ids[1:]]
    jobs.insert(3, close)
    results = _race(fresh_db, jobs)
    tally = next(r for r in results if not isinstance(r, (int, AppError)))
    accepted = sum(isinstance(r, int) for r in results)
    refused = [r for r in results if isinstance(r, AppError)]
    assert all(r.code == "council_motion_closed" for r in refused)
    with fresh_db.session(readonly=True) as s:
        stored = s.scalar(select(func.count()).select_from(Vote).where(Vote.motion_id == st.motion_id))
        motion = s.get_one(Motion, st.motion_id)
        counted = sum(sum(c.values()) for c in motion.counts.values())
    # What the tally saw is exactly what was stored: no vote slipped in after the close.
    assert stored == accepted == counted
    assert isinstance(tally, voting.TallyResult)
    assert sum(sum(g.counts) for g in tally.groups) == stored
