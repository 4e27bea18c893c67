"""The hash chain: appends link up, verify() names the first altered or removed entry."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from gongzhi.audit import service
from gongzhi.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from gongzhi.clock import SHANGHAI, FrozenClock
from gongzhi.errors import Conflict, Invalid
from gongzhi.i18n import translate


def _append(session: Session, now: datetime, n: int, **data: object) -> AuditEntry:
    return service.append(
        session, kind="case.transition", subject_type="case", subject_id=n, actor_id=7,
        actor_name="网格员 张三", data={"n": n, "note": "已处置", **data}, now=now,
    )


@pytest.fixture
def chain(session: Session, clock: FrozenClock) -> list[AuditEntry]:
    entries = []
    for n in range(1, 6):
        entries.append(_append(session, clock.now(), n))
        clock.advance(timedelta(minutes=1, microseconds=1))
    return entries


def test_appends_form_a_chain_that_verifies(session: Session, chain: list[AuditEntry]) -> None:
    seqs = [e.seq for e in chain]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash
    head = session.get_one(AuditHead, service.HEAD_ID)
    assert (head.last_seq, head.last_hash) == (chain[-1].seq, chain[-1].hash)

    report = service.verify(session)
    assert report == service.ChainReport(ok=True, checked=chain[-1].seq, first_bad_seq=None,
                                         reason_code="audit_chain_intact", head_seq=chain[-1].seq)


def test_empty_chain_is_intact(session: Session) -> None:
    session.execute(delete(AuditEntry))
    session.execute(delete(AuditHead))
    assert service.verify(session) == service.ChainReport(True, 0, None, "audit_chain_intact", 0)


def test_first_append_creates_the_head_and_starts_at_genesis(session: Session, clock: FrozenClock) -> None:
    session.execute(delete(AuditEntry))
    session.execute(delete(AuditHead))
    first = _append(session, clock.now(), 1)
    second = _append(session, clock.now(), 2)  # same session: the cached head must not be stale
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_missing_head_with_entries_refuses_to_restart_the_chain(
    session: Session, chain: list[AuditEntry], clock: FrozenClock
) -> None:
    session.commit()  # the head is removed by someone else, between transactions
    session.execute(delete(AuditHead))
    session.commit()
    with pytest.raises(Conflict) as err:
        _append(session, clock.now(), 9)
    assert err.value.code == "audit_head_missing"
    report = service.verify(session)
    assert (report.ok, report.reason_code, report.first_bad_seq) == (
        False, "audit_head_mismatch", chain[-1].seq + 1)


@pytest.mark.parametrize(
    "column_sql",
    [
        "data = '{\"n\": 3, \"note\": \"未处置\"}'",
        "actor_name = '李四'",
        "kind = 'case.created'",
        "subject_id = '999'",
        "actor_id = NULL",
    ],
)
def test_altered_entry_is_named(session: Session, chain: list[AuditEntry], column_sql: str) -> None:
    k = chain[2].seq
    session.execute(text(f"UPDATE audit_entries SET {column_sql} WHERE seq = :k"), {"k": k})
    report = service.verify(session)
    assert (report.ok, report.first_bad_seq, report.reason_code) == (False, k, "audit_entry_altered")
    assert report.checked == k - 1


def test_altered_timestamp_is_named(session: Session, chain: list[AuditEntry]) -> None:
    k = chain[1].seq
    session.execute(
        text("UPDATE audit_entries SET at = :at WHERE seq = :k"),
        # Bound through the same UTC rules as the ORM: naive UTC text on SQLite, aware on PostgreSQL.
        {"at": (chain[1].at + timedelta(seconds=1)).replace(tzinfo=None)
         if session.get_bind().dialect.name == "sqlite" else chain[1].at + timedelta(seconds=1), "k": k},
    )
    report = service.verify(session)
    assert (report.first_bad_seq, report.reason_code) == (k, "audit_entry_altered")


def test_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(
    session: Session, chain: list[AuditEntry]
) -> None:
    # The forger recomputes entry k's own hash, but entry k+1 still points at the old one.
    target = chain[2]
    forged = {"n": 3, "note": "从未发生"}
    new_hash = service.entry_hash(
        seq=target.seq, at=target.at, actor_id=target.actor_id, actor_name=target.actor_name,
        kind=target.kind, subject_type=target.subject_type, subject_id=target.subject_id, data=forged,
        prev_hash=target.prev_hash,
    )
    session.execute(
        text("UPDATE audit_entries SET data = '{\"n\": 3, \"note\": \"从未发生\"}', hash = :h "
             "WHERE seq = :k"),
        {"h": new_hash, "k": target.seq},
    )
    report = service.verify(session)
    assert (report.ok, report.first_bad_seq, report.reason_code) == (False, target.seq, "audit_link_broken")
    assert report.checked == target.seq - 1


def test_rewritten_last_entry_is_a_head_mismatch(session: Session, chain: list[AuditEntry]) -> None:
    last = chain[-1]
    new_hash = service.entry_hash(
        seq=last.seq, at=last.at, actor_id=last.actor_id, actor_name=last.actor_name, kind=last.kind,
        subject_type=last.subject_type, subject_id=last.subject_id, data={"n": 0}, prev_hash=last.prev_hash,
    )
    session.execute(text("UPDATE audit_entries SET data = '{\"n\": 0}', hash = :h WHERE seq = :k"),
                    {"h": new_hash, "k": last.seq})
    report = service.verify(session)
    assert (report.first_bad_seq, report.reason_code) == (last.seq, "audit_head_mismatch")


@pytest.mark.parametrize("index", [0, 2])
def test_deleted_entry_is_reported_missing(session: Session, chain: list[AuditEntry], index: int) -> None:
    k = chain[index].seq
    session.execute(text("DELETE FROM audit_entries WHERE seq = :k"), {"k": k})
    report = service.verify(session)
    assert (report.ok, report.first_bad_seq, report.reason_code) == (False, k, "audit_entry_missing")
    assert report.checked == k - 1


@pytest.mark.parametrize("removed", [1, 2])
def test_deleted_tail_is_a_head_mismatch(session: Session, chain: list[AuditEntry], removed: int) -> None:
    n = chain[-1].seq
    first_removed = n - removed + 1
    session.execute(text("DELETE FROM audit_entries WHERE seq >= :k"), {"k": first_removed})
    report = service.verify(session)
    assert (report.ok, report.first_bad_seq, report.reason_code) == (
        False, first_removed, "audit_head_mismatch")
    assert report.head_seq == n and report.checked == first_removed - 1


def test_entry_forged_past_the_head_is_a_head_mismatch(
    session: Session, chain: list[AuditEntry], clock: FrozenClock
) -> None:
    last = chain[-1]
    fields = dict(seq=last.seq + 1, at=clock.now(), actor_id=None, actor_name="", kind="x",
                  subject_type="case", subject_id="1", data={}, prev_hash=last.hash)
    session.add(AuditEntry(**fields, hash=service.entry_hash(**fields)))  # type: ignore[arg-type]
    session.flush()
    report = service.verify(session)
    assert (report.first_bad_seq, report.reason_code) == (last.seq + 1, "audit_head_mismatch")


def test_verify_streams_in_batches(session: Session, chain: list[AuditEntry]) -> None:
    assert service.verify(session, batch=2).ok
    k = chain[3].seq
    session.execute(text("UPDATE audit_entries SET actor_name = 'x' WHERE seq = :k"), {"k": k})
    for batch in (1, 2, 3, 1000):
        assert service.verify(session, batch=batch).first_bad_seq == k


def test_timestamps_and_data_survive_the_round_trip(session: Session) -> None:
    # Shanghai wall time with microseconds; stored as UTC and must hash identically when re-read.
    now = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=SHANGHAI)
    data = {"金额": 12.5, "tuple": (1, 2), 3: "int key", "nested": {"b": [None, True], "a": "é"}}
    entry = service.append(session, kind="k", subject_type="case", subject_id="A-1", actor_id=None,
                           actor_name="系统", data=data, now=now)
    at_second = service.append(session, kind="k", subject_type="case", subject_id="A-1", actor_id=None,
                               actor_name="系统", data={}, now=datetime(2026, 11, 23, 2, tzinfo=UTC))
    session.commit()
    session.expire_all()

    stored = session.get_one(AuditEntry, entry.id)
    assert stored.at == now and stored.at.tzinfo == UTC and stored.at.microsecond == 123456
    assert stored.data == {"金额": 12.5, "tuple": [1, 2], "3": "int key",
                           "nested": {"b": [None, True], "a": "é"}}
    assert session.get_one(AuditEntry, at_second.id).at == datetime(2026, 11, 23, 2, tzinfo=UTC)
    recomputed = service.entry_hash(
        seq=stored.seq, at=stored.at, actor_id=stored.actor_id, actor_name=stored.actor_name,
        kind=stored.kind, subject_type=stored.subject_type, subject_id=stored.subject_id, data=stored.data,
        prev_hash=stored.prev_hash,
    )
    assert recomputed == stored.hash
    assert service.verify(session).ok


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": {"when": datetime(2026, 1, 1, tzinfo=UTC)}}, "audit_data_not_json"),
        ({"data": {"x": float("nan")}}, "audit_data_not_json"),
        ({"kind": "k" * 41}, "audit_field_too_long"),
        ({"subject_id": "9" * 41}, "audit_field_too_long"),
        ({"actor_name": "名" * 101}, "audit_field_too_long"),
    ],
)
def test_bad_input_is_refused_without_writing(
    session: Session, clock: FrozenClock, kwargs: dict[str, object], code: str
) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    args: dict[str, object] = dict(kind="k", subject_type="case", subject_id=1, actor_id=None, actor_name="",
                                   data={}, now=clock.now())
    args.update(kwargs)
    with pytest.raises(Invalid) as err:
        service.append(session, **args)  # type: ignore[arg-type]
    assert err.value.code == code and err.value.status_code == 422
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_naive_now_is_a_programming_error(session: Session) -> None:
    with pytest.raises(ValueError):
        _append(session, datetime(2026, 11, 23, 2), 1)


def test_entries_for_a_subject_in_order_and_pii_reads(session: Session, clock: FrozenClock) -> None:
    _append(session, clock.now(), 41)
    _append(session, clock.now(), 42)
    _append(session, clock.now(), 41)
    read = service.log_pii_read(session, actor_id=3, actor_name="王五", subject_type="case", subject_id=41,
                                fields=["reporter_phone", "id_card"], now=clock.now())
    assert (read.kind, read.subject_id) == ("pii.read", "41")
    assert read.data == {"fields": ["reporter_phone", "id_card"]}

    timeline = service.entries_for(session, "case", 41)
    assert [e.subject_id for e in timeline] == ["41"] * 3
    assert [e.seq for e in timeline] == sorted(e.seq for e in timeline)
    assert timeline[-1].id == read.id
    assert service.entries_for(session, "case", "41") == timeline
    assert service.entries_for(session, "user", 41) == []


def test_every_reason_has_zh_and_en_text() -> None:
    for key in ("audit_chain_intact", "audit_entry_altered", "audit_entry_missing", "audit_link_broken",
                "audit_head_mismatch"):
        zh = translate(key, "zh", seq=3, checked=2, head_seq=5)
        en = translate(key, "en", seq=3, checked=2, head_seq=5)
        assert zh != key and en != key and zh != en
