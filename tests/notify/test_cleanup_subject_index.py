"""Follower look-ups (area followers on every intake, case followers on every change) use an index."""

from __future__ import annotations

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from gongzhi.notify.models import Subscription


def test_subscriptions_are_indexed_by_subject(session: Session) -> None:
    # The migrated schema (not just the model) has it: the fixture database is built by Alembic.
    indexes = inspect(session.connection()).get_indexes("subscriptions")
    assert any(ix["column_names"][:2] == ["subject_type", "subject_id"] for ix in indexes), indexes


def test_area_follower_query_uses_the_subject_index(session: Session) -> None:
    stmt = (
        select(Subscription.user_id)
        .where(Subscription.subject_type == "area", Subscription.subject_id.in_(["1", "2", "3"]))
        .distinct()
    )
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    else:
        # On a tiny table PostgreSQL's planner rightly prefers a scan; forbid it, as it will on a big one.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {sql}")))
    assert "ix_subscriptions_subject" in plan, plan
