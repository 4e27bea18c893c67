"""Append to and verify the hash-chained audit log.

Every entry stores the hash of the one before it (`prev_hash`) and its own hash over a
canonical JSON of its fields, so changing, removing or inserting an entry anywhere breaks
the chain from that point on. `verify()` re-walks the chain and names the first entry that
can no longer be trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

import gongzhi.audit.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from gongzhi.db import attach_row, autoflush, batch_state, is_postgres, write_new_rows
from gongzhi.errors import Conflict, Invalid

HEAD_ID = 1
PII_READ = "pii.read"
VERIFY_BATCH = 1000

# Reason codes of ChainReport (also i18n keys in messages.py).
INTACT = "audit_chain_intact"
ALTERED = "audit_entry_altered"
MISSING = "audit_entry_missing"
LINK_BROKEN = "audit_link_broken"
HEAD_MISMATCH = "audit_head_mismatch"

# Column widths from models.py; checked up front so PostgreSQL never fails the flush with a 500.
_MAX_LEN = {"kind": 40, "subject_type": 40, "subject_id": 40, "actor_name": 100}


def _iso(at: datetime) -> str:
    """The timestamp exactly as hashed: UTC, ISO-8601, always with microseconds."""
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    kind: str,
    subject_type: str,
    subject_id: str | int,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical JSON of an entry's fields, including the previous hash."""
    doc = {
        "seq": seq,
        "at": _iso(at),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "data": data,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical(doc).encode("utf-8")).hexdigest()


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so what we hash is exactly what the database gives back later
    (tuples become lists, int keys become strings); refuse what JSON cannot hold."""
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")  # lone surrogates would make the hash input unencodable
    except (TypeError, ValueError) as exc:
        raise Invalid("audit_data_not_json", detail=str(exc)) from exc
    clean = json.loads(text)
    if not isinstance(clean, dict):
        raise Invalid("audit_data_not_json", detail="not an object")
    return clean


def _check_text(field: str, value: str) -> None:
    if len(value) > _MAX_LEN[field] or "\x00" in value:
        raise Invalid("audit_field_too_long", field=field, max=_MAX_LEN[field])


def _head_insert(session: Session) -> Insert:
    values = {"id": HEAD_ID, "last_seq": 0, "last_hash": GENESIS_HASH}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Insert = pg_insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"])
    else:
        raise RuntimeError(f"unsupported database dialect: {dialect}")
    # RETURNING tells whether we inserted (rowcount is not reliable for ON CONFLICT here).
    return stmt.returning(AuditHead.id)


def _locked_head(session: Session) -> AuditHead:
    """The head, locked once per transaction (or savepoint) and reused by its later appends."""
    tx = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is tx and tx is not None and tx.is_active:
        head: AuditHead = cached[1]
        return head
    head = _lock_head(session)
    session.info[_HEAD_KEY] = (tx, head)
    return head


_HEAD_KEY = "gongzhi.audit.head"


_HEAD = select(AuditHead.id, AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()  # PostgreSQL; SQLite has one writer (BEGIN IMMEDIATE)


def _lock_head(session: Session) -> AuditHead:
    head = _fetch_head(session)
    if head is None:
        # Two first appenders may race here; ON CONFLICT DO NOTHING makes the loser wait for the
        # winner's commit (PostgreSQL) and then lock the winner's row instead of failing.
        created = session.execute(_head_insert(session)).first() is not None
        # Only if no head existed at all: entries without a head mean someone deleted it, and
        # restarting at seq 1 would silently fork the chain. (Checked after the insert, not
        # before: a concurrent first appender may commit its head and entry in between.)
        if created and session.scalar(select(AuditEntry.id).limit(1)) is not None:
            # Undo our placeholder head, in case the caller catches this and carries on.
            session.execute(delete(AuditHead).where(AuditHead.id == HEAD_ID))
            raise Conflict("audit_head_missing")
        head = _fetch_head(session)
        assert head is not None  # inserted above, or by the appender we waited for
    return head


def _fetch_head(session: Session) -> AuditHead | None:
    """The head row as it is now, locked on PostgreSQL, as the session's AuditHead (refreshed if the
    session has one: a head loaded earlier may be stale once we hold the lock)."""
    autoflush(session)  # a pending move of the head is written before we read past it
    stmt = _HEAD_FOR_UPDATE if is_postgres(session) else _HEAD
    row = session.connection().execute(stmt).mappings().first()
    if row is None:
        return None
    head = attach_row(session, AuditHead, dict(row))
    set_committed_value(head, "last_seq", row["last_seq"])
    set_committed_value(head, "last_hash", row["last_hash"])
    return head


_HEAD_UPDATE = (
    update(AuditHead).where(AuditHead.id == HEAD_ID).values(last_seq=bindparam("seq"), last_hash=bindparam("digest"))
)


def append(
    session: Session,
    *,
    kind: str,
    subject_type: str,
    subject_id: str | int,
    actor_id: int | None,
    actor_name: str,
    data: dict[str, Any],
    now: datetime,
) -> AuditEntry:
    """Add one entry at the end of the chain and move the head to it (flush only).

    Takes the head row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a
    time). The caller's transaction holds that lock until it commits or rolls back, so appends
    from concurrent transactions are serialized and the chain never forks. Keep the rest of
    the transaction short after appending.

    Inside `batched_inserts` the entry is chained at the block's end, with the block's other
    entries: the head is locked then, for the block's last statements only, and the entry's
    seq and hashes are set then.
    """
    subject = str(subject_id)
    for field, value in (("kind", kind), ("subject_type", subject_type), ("subject_id", subject),
                         ("actor_name", actor_name)):
        _check_text(field, value)
    entry = AuditEntry(
        at=datetime.fromisoformat(_iso(now)),  # aware UTC, microsecond precision (what both DBs keep)
        actor_id=actor_id, actor_name=actor_name, kind=kind, subject_type=subject_type, subject_id=subject,
        data=_clean_data(data),
    )
    pending = batch_state(session, _HEAD_KEY, list, _chain_batch)
    if pending is not None:
        pending.append(entry)
        return entry
    head = _locked_head(session)
    _chain(head, [entry])
    head.last_seq, head.last_hash = entry.seq, entry.hash
    # No flush here: the entry and the head go out with the transaction's next flush or commit,
    # one round trip for all of a request's appends.
    session.add(entry)
    return entry


def _chain(head: AuditHead, entries: list[AuditEntry]) -> None:
    """Give entries their place after `head`: seq, prev_hash and hash (the head is not moved)."""
    seq, prev = head.last_seq, head.last_hash
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(
            seq=seq, at=entry.at, actor_id=entry.actor_id, actor_name=entry.actor_name, kind=entry.kind,
            subject_type=entry.subject_type, subject_id=entry.subject_id, data=entry.data, prev_hash=prev,
        )


def _chain_batch(session: Session, entries: list[AuditEntry]) -> None:
    """The end of a batched_inserts block: lock the head, chain the block's entries, write them and the head."""
    head = _locked_head(session)
    _chain(head, entries)
    conn = session.connection()
    write_new_rows(conn, entries)
    last = entries[-1]
    conn.execute(_HEAD_UPDATE, {"seq": last.seq, "digest": last.hash})
    # The row is written: the head object takes the values as loaded, so the session holds no change.
    set_committed_value(head, "last_seq", last.seq)
    set_committed_value(head, "last_hash", last.hash)


def log_pii_read(
    session: Session,
    *,
    actor_id: int | None,
    actor_name: str,
    subject_type: str,
    subject_id: str | int,
    fields: list[str],
    now: datetime,
) -> AuditEntry:
    """Data-access log: `actor` saw the unmasked `fields` (e.g. id_card, phone) of the subject."""
    return append(
        session, kind=PII_READ, subject_type=subject_type, subject_id=subject_id, actor_id=actor_id,
        actor_name=actor_name, data={"fields": list(fields)}, now=now,
    )


def entries_for(session: Session, subject_type: str, subject_id: str | int) -> list[AuditEntry]:
    """The timeline of one subject, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == str(subject_id))
        .order_by(AuditEntry.seq)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ChainReport:
    """Outcome of verify().

    checked: entries verified intact before the first problem (all of them when ok).
    first_bad_seq: the first entry altered, removed or rewritten; None when ok.
    reason_code: an i18n key (audit_chain_intact or one of the audit_* failure keys).
    head_seq: the chain length the head row claims (0 when there is no head).
    """

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason_code: str
    head_seq: int


def _read_head(session: Session) -> tuple[int, str] | None:
    # Plain columns, not the ORM object: verify must see the stored row, never a cached one.
    row = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
    ).one_or_none()
    return None if row is None else (row.last_seq, row.last_hash)


def verify(session: Session, *, batch: int = VERIFY_BATCH) -> ChainReport:
    """Re-walk the chain by seq, `batch` rows at a time, and name the first untrustworthy entry.

    Entries appended by other transactions while this runs are not an error: the walk stops
    at the head read at the start, and the final forged-tail check re-reads the head.
    """
    head = _read_head(session)
    head_seq = head[0] if head else 0
    cols = (
        AuditEntry.seq, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_name, AuditEntry.kind,
        AuditEntry.subject_type, AuditEntry.subject_id, AuditEntry.data, AuditEntry.prev_hash,
        AuditEntry.hash,
    )

    def bad(seq: int, reason: str, checked: int) -> ChainReport:
        return ChainReport(ok=False, checked=checked, first_bad_seq=seq, reason_code=reason,
                           head_seq=head_seq)

    expected = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_seen: int | None = None
    while True:
        stmt = select(*cols).order_by(AuditEntry.seq).limit(batch)
        if last_seen is not None:
            stmt = stmt.where(AuditEntry.seq > last_seen)
        if head is not None:
            stmt = stmt.where(AuditEntry.seq <= head_seq)
        rows = session.execute(stmt).all()
        for row in rows:
            if row.seq > expected:
                return bad(expected, MISSING, checked)
            recomputed = entry_hash(
                seq=row.seq, at=row.at, actor_id=row.actor_id, actor_name=row.actor_name, kind=row.kind,
                subject_type=row.subject_type, subject_id=row.subject_id, data=row.data,
                prev_hash=row.prev_hash,
            )
            if recomputed != row.hash or row.seq < expected:
                return bad(row.seq, ALTERED, checked)
            if row.prev_hash != prev_hash:
                # This entry is self-consistent and its prev_hash is covered by its own hash, so
                # it is the entry before it that was rewritten wholesale (data and hash).
                return bad(max(row.seq - 1, 1), LINK_BROKEN, max(checked - 1, 0))
            prev_hash = row.hash
            expected = row.seq + 1
            checked += 1
        if len(rows) < batch:
            break
        last_seen = rows[-1].seq

    last_seq = expected - 1
    if head is None:
        if last_seq > 0:  # entries without a head: the anchor was removed
            return bad(last_seq + 1, HEAD_MISMATCH, checked)
        return ChainReport(ok=True, checked=0, first_bad_seq=None, reason_code=INTACT, head_seq=0)
    if last_seq < head_seq:  # the tail was removed
        return bad(last_seq + 1, HEAD_MISMATCH, checked)
    if head[1] != prev_hash:  # the last entry was rewritten wholesale, or the head was
        return bad(last_seq, HEAD_MISMATCH, max(checked - 1, 0))
    # Entries beyond the head that no head covers were forged. Read max(seq) first: any entry
    # committed by then had its head update committed with it, so the re-read head covers it.
    max_seq = session.scalar(select(func.max(AuditEntry.seq))) or 0
    later = _read_head(session)
    if later is None or max_seq > later[0]:
        return bad((later[0] if later else head_seq) + 1, HEAD_MISMATCH, checked)
    return ChainReport(ok=True, checked=checked, first_bad_seq=None, reason_code=INTACT, head_seq=head_seq)
