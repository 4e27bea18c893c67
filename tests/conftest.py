"""Shared fixtures: every DB test runs on SQLite and on PostgreSQL (when reachable; always under CI=true).

The schema is built by the real Alembic migrations. Each test runs inside one outer
transaction that is rolled back; sessions (the test's and each request's) commit to
SAVEPOINTs inside it, so a request's commit and rollback behave as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from gongzhi.app import create_app
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema

PG_ADMIN_URL = os.environ.get("GONGZHI_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Monday 2026-11-23 10:00 in Shanghai.
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc)


@contextmanager
def _postgres_database() -> Iterator[str]:
    import psycopg

    problem = _pg_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"gongzhi_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gongzhi.db'}"
        upgrade_schema(url)
        yield url
    else:
        with _postgres_database() as url:
            upgrade_schema(url)
            yield url


@pytest.fixture(scope="session")
def database(db_url: str) -> Iterator[Database]:
    from gongzhi.cases.seed import seed_reference_data

    db = Database(make_engine(db_url))
    with db.session() as s:
        seed_reference_data(s)
    yield db
    db.engine.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    with database.engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


def _savepoint_session(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


class SavepointSessions:
    """Like gongzhi.db.Database.session(), but each transaction is a SAVEPOINT on the test connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.opened = 0  # transactions begun
        self.active = 0  # transactions open right now

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        self.opened += 1
        self.active += 1
        s = _savepoint_session(self.conn)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
            self.active -= 1


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    s = _savepoint_session(connection)
    yield s
    s.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, log_json=False, embedded_worker=False)


@pytest.fixture
def app(database: Database, connection: Connection, clock: FrozenClock, settings: Settings) -> FastAPI:
    return create_app(
        settings=settings,
        database=database,
        clock=clock,
        sessions=SavepointSessions(connection).session,
        start_worker=False,
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres_only exist only in their PostgreSQL variant (no SQLite skips to read past)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("db_url") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
