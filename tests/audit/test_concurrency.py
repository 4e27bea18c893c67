"""PostgreSQL only: appenders in separate transactions queue on the head row instead of forking.

These tests commit through `database` (they need several connections), so they restore the
chain to what it was before them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from gongzhi.audit import service
from gongzhi.audit.models import AuditEntry, AuditHead
from gongzhi.clock import FrozenClock
from gongzhi.db import Database

# Row locks and SKIP LOCKED are PostgreSQL's: the SQLite variants are deselected (tests/conftest.py).
pytestmark = pytest.mark.postgres_only

@pytest.fixture
def pg(database: Database) -> Iterator[Database]:
    if not database.is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite has a single writer (BEGIN IMMEDIATE)")
    with database.session() as s:
        head = s.execute(select(AuditHead.last_seq, AuditHead.last_hash)).one_or_none()
    yield database
    with database.session() as s:
        if head is None:
            s.execute(delete(AuditEntry))
            s.execute(delete(AuditHead))
        else:
            s.execute(delete(AuditEntry).where(AuditEntry.seq > head.last_seq))
            s.execute(update(AuditHead).values(last_seq=head.last_seq, last_hash=head.last_hash))


def _wait_for_lock_waiter(db: Database, timeout: float = 20.0) -> None:
    """Poll until another backend of this database is waiting on a lock (a state, not a guess at timing)."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)
    pytest.fail("the second appender never waited for the head lock")


@pytest.mark.parametrize("head_exists", [False, True], ids=["first-ever-append", "existing-head"])
def test_second_appender_waits_for_the_first_commit(
    pg: Database, clock: FrozenClock, head_exists: bool
) -> None:
    if head_exists:
        with pg.session() as s:
            service.append(s, kind="seed", subject_type="t", subject_id=0, actor_id=None, actor_name="",
                           data={}, now=clock.now())
    else:
        with pg.session() as s:
            if s.scalar(select(AuditEntry.id).limit(1)) is not None:
                pytest.skip("the chain already has committed entries")
            s.execute(delete(AuditHead))

    first = pg.write()
    try:
        a = service.append(first, kind="a", subject_type="t", subject_id=1, actor_id=None, actor_name="A",
                           data={}, now=clock.now())
        got: dict[str, object] = {}

        def second() -> None:
            try:
                with pg.session() as s:
                    b = service.append(s, kind="b", subject_type="t", subject_id=2, actor_id=None,
                                       actor_name="B", data={}, now=clock.now() + timedelta(seconds=1))
                    got["seq"], got["prev_hash"] = b.seq, b.prev_hash
            except BaseException as exc:  # surfaced by the assertions below
                got["error"] = exc

        t = threading.Thread(target=second)
        t.start()
        _wait_for_lock_waiter(pg)
        assert got == {}  # still queued behind the first transaction
        first.commit()
    finally:
        first.close()
    t.join(timeout=30)
    assert not t.is_alive()
    assert got == {"seq": a.seq + 1, "prev_hash": a.hash}
    with pg.session(readonly=True) as s:
        report = service.verify(s)
    assert report.ok and report.head_seq == a.seq + 1


def test_many_concurrent_appenders_build_one_chain(pg: Database, clock: FrozenClock) -> None:
    threads, per_thread = 4, 15
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    with pg.session() as s:
        if s.scalar(select(AuditEntry.id).limit(1)) is None:
            s.execute(delete(AuditHead))  # so the threads also race to create the head
        before = service.verify(s).head_seq

    def worker(w: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with pg.session() as s:
                    service.append(s, kind="burst", subject_type="worker", subject_id=w, actor_id=w,
                                   actor_name=f"w{w}", data={"i": i}, now=clock.now())
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert errors == []
    with pg.session(readonly=True) as s:
        report = service.verify(s)
        seqs = list(s.scalars(select(AuditEntry.seq).where(AuditEntry.seq > before).order_by(AuditEntry.seq)))
    assert report.ok, report
    assert seqs == list(range(before + 1, before + threads * per_thread + 1))
