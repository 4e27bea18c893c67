"""Concurrent double votes: exactly one counts, the others get a 409, on SQLite and PostgreSQL.

Threads need committed data and their own connections, so each test builds a throwaway database
of the same dialect as `db_url` (the shared one stays untouched).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import _postgres_database
from tests.factories import T0, build_area_tree, make_user

from gongzhi.auth.models import User
from gongzhi.council import ballots
from gongzhi.council.ballot_models import Ballot, BallotVote
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.errors import Conflict


@pytest.fixture
def fresh(db_url: str, tmp_path: Path) -> Iterator[Database]:
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'race.db'}"
        upgrade_schema(url)
        db = Database(make_engine(url))
        yield db
        db.engine.dispose()
        return
    with _postgres_database() as url:
        upgrade_schema(url)
        db = Database(make_engine(url))
        yield db
        db.engine.dispose()


@pytest.mark.parametrize("mode", ["online-online", "online-paper"])
def test_concurrent_votes_count_once(fresh: Database, mode: str) -> None:
    with fresh.session() as s:
        build_area_tree(s)
        staff = make_user(s, "gw1", "grid_worker", "G1")
        owner_user = make_user(s, "owner1", "resident", "G1")
        other_user = make_user(s, "owner2", "resident", "G1")
        estate = ballots.create_estate(s, actor=staff, code="E1", name="小区", community_code="C1", now=T0)
        building = ballots.add_building(s, actor=staff, estate_id=estate.id, name="1幢", now=T0)
        owner = ballots.add_owner(s, actor=staff, estate_id=estate.id, name="甲", username="owner1", now=T0)
        other = ballots.add_owner(s, actor=staff, estate_id=estate.id, name="乙", username="owner2", now=T0)
        for o, n in ((owner, "101"), (other, "102")):
            ballots.add_unit(s, actor=staff, building_id=building.id, number=n, area="88.5", owner_id=o.id, now=T0)
        b = ballots.create_ballot(s, actor=staff, estate_id=estate.id, matter="other_major", title="t",
                                  closes_at=T0 + timedelta(days=1), now=T0)
        ballots.open_ballot(s, actor=staff, ballot_id=b.id, now=T0)
        ids = (b.id, staff.id, owner_user.id, owner.id, other_user.id)
    ballot_id, staff_id, owner_user_id, owner_id, _ = ids

    attempts = 6
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            barrier.wait()
            with fresh.session() as s:
                if mode == "online-paper" and i % 2:
                    actor = s.get_one(User, staff_id)
                    ballots.record_paper(s, actor=actor, ballot_id=ballot_id, owner_id=owner_id,
                                         choice="no", paper_ref=f"P-{i}", now=T0)
                else:
                    user = s.get_one(User, owner_user_id)
                    ballots.cast_online(s, user=user, ballot_id=ballot_id, choice="yes", now=T0)
            result = "ok"
        except Conflict as exc:
            result = exc.code
        except BaseException as exc:  # surfaced by the assertion below
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ballot_already_voted"] * (attempts - 1) + ["ok"]
    with fresh.session(readonly=True) as s:
        count = s.scalar(select(func.count()).select_from(BallotVote).where(BallotVote.ballot_id == ballot_id))
        assert count == 1
        result = ballots.evaluate(s, s.get_one(Ballot, ballot_id))
        assert result is not None and result.participating_owners == 1
