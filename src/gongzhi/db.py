"""Engine, sessions, SQLite pragmas and the few dialect helpers.

The request or command owns the transaction: services receive a Session, flush when
they need ids, and never commit. `session_scope()` commits for CLI commands and jobs;
the web layer commits in its request dependency before the response is sent.
"""

from __future__ import annotations

import functools
import itertools
import logging
import sqlite3
import threading
import uuid
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Insert,
    MetaData,
    Select,
    String,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    make_transient_to_detached,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Write sessions between two WAL checkpoints of the server's own (Database._checkpoint): an intake
# writes ~20 pages, so 32 of them stay well under SQLite's 1,000-page automatic checkpoint.
WAL_CHECKPOINT_EVERY = 32

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores text; keep it naive-UTC so string comparison orders correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling breaks SAVEPOINTs).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then
    # writes fails at once with SQLITE_BUSY instead of waiting on busy_timeout.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite://"):
            raise ValueError("gongzhi needs a SQLite file (WAL mode), not :memory:")
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_null_pool_engine(url: str) -> Engine:
    """For short-lived commands (migrations, CLI one-shots)."""
    return make_engine(url, poolclass=NullPool)


class _FifoLock:
    """A re-entrant lock handed over in arrival order (threading.Lock promises no order)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._queue: deque[tuple[int, threading.Lock]] = deque()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._queue.append((me, turn))
        turn.acquire()  # the previous owner made us the owner, then released this

    def mine(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._queue:
                # Ownership passes directly, so nobody arriving now can barge in.
                self._owner, turn = self._queue.popleft()
                self._depth = 1
                turn.release()
            else:
                self._owner = None


class Database:
    """Engine plus the two session factories: read (deferred BEGIN) and write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Writers waiting in SQLite's busy handler sleep and
        # retry with growing back-off, so under load some wait seconds while others pass; a
        # lock in the process queues them instead (p99 at 8 clients: ~1.7 s -> ~0.2 s).
        self._writer = _FifoLock() if engine.dialect.name == "sqlite" else None
        self._writes = itertools.count(1)
        self.write = sessionmaker(bind=engine, expire_on_commit=False)
        self.read = sessionmaker(
            bind=engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any exception."""
        factory = self.read if readonly else self.write
        writer = None if readonly else self._writer
        if writer is not None:
            writer.acquire()
        try:
            with factory() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if writer is not None:
                writer.release()
        if writer is not None and not writer.mine() and next(self._writes) % WAL_CHECKPOINT_EVERY == 0:
            self._checkpoint()

    def _checkpoint(self) -> None:
        # SQLite copies the WAL into the database file in the commit that finds the WAL past 1,000
        # pages: every ~50th intake paid ~4 ms for it inside the writer lock, so every writer
        # queued behind it. Done here, after the lock is released, each write session's share is
        # copied while the next one works (PASSIVE: it never waits for or blocks a writer, and
        # SQLite's own check stays on as the backstop).
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            log.warning("wal checkpoint failed: %s", exc)
        finally:
            raw.close()


def autoflush(session: Session) -> None:
    """What `Session.execute` does before a query, for a Core read on `session.connection()`:
    flush pending changes unless autoflush is off (inside `no_autoflush`)."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()


def keep_loaded(session: Session, *objects: object) -> None:
    """Hold strong references for the session's life.

    The identity map keeps only weak references: a row a service loaded and dropped is read
    again by the next session.get() (the response builder, a notice). Services that know the
    request will need a row again keep it here.
    """
    session.info.setdefault("gongzhi.keep", []).extend(o for o in objects if o is not None)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


S = TypeVar("S", bound=Select[Any])
B = TypeVar("B", bound="Base")


def lock_for_update(stmt: S, session: Session, *, skip_locked: bool = False) -> S:
    """Row locks on PostgreSQL. SQLite has one writer at a time (BEGIN IMMEDIATE), so no-op there.

    Only the rows of the statement's first entity are locked (FOR UPDATE OF), so a scope filter
    joined onto it does not lock the areas or units it reads.
    """
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=skip_locked, of=stmt.column_descriptions[0].get("entity"))
    return stmt


def insert_rows(session: Session, objs: Sequence[Base]) -> None:
    """INSERT new objects of one mapped class with one statement and make them persistent, without
    the unit of work (whose per-object bookkeeping costs more than the SQL on a hot path).

    For rows written and not changed again in the transaction (timeline entries, outbox messages,
    a new case). Columns the objects leave unset get their column default in the database and are
    expired, so reading one loads it. Primary keys come back through RETURNING, in order.
    """
    if not objs:
        return
    cls = type(objs[0])
    if any(type(o) is not cls for o in objs):
        raise TypeError("insert_rows: objects of one class only")
    mapper = inspect(cls)
    (pk,) = mapper.primary_key
    columns = [(attr.key, attr.columns[0]) for attr in mapper.column_attrs if attr.columns[0] is not pk]
    states = [inspect(o) for o in objs]
    if any(st.key is not None or st.session_id is not None for st in states):
        raise ValueError("insert_rows: only new objects that are not in a session yet")
    for k, col in columns:  # what the ORM would have written for an unset column, known without a read
        if col.server_default is None and (col.default is None or col.default.is_scalar):
            value = col.default.arg if col.default is not None else None
            for st in states:
                st.dict.setdefault(k, value)
    groups = _rows_by_columns(objs)
    if len(groups) > 1:  # rows of one INSERT must set the same columns
        for o in objs:
            insert_rows(session, [o])
        return
    (values,) = groups
    stmt = _insert_returning_pk(mapper.local_table)
    # On the session's connection: a Core statement needs none of Session.execute's ORM handling.
    conn = session.connection()
    if len(values) == 1:
        ids = [conn.execute(stmt, values[0]).scalar_one()]
    else:
        ids = list(conn.execute(stmt, values).scalars())
    for obj, new_id in zip(objs, ids, strict=True):
        setattr(obj, mapper.get_property_by_column(pk).key, new_id)
        make_transient_to_detached(obj)  # now has an identity; `add` attaches it without an INSERT
        session.add(obj)


def row_values(session: Session, cls: type[Base], *where: Any, skip: frozenset[str] = frozenset()) -> Mapping[str, Any] | None:
    """The column values of the one row of `cls` matching `where`, by attribute name, read-only; None if none.

    For snapshots shared between threads (SnapshotCache): only scalar columns belong in them, so
    JSON columns must be in `skip` (a dict loaded from one would be one mutable object for all)."""
    stmt = _values_select(cls, skip).where(*where)
    row = session.connection().execute(stmt).mappings().first()
    return MappingProxyType(dict(row)) if row is not None else None


@functools.cache
def _values_select(cls: type[Base], skip: frozenset[str]) -> Select[Any]:
    mapper = inspect(cls)
    attrs = [a for a in mapper.column_attrs if a.key not in skip]
    if any(isinstance(a.columns[0].type, JSON) for a in attrs):
        raise TypeError(f"row_values({cls.__name__}): skip its JSON columns")
    return select(*(a.columns[0].label(a.key) for a in attrs))


def attach_row(session: Session, cls: type[B], values: Mapping[str, Any]) -> B:
    """The persistent `cls` instance with these committed column values, without a SELECT.

    `values` come from `row_values` under current cache tokens. The session's own instance wins
    when it already has the row (this transaction may have changed it); columns left out of
    `values` load on first access, like a deferred column."""
    mapper = inspect(cls)
    pk = tuple(values[mapper.get_property_by_column(c).key] for c in mapper.primary_key)
    found = session.identity_map.get(mapper.identity_key_from_primary_key(pk))
    if found is not None:
        return cast(B, found)
    obj = cast(B, mapper.class_manager.new_instance())
    inspect(obj).dict.update(values)
    make_transient_to_detached(obj)  # history reset as if loaded; missing columns expired
    session.add(obj)
    return obj


# Statements built once per table: building one costs about as much as running it on SQLite.
@functools.cache
def _plain_insert(table: Table) -> Insert:
    return insert(table)


@functools.cache
def _insert_returning_pk(table: Table) -> ReturningInsert[Any]:
    (pk,) = table.primary_key.columns
    return insert(table).returning(pk, sort_by_parameter_order=True)


_BATCH_KEY = "gongzhi.new_rows"


@dataclass
class _Batch:
    rows: list[Base]
    # key -> (state, write): one writer per key, run with its state after the block's rows.
    finals: dict[str, tuple[Any, Callable[[Session, Any], None]]]


def add_new(session: Session, obj: Base) -> None:
    """`session.add` for a new row, or, inside `batched_inserts`, kept for that block's INSERTs."""
    batch: _Batch | None = session.info.get(_BATCH_KEY)
    if batch is None:
        session.add(obj)
    else:
        batch.rows.append(obj)


T = TypeVar("T")


def batch_state(session: Session, key: str, make: Callable[[], T], write: Callable[[Session, T], None]) -> T | None:
    """Inside `batched_inserts`: the block's state under `key` (made on first use), handed to `write`
    at the block's end, after the block's rows are written. None outside a block.

    The state lives and dies with the block: if the block fails, `write` never runs."""
    batch: _Batch | None = session.info.get(_BATCH_KEY)
    if batch is None:
        return None
    found = batch.finals.get(key)
    if found is None:
        found = batch.finals[key] = (make(), write)
    return cast(T, found[0])


@contextmanager
def batched_inserts(session: Session) -> Iterator[None]:
    """New rows given to `add_new` inside the block are written at its end with one executemany per
    table, and are not tracked: they stay outside the session, without their ids.

    For the rows a request writes and never reads back in its transaction (timeline entries,
    notices): until the block ends they are not in the database, so a query would not see them."""
    if _BATCH_KEY in session.info:
        yield  # nested: the outer block writes them
        return
    batch = _Batch([], {})
    session.info[_BATCH_KEY] = batch
    try:
        yield
    finally:
        del session.info[_BATCH_KEY]
    by_class: dict[type, list[Base]] = {}
    for obj in batch.rows:
        by_class.setdefault(type(obj), []).append(obj)
    conn = session.connection()
    for objs in by_class.values():
        write_new_rows(conn, objs)
    for state, write in batch.finals.values():
        write(session, state)


def write_new_rows(conn: Connection, objs: Sequence[Base]) -> None:
    """INSERT new objects of one class with one executemany per set of columns; they stay untracked."""
    if not objs:
        return
    stmt = _plain_insert(inspect(type(objs[0])).local_table)
    for values in _rows_by_columns(objs):
        conn.execute(stmt, values)


def _rows_by_columns(objs: Sequence[Base]) -> list[list[dict[str, Any]]]:
    """Column values of new objects, grouped so that each group sets the same columns (one executemany)."""
    mapper = inspect(type(objs[0]))
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for obj in objs:
        state = inspect(obj)
        row = {
            attr.columns[0].key: state.dict[attr.key] for attr in mapper.column_attrs if attr.key in state.dict
        }
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.values())


def database_from_settings(url: str | None = None) -> Database:
    from gongzhi.config import get_settings

    return Database(make_engine(url or get_settings().database_url))


def upgrade_schema(url: str) -> None:
    """Run the Alembic migrations to head (the only way a schema is built, tests included)."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parents[2]
    ini = root / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(_migrations_dir(root)))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logging"] = False
    command.upgrade(cfg, "head")


def _migrations_dir(root: Any) -> Any:
    from pathlib import Path

    here = Path(root) / "migrations"
    if here.exists():
        return here
    # Installed without the source tree: migrations ship inside the package.
    return Path(__file__).resolve().parent / "migrations"


# ---------------------------------------------------------------- version tokens for per-process caches
#
# Reference data that every request reads (categories, SLA clocks, the calendar, routing, a grid's
# worker) is cached per process as immutable snapshots. Each cache names the tokens it depends on;
# a flush that changes a watched row writes a fresh random value into those tokens, in the same
# transaction as the change. A request reads all tokens with one query and uses a snapshot only if
# it was built under exactly those values. Tokens are random, never counters: a rolled-back change
# restores the old token, and no snapshot was ever stored under the old token with the new data.


class CacheToken(Base):
    """One row per named token (rows are created by migrations; the flush hook only updates)."""

    __tablename__ = "cache_tokens"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


@dataclass(frozen=True)
class _Watch:
    name: str
    classes: tuple[type, ...]
    fields: frozenset[str] | None


_watches: list[_Watch] = []
_TOKENS_KEY = "gongzhi.cache_tokens"


def watch(name: str, *classes: type, fields: frozenset[str] | None = None) -> None:
    """Bump token `name` in any flush that inserts, deletes or changes a row of `classes`
    (with `fields`, only changes to those attributes count)."""
    _watches.append(_Watch(name, classes, fields))


def _modified(session: Session, obj: object, fields: frozenset[str] | None) -> bool:
    if fields is None:
        return session.is_modified(obj)
    attrs = inspect(obj).attrs
    return any(attrs[f].history.has_changes() for f in fields)


def _changed_tokens(session: Session) -> set[str]:
    names: set[str] = set()
    for w in _watches:
        if w.name in names:
            continue
        if any(isinstance(o, w.classes) for o in session.new) or any(
            isinstance(o, w.classes) for o in session.deleted
        ) or any(isinstance(o, w.classes) and _modified(session, o, w.fields) for o in session.dirty):
            names.add(w.name)
    return names


@event.listens_for(Session, "before_flush")
def _bump_tokens(session: Session, _context: Any, _instances: Any) -> None:
    if not _watches:
        return
    names = _changed_tokens(session)
    if not names:
        return
    session.info.pop(_TOKENS_KEY, None)
    bump(session, *names)


@event.listens_for(Session, "after_transaction_end")
def _forget_tokens(session: Session, transaction: SessionTransaction) -> None:
    # The transaction's end, or a savepoint's (a rolled-back savepoint may have bumped a token we
    # hold); not the internal subtransaction every flush opens and closes.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_TOKENS_KEY, None)


def bump(session: Session, *names: str) -> None:
    """Change tokens for writes the flush hook cannot see (Core INSERT/DELETE statements)."""
    session.execute(update(CacheToken).where(CacheToken.name.in_(sorted(names))).values(token=uuid.uuid4().hex))
    session.info.pop(_TOKENS_KEY, None)


_TOKENS_QUERY = select(CacheToken.name, CacheToken.token)


def cache_tokens(session: Session) -> dict[str, str]:
    """All tokens, read once per transaction (again after this session bumps one)."""
    cached = session.info.get(_TOKENS_KEY)
    tx = session.get_transaction()
    if cached is not None and tx is not None and cached[0] is tx and tx.is_active:
        tokens: dict[str, str] = cached[1]
        return tokens
    # Pending changes bump their tokens in the flush, before we read; then a Core read on the
    # session's connection (the ORM's statement handling costs more than this query).
    autoflush(session)
    tokens = {name: token for name, token in session.connection().execute(_TOKENS_QUERY)}
    session.info[_TOKENS_KEY] = (session.get_transaction(), tokens)
    return tokens


def database_key(session: Session) -> str:
    """Which database a session talks to (one process may use several: tests use two)."""
    return _url_key(session.get_bind().engine.url)


@functools.lru_cache(maxsize=64)
def _url_key(url: URL) -> str:
    # Rendering a URL costs more than a hot path's whole cache lookup; URLs are immutable.
    return url.render_as_string(hide_password=True)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()
_MAX_DATABASES = 8


class SnapshotCache(Generic[K, V]):
    """Per-process, thread-safe map key -> immutable snapshot, valid while `tokens` are unchanged.

    Values must be immutable (frozen dataclasses, tuples, mapping proxies), never ORM objects:
    they are shared between threads and sessions.
    """

    def __init__(self, *tokens: str, keep_none: bool = True) -> None:
        self._tokens = tokens
        # False where keys come from outside (credentials): misses are not remembered, so
        # guessing cannot fill the cache.
        self._keep_none = keep_none
        self._lock = threading.Lock()
        self._store: dict[str, tuple[tuple[str, ...], dict[K, V]]] = {}

    def _stamp(self, session: Session) -> tuple[str, ...] | None:
        tokens = cache_tokens(session)
        if any(name not in tokens for name in self._tokens):
            return None  # a token row is missing: never trust a snapshot
        return tuple(tokens[name] for name in self._tokens)

    def get(self, session: Session, key: K, build: Callable[[], V]) -> V:
        stamp = self._stamp(session)
        if stamp is None:
            return build()
        db = database_key(session)
        entry = self._store.get(db)
        if entry is not None and entry[0] == stamp:
            found = entry[1].get(key, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
        value = build()
        if value is None and not self._keep_none:
            return value
        if self._stamp(session) != stamp:
            return value  # this session changed watched rows meanwhile: do not store
        with self._lock:
            entry = self._store.get(db)
            if entry is None or entry[0] != stamp:
                if db not in self._store and len(self._store) >= _MAX_DATABASES:
                    self._store.pop(next(iter(self._store)))
                entry = (stamp, {})
                self._store[db] = entry
            entry[1][key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
