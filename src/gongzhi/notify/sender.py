"""Deliver due outbox messages, at least once, without holding a transaction during network I/O.

One pass is three steps:
  1. claim  (short transaction): lease due pending rows; on PostgreSQL with
     SELECT … FOR UPDATE SKIP LOCKED, so several workers take disjoint rows;
  2. send   (no transaction): each leased message through its channel;
  3. record (short transaction): sent, or retried later with exponential backoff, or dead
     after max_attempts (kept for an admin to requeue, never deleted).
A worker that dies between 1 and 3 leaves leases that expire, and the messages go out
again: delivery is at least once, so receivers may see a duplicate, never a loss.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gongzhi.db import lock_for_update
from gongzhi.notify.channels import Channel, DeliveryError, OutgoingMessage
from gongzhi.notify.models import OutboxMessage

log = logging.getLogger("gongzhi.notify")

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
ERROR_MAX_CHARS = 2000

Outcome = Literal["sent", "retried", "dead", "skipped"]


class SessionSource(Protocol):
    """What deliver_due needs from gongzhi.db.Database: one committed transaction per `with`."""

    def session(self, *, readonly: bool = False) -> AbstractContextManager[Session]: ...


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retried: int
    dead: int


def backoff(attempts: int, message_id: int) -> timedelta:
    """Delay after the `attempts`-th failure: 30 s, 60 s, 120 s … capped at 1 h.

    Up to +10 % jitter, derived from the message id (deterministic, so tests and replays agree),
    keeps a burst of messages that failed together from retrying in lockstep.
    """
    base = BACKOFF_BASE_SECONDS * 2 ** min(max(attempts, 1) - 1, 20)
    jitter = (message_id * 2654435761 % 1000) / 10000  # 0 … 0.0999
    return timedelta(seconds=min(base * (1 + jitter), BACKOFF_CAP_SECONDS))


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id, channel=row.channel, recipient=row.recipient, subject=row.subject, body=row.body,
        topic=row.topic, ref=row.ref, payload=dict(row.payload or {}), attempts=row.attempts,
    )


def claim_due(
    session: Session, now: datetime, batch: int = 100, lease_seconds: int = 300
) -> list[OutgoingMessage]:
    """Lease up to `batch` due pending messages until now + lease_seconds (flush only).

    The caller commits right away, so the lease is what keeps other workers off the rows
    while they are sent; SKIP LOCKED only keeps concurrent claimers from queueing on each other.
    """
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    stmt = lock_for_update(stmt, session, skip_locked=True).execution_options(populate_existing=True)
    rows = list(session.scalars(stmt))
    until = now + timedelta(seconds=lease_seconds)
    for row in rows:
        row.lease_until = until
    session.flush()
    return [_outgoing(row) for row in rows]


def record_result(
    session: Session, message_id: int, error: str | None, now: datetime, max_attempts: int = 12
) -> Outcome:
    """Write the outcome of one delivery attempt (flush only). error=None means delivered.

    A message that is no longer pending (another worker got to it after our lease expired)
    is left alone and reported as "skipped".
    """
    stmt = lock_for_update(select(OutboxMessage).where(OutboxMessage.id == message_id), session)
    msg = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if msg is None or msg.status != "pending":
        return "skipped"
    msg.lease_until = None
    if error is None:
        msg.status = "sent"
        msg.sent_at = now
        session.flush()
        return "sent"
    msg.attempts += 1
    msg.last_error = error[:ERROR_MAX_CHARS]
    if msg.attempts >= max_attempts:
        msg.status = "dead"
        outcome: Outcome = "dead"
    else:
        msg.next_attempt_at = now + backoff(msg.attempts, msg.id)
        outcome = "retried"
    session.flush()
    return outcome


def release(session: Session, message_ids: list[int]) -> None:
    """Drop the leases of claimed messages that were not attempted, so the next pass takes them."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "pending")
            .values(lease_until=None)
            .execution_options(synchronize_session=False)
        )


def send_one(msg: OutgoingMessage, channels: Mapping[str, Channel]) -> str | None:
    """Deliver through the message's channel; the error text, or None on success. Never raises."""
    channel = channels.get(msg.channel)
    if channel is None:
        error = f"no channel configured for {msg.channel!r}"
    else:
        try:
            channel.send(msg)
            return None
        except DeliveryError as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:  # a bug in one channel must not strand the rest of the batch
            log.exception("notify channel crashed", extra={"outbox_id": msg.id, "channel": msg.channel})
            error = f"{type(exc).__name__}: {exc}"
    log.warning("notify delivery failed", extra={
        "outbox_id": msg.id, "channel": msg.channel, "attempt": msg.attempts + 1, "error": error,
    })
    return error


def deliver_due(
    database: SessionSource,
    now: datetime,
    channels: Mapping[str, Channel],
    *,
    batch: int = 100,
    max_attempts: int = 12,
    lease_seconds: int = 300,
) -> DeliveryReport:
    """One delivery pass: claim, send outside any transaction, record. `database` is a
    gongzhi.db.Database (anything with a committing `.session()`).

    Sending stops once 80 % of the lease has really elapsed; the rest are released unsent so
    their lease cannot expire mid-send and let a second worker deliver them twice.
    """
    with database.session() as session:
        claimed = claim_due(session, now, batch, lease_seconds)
    if not claimed:
        return DeliveryReport(sent=0, retried=0, dead=0)

    deadline = time.monotonic() + lease_seconds * 0.8
    results: list[tuple[int, str | None]] = []
    unsent: list[int] = []
    for msg in claimed:
        if time.monotonic() > deadline:
            unsent.append(msg.id)
            continue
        results.append((msg.id, send_one(msg, channels)))

    with database.session() as session:
        outcomes = [record_result(session, mid, error, now, max_attempts) for mid, error in results]
        release(session, unsent)
    return DeliveryReport(sent=outcomes.count("sent"), retried=outcomes.count("retried"),
                          dead=outcomes.count("dead"))
