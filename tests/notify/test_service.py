"""Enqueue belongs to the caller's transaction; subscriptions are idempotent; dead messages requeue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.clock import FrozenClock
from gongzhi.errors import Conflict, Invalid, NotFound
from gongzhi.i18n import translate
from gongzhi.notify import service
from gongzhi.notify.models import OutboxMessage, Subscription


def _count(session: Session, topic: str) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == topic)
    return session.scalar(stmt) or 0


def test_enqueue_commits_or_rolls_back_with_the_caller(session: Session, clock: FrozenClock) -> None:
    msg = service.enqueue(session, channel="console", recipient="user:42", subject="工单已派发",
                          body="A-1 已派发给城管", topic="test.tx", now=clock.now(), ref="case:1",
                          payload={"case_id": 1})
    session.flush()
    assert msg.id is not None  # in the caller's transaction
    assert (msg.status, msg.attempts, msg.next_attempt_at, msg.lease_until) == (
        "pending", 0, clock.now(), None)
    assert _count(session, "test.tx") == 1

    session.rollback()  # the change that caused it failed: nobody is told
    assert _count(session, "test.tx") == 0

    service.enqueue(session, channel="console", recipient="user:42", subject="s", body="b", topic="test.tx",
                    now=clock.now())
    session.commit()
    session.expire_all()
    stored = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "test.tx")).one()
    assert (stored.status, stored.payload, stored.ref, stored.created_at) == ("pending", {}, "", clock.now())


@pytest.mark.parametrize(
    ("channel", "recipient", "code"),
    [
        ("sms", "13800000000", "notify_unknown_channel"),
        ("email", "not-an-address", "notify_bad_recipient"),
        ("email", "a@b.cn\r\nBcc: x@y.cn", "notify_bad_recipient"),
        ("webhook", "ftp://robot.example/send", "notify_bad_recipient"),
        ("webhook", "qyapi.weixin.qq.com/cgi-bin/webhook/send", "notify_bad_recipient"),
        ("console", "", "notify_bad_recipient"),
        ("console", "u" * 401, "notify_field_too_long"),
    ],
)
def test_bad_messages_are_refused_with_4xx_and_not_written(
    session: Session, clock: FrozenClock, channel: str, recipient: str, code: str
) -> None:
    with pytest.raises(Invalid) as err:
        service.enqueue(session, channel=channel, recipient=recipient, subject="s", body="b",
                        topic="test.bad", now=clock.now())
    assert (err.value.code, err.value.status_code) == (code, 422)
    assert translate(code, "zh") != code and translate(code, "en") != code
    assert _count(session, "test.bad") == 0


def test_payload_must_be_json(session: Session, clock: FrozenClock) -> None:
    with pytest.raises(Invalid) as err:
        service.enqueue(session, channel="console", recipient="user:1", subject="s", body="b", topic="t",
                        now=clock.now(), payload={"obj": object()})
    assert err.value.code == "notify_payload_not_json"


def test_long_generated_subject_is_shortened_not_refused(session: Session, clock: FrozenClock) -> None:
    msg = service.enqueue(session, channel="console", recipient="user:1", subject="超" * 300, body="b",
                          topic="t", now=clock.now())
    assert len(msg.subject) == 200 and msg.subject.endswith("…")


def test_subscriptions_are_idempotent(session: Session, clock: FrozenClock) -> None:
    a = service.subscribe(session, user_id=5, subject_type="case", subject_id=10, now=clock.now())
    b = service.subscribe(session, user_id=5, subject_type="case", subject_id="10",
                          now=clock.now() + timedelta(hours=1))
    assert a.id == b.id and b.created_at == clock.now()
    service.subscribe(session, user_id=3, subject_type="case", subject_id=10, now=clock.now())
    service.subscribe(session, user_id=4, subject_type="case", subject_id=11, now=clock.now())
    assert service.subscribers(session, "case", 10) == [3, 5]
    mine = select(func.count()).select_from(Subscription).where(Subscription.user_id == 5)
    assert session.scalar(mine) == 1

    assert service.unsubscribe(session, user_id=5, subject_type="case", subject_id=10) is True
    assert service.unsubscribe(session, user_id=5, subject_type="case", subject_id=10) is False
    assert service.subscribers(session, "case", "10") == [3]
    assert service.subscribers(session, "case", 99) == []


def test_requeue_only_dead_messages(session: Session, clock: FrozenClock) -> None:
    msg = service.enqueue(session, channel="console", recipient="user:1", subject="s", body="b", topic="t",
                          now=clock.now())
    session.flush()
    with pytest.raises(Conflict) as err:
        service.requeue(session, msg.id, clock.now())
    assert err.value.code == "notify_message_not_dead"
    with pytest.raises(NotFound):
        service.requeue(session, 10**9, clock.now())

    msg.status, msg.attempts, msg.last_error = "dead", 12, "HTTP 500"
    session.flush()
    later = clock.advance(timedelta(days=1))
    again = service.requeue(session, msg.id, later)
    assert (again.status, again.attempts, again.next_attempt_at, again.lease_until, again.last_error) == (
        "pending", 0, later, None, "HTTP 500")
