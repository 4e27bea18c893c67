"""Database plumbing: UTC round trips, SQLite's in-process writer queue and its WAL checkpoints."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from gongzhi.db import WAL_CHECKPOINT_EVERY, Database, _FifoLock, make_engine


def test_fifo_lock_hands_over_in_arrival_order() -> None:
    lock = _FifoLock()
    lock.acquire()
    order: list[int] = []
    arrived = []
    threads = []
    for i in range(5):
        ready = threading.Event()

        def worker(i: int = i, ready: threading.Event = ready) -> None:
            ready.set()
            lock.acquire()
            order.append(i)
            lock.release()

        t = threading.Thread(target=worker)
        t.start()
        ready.wait()
        # Wait until the thread is queued before starting the next one.
        while len(lock._queue) < i + 1:
            threading.Event().wait(0.001)
        arrived.append(i)
        threads.append(t)
    lock.acquire()  # re-entrant for the owner
    lock.release()
    lock.release()
    for t in threads:
        t.join(timeout=5)
    assert order == arrived == [0, 1, 2, 3, 4]


def test_sqlite_writers_never_see_busy(tmp_path: Path) -> None:
    """Eight threads writing at once: all succeed, none waits on SQLite's busy handler."""
    db = Database(make_engine(f"sqlite:///{tmp_path / 'w.db'}"))
    with db.session() as s:
        s.execute(text("CREATE TABLE t (n INTEGER)"))
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(25):
                with db.session() as s:
                    current = s.execute(text("SELECT count(*) FROM t")).scalar_one()  # read, then write
                    s.execute(text("INSERT INTO t VALUES (:n)"), {"n": current + n})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db.session(readonly=True) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 200
    db.engine.dispose()


def test_the_server_copies_the_wal_into_the_database_file_every_few_write_sessions(tmp_path: Path) -> None:
    """SQLite itself would do it in whichever commit finds the WAL past 1,000 pages, inside the writer lock."""
    path = tmp_path / "w.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        with db.session() as s:  # write session 1
            s.execute(text("CREATE TABLE t (v TEXT)"))
        with db.session() as s:  # 2: its row goes to the WAL only
            s.execute(text("INSERT INTO t VALUES ('first-marker-5d1c')"))
        with db.session(readonly=True) as s:  # readers don't count
            assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        for _ in range(3, WAL_CHECKPOINT_EVERY):
            with db.session() as s:
                s.execute(text("INSERT INTO t VALUES ('filler')"))
        assert b"first-marker-5d1c" not in path.read_bytes()  # still only in the WAL
        assert b"first-marker-5d1c" in Path(f"{path}-wal").read_bytes()
        with db.session() as s:  # the WAL_CHECKPOINT_EVERY-th: checkpointed once its lock is released
            s.execute(text("INSERT INTO t VALUES ('last-marker-9e2a')"))
        stored = path.read_bytes()
        assert b"first-marker-5d1c" in stored and b"last-marker-9e2a" in stored
        with db.session(readonly=True) as s:
            assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == WAL_CHECKPOINT_EVERY - 1
    finally:
        db.engine.dispose()
