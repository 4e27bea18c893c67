"""A small demo street (80 cases over 20 days) in its own fresh database, on SQLite and PostgreSQL.

The generator commits in chunks, so it cannot share the session-scoped `database` fixture
(whose tests roll back); each parameter gets a database of its own, built once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import _postgres_database

from gongzhi.auth import passwords
from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.simulate.casegen import GenerationStats, generate_cases
from gongzhi.simulate.district import District, build_district

passwords.use_fast_hashing_for_tests()

SEED = 4242
N_CASES = 80
DAYS = 20
# Monday 2026-11-23 10:00 in Shanghai, as in tests/conftest.py.
END = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
START = END - timedelta(days=DAYS)


@dataclass
class Demo:
    database: Database
    district: District
    stats: GenerationStats
    dialect: str


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[Database]:
    """An empty, migrated, seeded database of the given kind."""
    if kind == "sqlite":
        yield from _open(f"sqlite:///{directory / 'demo.db'}")
    else:
        with _postgres_database() as url:
            yield from _open(url)


def _open(url: str) -> Iterator[Database]:
    upgrade_schema(url)
    database = Database(make_engine(url))
    try:
        with database.session() as session:
            seed_reference_data(session)
        yield database
    finally:
        database.engine.dispose()


def build_demo(database: Database, *, n: int = N_CASES, days: int = DAYS, seed: int = SEED,
               end: datetime = END) -> tuple[District, GenerationStats]:
    with database.session() as session:
        district = build_district(session, end - timedelta(days=days + 1), seed)
    stats = generate_cases(database, FrozenClock(end), n=n, days=days, seed=seed, district=district)
    return district, stats


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with fresh_database(request.param, tmp_path_factory.mktemp("demo")) as database:
        district, stats = build_demo(database)
        yield Demo(database, district, stats, request.param)
