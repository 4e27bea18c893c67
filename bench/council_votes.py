"""Council votes under contention: many members voting on one motion at once, every vote a transaction.

    python bench/council_votes.py [--members 120] [--threads 8]

Builds a council (120 members: 60 residents, 36 property, 24 social) on a fresh SQLite file and, when
PostgreSQL answers at GONGZHI_TEST_PG_URL (default postgresql://root@127.0.0.1:5432/test), on a
fresh PostgreSQL database; opens a motion and lets `--threads` threads cast every member's vote,
each vote its own transaction through `council.service.cast_vote` (motion row lock, unique key,
audit entry). Reports votes/s and per-vote latency, then closes the motion and checks the tally:
every vote counted exactly once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import factories  # noqa: E402

from gongzhi.auth.models import User  # noqa: E402
from gongzhi.cases.seed import seed_reference_data  # noqa: E402
from gongzhi.council import service  # noqa: E402
from gongzhi.db import Database, make_engine, upgrade_schema  # noqa: E402

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PG_ADMIN_URL = os.environ.get("GONGZHI_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")


def setup(db: Database, members: int) -> tuple[int, list[int]]:
    with db.session() as s:
        seed_reference_data(s)
        factories.make_area_tree(s, NOW)
        official = factories.make_user(s, "official_c1", "official", area_code="C1", now=NOW)
        council = service.create_council(s, actor=official, area_code="C1", name="议事会", now=NOW)
        groups = ["residents"] * (members // 2) + ["property"] * (members * 3 // 10)
        groups += ["social_org"] * (members - len(groups))
        users = []
        for i, group in enumerate(groups):
            u = factories.make_user(s, f"member{i:04d}", "council_member", area_code="C1", now=NOW)
            service.add_member(s, actor=official, council_id=council.id, group_code=group, user_id=u.id,
                               position="chair" if i == 0 else "member", term_start=date(2026, 1, 1), now=NOW)
            users.append(u)
        m = service.schedule_meeting(s, actor=users[0], council_id=council.id, starts_at=NOW + timedelta(hours=1),
                                     now=NOW)
        service.notice_meeting(s, actor=users[0], meeting_id=m.id, now=NOW)
        for u in users:
            service.check_in(s, actor=u, meeting_id=m.id, now=NOW)
        service.open_meeting(s, actor=users[0], meeting_id=m.id, now=NOW)
        motion = service.open_motion(s, actor=users[0], meeting_id=m.id, title="压力测试", now=NOW)
        return motion.id, [u.id for u in users]


def run(db: Database, label: str, members: int, threads: int) -> None:
    motion_id, user_ids = setup(db, members)
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    choices = ("yes", "no", "abstain")

    def worker(k: int) -> None:
        mine = user_ids[k::threads]
        barrier.wait()
        for i, uid in enumerate(mine):
            t = time.perf_counter()
            with db.session() as s:
                service.cast_vote(s, actor=s.get_one(User, uid), motion_id=motion_id, choice=choices[(k + i) % 3],
                                  now=NOW)
            with lock:
                latencies.append(time.perf_counter() - t)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    with db.session() as s:
        result = service.close_motion(s, actor=s.get_one(User, user_ids[0]), motion_id=motion_id, now=NOW)
    counted = sum(sum(g.counts) for g in result.groups)
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"{label:10} {len(lat)} votes, {threads} threads: {len(lat) / elapsed:7.1f} votes/s, "
          f"p50 {statistics.median(lat) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms; counted {counted}, "
          f"weighted yes+no+abstain = {result.cast} (expected 1)")
    assert counted == len(user_ids) and result.cast == 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=120)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    from gongzhi.auth import passwords

    passwords.use_fast_hashing_for_tests()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_schema(url)
        db = Database(make_engine(url))
        run(db, "SQLite", args.members, args.threads)
        db.engine.dispose()
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as admin:
            name = f"gongzhi_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no PostgreSQL here: report and stop
        print(f"PostgreSQL skipped: {exc}")
        return
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_schema(url)
        db = Database(make_engine(url, pool_size=args.threads + 2))
        run(db, "PostgreSQL", args.members, args.threads)
        db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
