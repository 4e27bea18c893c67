"""Intake's fast writes: the case by one INSERT, its timeline entries and notices batched at the end,
who follows an area kept per process. Each must leave the same rows, chain and notices as before."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from tests.factories import sql_statements

from gongzhi.audit import service as audit
from gongzhi.audit.models import AuditEntry
from gongzhi.cases import reports
from gongzhi.cases.models import Case
from gongzhi.clock import FrozenClock
from gongzhi.db import batched_inserts, insert_rows
from gongzhi.geo import service as geo
from gongzhi.notify import service as notify
from gongzhi.notify.models import OutboxMessage

from .conftest import World


def _notices_to(session: Session, user_id: int) -> list[str]:
    return list(session.scalars(select(OutboxMessage.ref).where(
        OutboxMessage.recipient == f"user:{user_id}").order_by(OutboxMessage.id)))


def test_a_reported_case_is_a_normal_persistent_row(world: World) -> None:
    case = world.report("G1", "garbage")
    state = inspect(case)
    assert state.persistent and case.id is not None and not world.session.dirty
    # Defaults the ORM would have written are known without a read, and stored.
    assert case.accepted_at is None and case.rating is None
    # A later change goes out as an UPDATE, as for any loaded row.
    world.act(world.worker_g1, case, "accept")
    world.session.expire_all()
    stored = world.session.get(Case, case.id)
    assert stored is not None and stored.status == "accepted" and stored.description == case.description


def test_intake_writes_its_timeline_and_notices_and_the_chain_verifies(world: World) -> None:
    first = world.report("G1", "garbage")
    second = world.report("G1", "garbage")
    world.act(world.worker_g1, second, "accept")  # an append through the session after batched ones
    for case in (first, second):
        actions = [e.data["action"] for e in audit.entries_for(world.session, "case", case.id)]
        assert actions[:2] == ["create", "dispatch"]
    assert _notices_to(world.session, world.worker_g1.id)[:2] == [f"case:{first.id}", f"case:{second.id}"]
    seqs = list(world.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, len(seqs) + 1))
    report = audit.verify(world.session)
    assert report.ok, report


def test_following_an_area_reaches_the_next_report_despite_the_cache(world: World) -> None:
    world.report("G2", "garbage")  # who follows G2 and the areas above it is now cached: nobody
    reports.follow_area(world.session, user=world.resident2, area_code="S1", now=world.now)
    case = world.report("G2", "garbage")
    assert f"case:{case.id}" in _notices_to(world.session, world.resident2.id)
    area = geo.get_area(world.session, "S1")
    assert notify.unsubscribe(world.session, user_id=world.resident2.id, subject_type="area", subject_id=area.id)
    later = world.report("G2", "garbage")
    assert f"case:{later.id}" not in _notices_to(world.session, world.resident2.id)


def test_batched_rows_are_written_at_the_end_of_the_block_and_not_on_error(session: Session, clock: FrozenClock) -> None:
    now = clock.now()

    def note(ref: str) -> None:
        notify.enqueue(session, channel="console", recipient="user:1", subject="s", body="b", topic="t.batch",
                       ref=ref, now=now)

    def written() -> list[str]:
        return list(session.scalars(select(OutboxMessage.ref).where(OutboxMessage.topic == "t.batch")
                                    .order_by(OutboxMessage.id)))

    with batched_inserts(session):
        note("a")
        note("b")
        assert written() == []  # not yet: the block writes them at its end
    assert written() == ["a", "b"]
    with pytest.raises(RuntimeError), batched_inserts(session):
        note("c")
        raise RuntimeError("boom")
    assert written() == ["a", "b"]  # nothing of a failed block


def _append(session: Session, now: datetime, subject: str) -> AuditEntry:
    return audit.append(session, kind="t.chain", subject_type="test", subject_id=subject, actor_id=None,
                        actor_name="系统", data={"n": subject}, now=now)


def test_a_batch_locks_the_chain_head_only_at_its_end_after_its_other_rows(
    session: Session, clock: FrozenClock
) -> None:
    now = clock.now()
    _append(session, now, "before")  # the chain and its head exist
    session.flush()
    with sql_statements(session) as sql, batched_inserts(session):
        first, second = _append(session, now, "a"), _append(session, now, "b")
        notify.enqueue(session, channel="console", recipient="user:1", subject="s", body="b", topic="t.chain",
                       ref="r", now=now)
        assert sql == [] and first.seq is None  # nothing read or locked while the request works
    head_read = next(i for i, s in enumerate(sql) if "FROM audit_head" in s)
    outbox_insert = next(i for i, s in enumerate(sql) if s.startswith("INSERT INTO outbox"))
    assert outbox_insert < head_read  # the head row is held for the chain's own writes only
    if session.get_bind().dialect.name == "postgresql":
        assert "FOR UPDATE" in sql[head_read]
    assert first.seq is not None and second.seq == first.seq + 1 and second.prev_hash == first.hash
    stored = session.scalars(select(AuditEntry).where(AuditEntry.kind == "t.chain").order_by(AuditEntry.seq)).all()
    assert [e.subject_id for e in stored] == ["before", "a", "b"] and stored[-1].hash == second.hash
    assert audit.verify(session).ok


def test_a_failed_batch_adds_nothing_to_the_chain(session: Session, clock: FrozenClock) -> None:
    now = clock.now()
    before = _append(session, now, "before")
    session.flush()
    with pytest.raises(RuntimeError), batched_inserts(session):
        _append(session, now, "lost")
        raise RuntimeError("boom")
    after = _append(session, now, "after")  # continues from the head as it was
    session.flush()
    kinds = session.scalars(select(AuditEntry.subject_id).where(AuditEntry.kind == "t.chain")
                            .order_by(AuditEntry.seq)).all()
    assert kinds == ["before", "after"] and after.seq == before.seq + 1 and after.prev_hash == before.hash
    assert audit.verify(session).ok


def test_insert_rows_gives_ids_in_order_and_leaves_no_pending_change(session: Session, clock: FrozenClock) -> None:
    now = clock.now()
    rows = [OutboxMessage(created_at=now, channel="console", recipient=f"user:{i}", subject="s", body="b",
                          topic="t.rows", next_attempt_at=now) for i in range(3)]
    insert_rows(session, rows)
    assert [r.id for r in rows] == sorted(r.id for r in rows) and all(inspect(r).persistent for r in rows)
    assert not session.new and not session.dirty
    assert [r.status for r in rows] == ["pending"] * 3  # the column default, known without a read
    rows[1].status = "sent"
    session.flush()
    session.expire_all()
    stored = {m.recipient: m.status for m in session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "t.rows"))}
    assert stored == {"user:0": "pending", "user:1": "sent", "user:2": "pending"}



def test_intake_runs_at_most_a_few_threads_the_rest_wait_in_the_event_loop() -> None:
    import threading

    import anyio
    import anyio.to_thread

    from gongzhi.cases import api as cases_api

    n, bound = 3 * cases_api.INTAKE_THREADS, cases_api.INTAKE_THREADS
    release = threading.Event()

    async def run() -> tuple[int, int, int]:
        limiter = cases_api._intake_limiter()
        assert cases_api._intake_limiter() is limiter and limiter.total_tokens == bound
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(lambda: anyio.to_thread.run_sync(release.wait, 10, limiter=limiter))
            with anyio.fail_after(10):  # an unbounded pool would never leave n - bound waiting
                while limiter.statistics().tasks_waiting != n - bound:
                    await anyio.lowlevel.checkpoint()
            seen = (limiter.borrowed_tokens, limiter.statistics().tasks_waiting, n)
            release.set()
        return seen

    assert anyio.run(run) == (bound, n - bound, n)
