"""Enqueue notifications in the caller's transaction; manage subscriptions; requeue dead messages.

A message written by enqueue() commits together with the change that caused it, or not at
all: nobody is told about something that was rolled back, and nothing committed goes untold.
Delivery happens later, outside the transaction (see sender.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Insert, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

import gongzhi.notify.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.db import SnapshotCache, add_new, bump, lock_for_update
from gongzhi.errors import Conflict, Invalid, NotFound
from gongzhi.notify.models import CHANNELS, OutboxMessage, Subscription

# Column widths from models.py, checked up front so PostgreSQL never fails the flush with a 500.
_MAX_LEN = {"recipient": 400, "topic": 60, "ref": 60, "subject_type": 40, "subject_id": 40}
SUBJECT_MAX = 200


def _check_len(field: str, value: str) -> None:
    if len(value) > _MAX_LEN[field]:
        raise Invalid("notify_field_too_long", field=field, max=_MAX_LEN[field])


def _check_recipient(channel: str, recipient: str) -> None:
    # Only what would make every delivery attempt fail: a message that can never be sent
    # should be refused now (4xx), not retried for hours and then left dead.
    ok = bool(recipient) and not any(c in recipient for c in "\r\n\x00")
    if ok and channel == "email":
        local, _, domain = recipient.rpartition("@")
        ok = bool(local) and bool(domain) and not any(c.isspace() for c in recipient)
    elif ok and channel == "webhook":
        parts = urlsplit(recipient)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    if not ok:
        raise Invalid("notify_bad_recipient", recipient=recipient[:80])


def _clean_payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    if not payload:
        return {}
    try:
        clean = json.loads(json.dumps(payload, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise Invalid("notify_payload_not_json", detail=str(exc)) from exc
    if not isinstance(clean, dict):
        raise Invalid("notify_payload_not_json", detail="not an object")
    return clean


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    topic: str,
    now: datetime,
    ref: str = "",
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Write one message to the outbox, due at `now` (flush only; it commits with the caller).

    channel: "console" (recipient "user:42"), "email" (an address) or "webhook" (the robot URL).
    A subject longer than the column is shortened rather than refused: it is generated text.
    """
    if channel not in CHANNELS:
        raise Invalid("notify_unknown_channel", channel=channel, choices=", ".join(CHANNELS))
    for field, value in (("recipient", recipient), ("topic", topic), ("ref", ref)):
        _check_len(field, value)
    _check_recipient(channel, recipient)
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    msg = OutboxMessage(
        created_at=now, channel=channel, recipient=recipient, subject=subject, body=body, topic=topic,
        ref=ref, payload=_clean_payload(payload), status="pending", attempts=0, next_attempt_at=now,
        lease_until=None, last_error="", sent_at=None,
    )
    add_new(session, msg)  # flushed with the caller's change (no round trip per message)
    return msg


def requeue(session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """An admin gives a dead message a fresh set of attempts, due now (flush only).

    The last error is kept so the admin page still shows why it died before.
    """
    stmt = lock_for_update(select(OutboxMessage).where(OutboxMessage.id == message_id), session)
    msg = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if msg is None:
        raise NotFound("notify_message_not_found")
    if msg.status != "dead":
        raise Conflict("notify_message_not_dead", status=msg.status)
    msg.status = "pending"
    msg.attempts = 0
    msg.next_attempt_at = now
    msg.lease_until = None
    session.flush()
    return msg


# ---------------------------------------------------------------- subscriptions


def _insert_ignore(session: Session, values: dict[str, Any]) -> Insert:
    dialect = session.get_bind().dialect.name
    cols = ["user_id", "subject_type", "subject_id"]
    if dialect == "postgresql":
        return pg_insert(Subscription).values(**values).on_conflict_do_nothing(index_elements=cols)
    if dialect == "sqlite":
        return sqlite_insert(Subscription).values(**values).on_conflict_do_nothing(index_elements=cols)
    raise RuntimeError(f"unsupported database dialect: {dialect}")


def subscribe(
    session: Session, *, user_id: int, subject_type: str, subject_id: str | int, now: datetime
) -> Subscription:
    """The user follows the subject. Idempotent, also under concurrent calls (INSERT … ON CONFLICT
    DO NOTHING instead of check-then-insert, which would race into a unique-key 500)."""
    sid = str(subject_id)
    _check_len("subject_type", subject_type)
    _check_len("subject_id", sid)
    session.execute(_insert_ignore(session, {
        "user_id": user_id, "subject_type": subject_type, "subject_id": sid, "created_at": now,
    }))
    if subject_type == "area":
        bump(session, AREA_FOLLOWERS_TOKEN)
    return session.scalars(
        select(Subscription).where(
            Subscription.user_id == user_id, Subscription.subject_type == subject_type,
            Subscription.subject_id == sid,
        )
    ).one()


def unsubscribe(session: Session, *, user_id: int, subject_type: str, subject_id: str | int) -> bool:
    """Stop following; True if there was a subscription."""
    result = session.execute(
        delete(Subscription)
        .where(
            Subscription.user_id == user_id, Subscription.subject_type == subject_type,
            Subscription.subject_id == str(subject_id),
        )
        .execution_options(synchronize_session="fetch")
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed and subject_type == "area":
        bump(session, AREA_FOLLOWERS_TOKEN)
    return removed


def subscribers(session: Session, subject_type: str, subject_id: str | int) -> list[int]:
    """User ids following the subject, ascending."""
    stmt = (
        select(Subscription.user_id)
        .where(Subscription.subject_type == subject_type, Subscription.subject_id == str(subject_id))
        .order_by(Subscription.user_id)
    )
    return list(session.scalars(stmt))


# Every case intake asks who follows its grid and the areas above it; subscriptions to areas change
# rarely, so the answer is kept per process until subscribe/unsubscribe of an area bumps the token.
AREA_FOLLOWERS_TOKEN = "notify.area_followers"
_area_followers: SnapshotCache[tuple[str, ...], tuple[int, ...]] = SnapshotCache(AREA_FOLLOWERS_TOKEN)
_AREA_FOLLOWERS = (
    select(Subscription.user_id)
    .where(Subscription.subject_type == "area", Subscription.subject_id.in_(bindparam("ids", expanding=True)))
    .distinct()
    .order_by(Subscription.user_id)
)


def area_followers(session: Session, area_ids: Sequence[int | str]) -> tuple[int, ...]:
    """User ids following any of the areas (subscriptions to ("area", id)), ascending."""
    key = tuple(str(i) for i in area_ids)
    if not key:
        return ()
    return _area_followers.get(
        session, key, lambda: tuple(session.scalars(_AREA_FOLLOWERS, {"ids": list(key)}))
    )

