"""PostgreSQL only: claimers in separate connections with open transactions take disjoint rows
(SELECT … FOR UPDATE SKIP LOCKED). Commits through `database`, so it deletes what it made."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, text

from gongzhi.clock import FrozenClock
from gongzhi.db import Database
from gongzhi.notify import sender, service
from gongzhi.notify.models import OutboxMessage

# Row locks and SKIP LOCKED are PostgreSQL's: the SQLite variants are deselected (tests/conftest.py).
pytestmark = pytest.mark.postgres_only

@pytest.fixture
def topic(database: Database) -> Iterator[str]:
    if not database.is_postgres:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has a single writer")
    name = f"test.{uuid.uuid4().hex[:8]}"
    yield name
    with database.session() as s:
        s.execute(delete(OutboxMessage).where(OutboxMessage.topic == name))


def test_two_claimers_get_disjoint_rows(database: Database, clock: FrozenClock, topic: str) -> None:
    with database.session() as s:
        msgs = [
            service.enqueue(s, channel="console", recipient=f"user:{i}", subject="s", body="b", topic=topic,
                            now=clock.now())
            for i in range(6)
        ]
        s.flush()
        ours = {m.id for m in msgs}

    first = database.write()
    try:
        a = {m.id for m in sender.claim_due(first, clock.now(), batch=3)}  # rows stay locked: not committed
        assert len(a) == 3 and a <= ours
        with database.session() as second:
            # Without SKIP LOCKED this would queue behind `first`; fail fast instead of hanging.
            second.execute(text("SET LOCAL lock_timeout = '5s'"))
            b = {m.id for m in sender.claim_due(second, clock.now(), batch=10)}
        assert a.isdisjoint(b) and ours <= a | b
        first.commit()
    finally:
        first.close()

    with database.session() as third:  # both leases now committed: nothing of ours is claimable
        assert ours.isdisjoint(m.id for m in sender.claim_due(third, clock.now()))
        third.rollback()
