"""Delivery: claim with a lease, send outside the transaction, record with backoff; real local endpoints."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.notify import sender, service
from gongzhi.notify.channels import (
    ConsoleChannel,
    DeliveryError,
    EmailChannel,
    OutgoingMessage,
    WebhookChannel,
    default_channels,
)
from gongzhi.notify.models import OutboxMessage

if TYPE_CHECKING:  # fixture types only; conftest is not importable as a module
    from tests.conftest import SavepointSessions
    from tests.notify.conftest import Mailbox, Robot


def _row(session: Session, message_id: int) -> OutboxMessage:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id).execution_options(populate_existing=True)
    ).one()


def _enqueue(session: Session, clock: FrozenClock, channel: str = "console", recipient: str = "user:1",
             **kw: object) -> int:
    subject = str(kw.pop("subject", "工单超时"))
    body = str(kw.pop("body", "**A-1** 已超时，请尽快处置"))
    msg = service.enqueue(session, channel=channel, recipient=recipient, subject=subject, body=body,
                          topic="case.escalated", ref="case:1", now=clock.now(), **kw)  # type: ignore[arg-type]
    session.commit()
    return msg.id


class Failing:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, msg: OutgoingMessage) -> None:
        self.calls += 1
        raise DeliveryError("connection reset")


class Recording:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, msg: OutgoingMessage) -> None:
        self.sent.append(msg)


def test_webhook_retried_after_500_then_sent_exactly_once(
    session: Session, sessions: SavepointSessions, clock: FrozenClock, robot: Robot
) -> None:
    mid = _enqueue(session, clock, "webhook", robot.url)
    channels = {"webhook": WebhookChannel(timeout=5)}
    robot.replies.append((500, {"errcode": -1, "errmsg": "system busy"}))

    first = sender.deliver_due(sessions, clock.now(), channels)
    assert first == sender.DeliveryReport(sent=0, retried=1, dead=0)
    row = _row(session, mid)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 1, None)
    assert "500" in row.last_error
    retry_at = row.next_attempt_at
    assert retry_at == clock.now() + sender.backoff(1, mid)
    assert timedelta(seconds=30) <= retry_at - clock.now() <= timedelta(seconds=33)

    clock.set(retry_at - timedelta(microseconds=1))  # not yet due: nothing goes out
    assert sender.deliver_due(sessions, clock.now(), channels) == sender.DeliveryReport(0, 0, 0)
    assert len(robot.requests) == 1

    clock.set(retry_at)
    assert sender.deliver_due(sessions, clock.now(), channels) == sender.DeliveryReport(1, 0, 0)
    row = _row(session, mid)
    assert (row.status, row.sent_at, row.attempts, row.lease_until) == ("sent", retry_at, 1, None)

    clock.advance(timedelta(days=2))
    assert sender.deliver_due(sessions, clock.now(), channels) == sender.DeliveryReport(0, 0, 0)
    assert len(robot.requests) == 2  # the failed try and the one success, never again
    for req in robot.requests:
        assert req["path"] == "/cgi-bin/webhook/send?key=test-key"
        assert req["content_type"] == "application/json"
        assert req["json"] == {"msgtype": "markdown",
                               "markdown": {"content": "### 工单超时\n\n**A-1** 已超时，请尽快处置"}}


def test_webhook_errcode_is_a_failure(
    session: Session, sessions: SavepointSessions, clock: FrozenClock, robot: Robot
) -> None:
    mid = _enqueue(session, clock, "webhook", robot.url)
    robot.replies.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    report = sender.deliver_due(sessions, clock.now(), {"webhook": WebhookChannel(timeout=5)})
    assert report.retried == 1
    row = _row(session, mid)
    assert row.status == "pending" and "93000" in row.last_error and "invalid webhook url" in row.last_error


def test_webhook_plain_2xx_is_success_and_unreachable_is_failure(robot: Robot) -> None:
    channel = WebhookChannel(timeout=5)
    robot.replies.append((204, ""))
    channel.send(OutgoingMessage(id=1, channel="webhook", recipient=robot.url, subject="s", body="b",
                                 topic="t"))

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeliveryError):
        channel.send(OutgoingMessage(id=2, channel="webhook", recipient=f"http://127.0.0.1:{port}/x",
                                     subject="s", body="b", topic="t"))


def test_webhook_bodies_for_text_dingtalk_and_long_messages() -> None:
    channel = WebhookChannel()
    base = dict(id=1, channel="webhook", subject="告警", body="内容", topic="t")
    text = OutgoingMessage(recipient="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                           payload={"msgtype": "text"}, **base)  # type: ignore[arg-type]
    assert channel.body_for(text) == {"msgtype": "text", "text": {"content": "告警\n内容"}}
    ding = OutgoingMessage(recipient="https://oapi.dingtalk.com/robot/send?access_token=t",
                           **base)  # type: ignore[arg-type]
    assert channel.body_for(ding) == {"msgtype": "markdown",
                                      "markdown": {"title": "告警", "text": "### 告警\n\n内容"}}
    long = OutgoingMessage(recipient="https://qyapi.weixin.qq.com/x",
                           **{**base, "body": "长" * 5000})  # type: ignore[arg-type]
    content = channel.body_for(long)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and content.endswith("…")


def test_email_delivered_with_a_chinese_subject(
    session: Session, sessions: SavepointSessions, clock: FrozenClock, mailbox: Mailbox
) -> None:
    mid = _enqueue(session, clock, "email", "zhang.san@example.cn", subject="工单 A-1 已超时（请督办）",
                   body="网格：G1\n单位：城管")
    channels = {"email": EmailChannel(mailbox.host, mailbox.port, "gongzhi@jiedao.example", timeout=5)}
    assert sender.deliver_due(sessions, clock.now(), channels).sent == 1
    assert _row(session, mid).status == "sent"

    [(mail_from, rcpts, raw)] = mailbox.messages
    assert (mail_from, rcpts) == ("gongzhi@jiedao.example", ["zhang.san@example.cn"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "工单 A-1 已超时（请督办）"
    assert parsed["To"] == "zhang.san@example.cn"
    # On the wire lines end in CRLF.
    assert parsed.get_content().replace("\r\n", "\n").strip() == "网格：G1\n单位：城管"  # type: ignore[attr-defined]


def test_email_refused_by_the_server_is_a_failure(
    session: Session, sessions: SavepointSessions, clock: FrozenClock, mailbox: Mailbox
) -> None:
    mid = _enqueue(session, clock, "email", "nobody@example.cn")
    mailbox.reject_rcpt = True
    channels = {"email": EmailChannel(mailbox.host, mailbox.port, "gongzhi@localhost", timeout=5)}
    assert sender.deliver_due(sessions, clock.now(), channels).retried == 1
    assert "550" in _row(session, mid).last_error and mailbox.messages == []


def test_dead_after_max_attempts_then_requeued(
    session: Session, sessions: SavepointSessions, clock: FrozenClock
) -> None:
    mid = _enqueue(session, clock)
    failing = Failing()
    reports = []
    for _ in range(3):
        reports.append(sender.deliver_due(sessions, clock.now(), {"console": failing}, max_attempts=3))
        clock.set(_row(session, mid).next_attempt_at)
    assert reports == [sender.DeliveryReport(0, 1, 0), sender.DeliveryReport(0, 1, 0),
                       sender.DeliveryReport(0, 0, 1)]
    row = _row(session, mid)
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "connection reset")

    clock.advance(timedelta(days=30))  # dead is kept, never retried on its own
    assert sender.deliver_due(sessions, clock.now(), {"console": failing}) == sender.DeliveryReport(0, 0, 0)
    assert failing.calls == 3 and session.get(OutboxMessage, mid) is not None

    service.requeue(session, mid, clock.now())
    session.commit()
    ok = Recording()
    assert sender.deliver_due(sessions, clock.now(), {"console": ok}).sent == 1
    assert [m.id for m in ok.sent] == [mid]


def test_no_transaction_is_open_while_sending(
    session: Session, sessions: SavepointSessions, clock: FrozenClock
) -> None:
    for _ in range(3):
        _enqueue(session, clock)
    seen: list[int] = []

    class Probe:
        def send(self, msg: OutgoingMessage) -> None:
            seen.append(sessions.active)

    assert sender.deliver_due(sessions, clock.now(), {"console": Probe()}).sent == 3
    assert seen == [0, 0, 0]
    assert sessions.opened == 2  # one claim and one record transaction for the whole batch


def test_backoff_doubles_from_30s_and_is_capped_at_an_hour() -> None:
    for attempts in range(1, 16):
        base = min(30 * 2 ** (attempts - 1), 3600)
        for message_id in (1, 2, 77, 10**6):
            delay = sender.backoff(attempts, message_id).total_seconds()
            assert base <= delay <= min(base * 1.1, 3600)
    assert sender.backoff(8, 5) == timedelta(hours=1)


def test_missing_or_crashing_channel_is_a_failure_not_a_crash(
    session: Session, sessions: SavepointSessions, clock: FrozenClock
) -> None:
    to_email = _enqueue(session, clock, "email", "a@example.cn")

    class Broken:
        def send(self, msg: OutgoingMessage) -> None:
            raise RuntimeError("bug in channel")

    to_console = _enqueue(session, clock)
    report = sender.deliver_due(sessions, clock.now(), {"console": Broken()})
    assert report == sender.DeliveryReport(sent=0, retried=2, dead=0)
    assert "email" in _row(session, to_email).last_error
    assert _row(session, to_console).last_error == "RuntimeError: bug in channel"


def test_a_leased_message_is_not_claimed_twice(session: Session, clock: FrozenClock) -> None:
    mid = _enqueue(session, clock)
    [claimed] = sender.claim_due(session, clock.now(), lease_seconds=300)
    assert claimed.id == mid and claimed.subject == "工单超时"
    assert _row(session, mid).lease_until == clock.now() + timedelta(seconds=300)
    assert sender.claim_due(session, clock.now()) == []
    assert sender.claim_due(session, clock.now() + timedelta(seconds=299)) == []
    # The claimer died without recording: the expired lease frees the message (at least once).
    assert [m.id for m in sender.claim_due(session, clock.now() + timedelta(seconds=301))] == [mid]


def test_claim_takes_due_messages_oldest_first_in_batches(session: Session, clock: FrozenClock) -> None:
    ids = []
    for _ in range(3):
        ids.append(_enqueue(session, clock))
        clock.advance(timedelta(seconds=1))
    future = service.enqueue(session, channel="console", recipient="user:1", subject="s", body="b", topic="t",
                             now=clock.now() + timedelta(minutes=2))
    assert [m.id for m in sender.claim_due(session, clock.now(), batch=2)] == ids[:2]
    assert [m.id for m in sender.claim_due(session, clock.now(), batch=2)] == ids[2:]
    assert sender.claim_due(session, clock.now()) == []
    assert [m.id for m in sender.claim_due(session, clock.now() + timedelta(minutes=2))] == [future.id]


def test_record_result_leaves_finished_messages_alone(session: Session, clock: FrozenClock) -> None:
    mid = _enqueue(session, clock)
    assert sender.record_result(session, mid, None, clock.now()) == "sent"
    # A slower worker whose lease had expired reports late: the sent message stays sent.
    assert sender.record_result(session, mid, "timeout", clock.now()) == "skipped"
    assert _row(session, mid).status == "sent" and _row(session, mid).attempts == 0


@pytest.fixture
def jumping_monotonic(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    readings = [0.0, 0.0, 1000.0, 1000.0]  # the deadline, message 1 in time, message 2 too late
    monkeypatch.setattr(sender.time, "monotonic",
                        lambda: readings.pop(0) if len(readings) > 1 else readings[0])
    yield readings


def test_messages_not_sent_before_the_lease_runs_out_are_released(
    session: Session, sessions: SavepointSessions, clock: FrozenClock, jumping_monotonic: list[float]
) -> None:
    first, second = _enqueue(session, clock), _enqueue(session, clock)
    ok = Recording()
    assert sender.deliver_due(sessions, clock.now(), {"console": ok}) == sender.DeliveryReport(1, 0, 0)
    assert [m.id for m in ok.sent] == [first]
    row = _row(session, second)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 0, None)  # free for the next pass


def test_console_channel_logs_one_structured_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gongzhi.notify"):
        ConsoleChannel().send(OutgoingMessage(id=9, channel="console", recipient="user:42", subject="主题",
                                              body="正文", topic="case.dispatched", ref="case:3"))
    [record] = caplog.records
    assert record.name == "gongzhi.notify"
    assert {k: getattr(record, k) for k in ("outbox_id", "recipient", "subject", "body", "topic", "ref")} == {
        "outbox_id": 9, "recipient": "user:42", "subject": "主题", "body": "正文", "topic": "case.dispatched",
        "ref": "case:3"}


def test_default_channels_from_settings() -> None:
    settings = Settings(smtp_host="mail.local", smtp_port=2525, smtp_sender="x@y.cn", smtp_timeout_seconds=3,
                        webhook_timeout_seconds=4)
    channels = default_channels(settings)
    assert set(channels) == {"console", "email", "webhook"}
    mail = channels["email"]
    assert isinstance(mail, EmailChannel)
    assert (mail.host, mail.port, mail.sender, mail.timeout) == ("mail.local", 2525, "x@y.cn", 3)
    hook = channels["webhook"]
    assert isinstance(hook, WebhookChannel) and hook.timeout == 4
