"""Events → alarms → the escalation chain, driven by the FrozenClock; acknowledgement stops it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.eldercare.conftest import ElderWorld

from gongzhi.cases.models import Case
from gongzhi.eldercare import service, tasks
from gongzhi.eldercare.events import handle_silence
from gongzhi.errors import Conflict, Forbidden, NotFound


def test_sos_calls_doctor_and_120_at_once(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    assert (alarm.status, alarm.severity, alarm.step) == ("active", "emergency", 0)
    calls = world.calls(alarm)
    assert [(c.role, c.recipient) for c in calls] == [
        ("doctor", f"user:{world.doctor.id}"), ("emergency", "120:dispatch")]
    assert alarm.next_escalation_at == world.now + timedelta(seconds=120)
    msgs = world.outbox(alarm)
    assert [m.topic for m in msgs] == ["eldercare.alarm", "eldercare.emergency"]
    assert "/eldercare/ack/" in msgs[0].body and msgs[0].payload["role"] == "doctor"
    assert calls[0].outbox_id == msgs[0].id


def test_each_escalation_step_then_chain_exhausted(world: ElderWorld) -> None:
    world.send(("fall", 1))
    [alarm] = world.alarms("fall")
    expected = [("family", f"user:{world.son.id}", 120), ("family", "sms:13900002222", 180),
                ("buddy", f"user:{world.buddy.id}", 180), ("grid_worker", f"user:{world.worker.id}", 180)]
    # Nothing happens before the doctor's 2 minutes are up.
    world.advance(119)
    assert tasks.sweep(world.session, world.now) == 0
    waited = 119
    for role, recipient, wait in expected:
        world.advance(wait - waited if waited else wait)
        waited = 0
        assert tasks.sweep(world.session, world.now) == 1
        world.session.flush()
        last = world.calls(alarm)[-1]
        assert (last.role, last.recipient) == (role, recipient)
        assert last.deadline is not None and last.deadline > world.now
        assert tasks.sweep(world.session, world.now) == 0  # not due again yet
    # The grid worker's 5 minutes pass: nobody is left, the board says so.
    world.advance(300)
    assert tasks.sweep(world.session, world.now) == 1
    [alarm] = world.alarms("fall")
    assert alarm.next_escalation_at is None and "exhausted_at" in alarm.detail
    assert alarm.status == "active"
    roles = [c.role for c in world.calls(alarm)]
    assert roles == ["doctor", "emergency", "family", "family", "buddy", "grid_worker"]


def test_acknowledgement_stops_the_chain(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    world.advance(130)
    assert tasks.sweep(world.session, world.now) == 1  # the son is called
    service.acknowledge(world.session, actor=world.son, alarm_id=alarm.id, now=world.now)
    world.advance(3600)
    assert tasks.sweep(world.session, world.now) == 0
    [alarm] = world.alarms("sos")
    assert (alarm.status, alarm.acknowledged_by, alarm.ack_via) == ("acknowledged", "张小明", "app")
    assert alarm.next_escalation_at is None
    son_call = next(c for c in world.calls(alarm) if c.user_id == world.son.id)
    assert son_call.answered_at == alarm.acknowledged_at
    # A resident relative does not file the visit case; the doctor's acknowledgement would.
    assert alarm.case_id is None


def test_ack_link_is_one_time_and_needs_no_login(world: ElderWorld) -> None:
    world.send(("fall", 1))
    [alarm] = world.alarms("fall")
    msg = world.outbox(alarm)[0]
    token = msg.payload["ack_url"].rsplit("/", 1)[1]
    assert service.peek_token(world.session, token) is not None
    done = service.acknowledge_by_token(world.session, token=token, now=world.now)
    assert (done.status, done.ack_via, done.acknowledged_by) == ("acknowledged", "link", "李医生")
    # The doctor acknowledged a fall: the visit case is filed with source eldercare.
    case = world.session.get(Case, done.case_id)
    assert case is not None and case.source == "eldercare" and case.external_ref == f"elder_alarm:{alarm.id}"
    with pytest.raises(NotFound):
        service.acknowledge_by_token(world.session, token=token, now=world.now)
    with pytest.raises(NotFound):
        service.acknowledge_by_token(world.session, token="not-a-real-token", now=world.now)


def test_states_are_timed_and_closing_frees_the_slot(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    world.advance(60)
    service.acknowledge(world.session, actor=world.doctor, alarm_id=alarm.id, now=world.now)
    world.advance(420)
    service.on_scene(world.session, actor=world.doctor, alarm_id=alarm.id, now=world.now)
    with pytest.raises(Conflict):
        service.acknowledge(world.session, actor=world.doctor, alarm_id=alarm.id, now=world.now)
    world.advance(600)
    service.close(world.session, actor=world.doctor, alarm_id=alarm.id, outcome="resolved", note="血压正常", now=world.now)
    [alarm] = world.alarms("sos")
    assert alarm.acknowledged_at is not None and alarm.on_scene_at is not None and alarm.closed_at is not None
    assert alarm.on_scene_at - alarm.raised_at == timedelta(seconds=480)
    assert (alarm.status, alarm.open_key) == ("resolved", None)
    world.send(("sos", 1))
    assert [a.status for a in world.alarms("sos")] == ["resolved", "active"]


def test_false_alarm(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    service.close(world.session, actor=world.worker, alarm_id=alarm.id, outcome="false_alarm", note="误按",
                  now=world.now)
    assert world.alarms("sos")[0].status == "false_alarm"


def test_repeats_update_the_open_alarm(world: ElderWorld) -> None:
    for _ in range(3):
        world.send(("sos", 1))
        world.advance(5)
    [alarm] = world.alarms("sos")
    assert alarm.repeat_count == 3
    assert alarm.last_event_at == world.now - timedelta(seconds=5)
    # Only one chain and one 120 call, not three.
    assert [c.role for c in world.calls(alarm)] == ["doctor", "emergency"]


def test_outsiders_cannot_respond(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    with pytest.raises((Forbidden, NotFound)):
        service.acknowledge(world.session, actor=world.stranger_worker, alarm_id=alarm.id, now=world.now)
    with pytest.raises(Forbidden):
        service.acknowledge(world.session, actor=world.resident, alarm_id=alarm.id, now=world.now)


def test_no_alarm_lost_when_a_channel_fails(world: ElderWorld) -> None:
    """The alarm and its first message commit together; a failing channel leaves the message
    pending for retry (notify.sender), the alarm and its chain carry on."""
    from gongzhi.notify.channels import DeliveryError, OutgoingMessage
    from gongzhi.notify.models import OutboxMessage
    from gongzhi.notify.sender import claim_due, record_result, send_one

    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    world.session.flush()
    claimed = [m for m in claim_due(world.session, world.now) if m.ref == f"elder_alarm:{alarm.id}"]
    assert len(claimed) == 2

    class Broken:
        def send(self, msg: OutgoingMessage) -> None:
            raise DeliveryError("SMS gateway down")

    for m in claimed:
        error = send_one(m, {"console": Broken()})
        assert error == "SMS gateway down"
        assert record_result(world.session, m.id, error, world.now) == "retried"
    for row in world.outbox(alarm):
        world.session.refresh(row)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at > world.now
    # The chain does not wait on delivery: the next person is still called on time.
    world.advance(121)
    assert tasks.sweep(world.session, world.now) == 1
    assert world.session.scalar(select(OutboxMessage.id).where(OutboxMessage.ref == f"elder_alarm:{alarm.id}",
                                                               OutboxMessage.status == "pending").limit(1))


def test_silence_handler_raises_silence(world: ElderWorld) -> None:
    handle_silence(world.session, world.band, world.now - timedelta(hours=2), world.now)
    [alarm] = world.alarms("silence")
    assert alarm.status == "active" and alarm.detail["device"] == "BAND-001"


def test_response_stats(world: ElderWorld) -> None:
    world.send(("sos", 1))
    [sos] = world.alarms("sos")
    world.send(("fall", 1))
    [fall] = world.alarms("fall")
    world.send(("battery", 5))  # not a medical alarm: left out of the response figures
    world.advance(90)
    service.acknowledge(world.session, actor=world.doctor, alarm_id=sos.id, now=world.now)
    world.advance(150)
    service.acknowledge(world.session, actor=world.doctor, alarm_id=fall.id, now=world.now)
    world.advance(300)  # 9 min after the SOS
    service.on_scene(world.session, actor=world.doctor, alarm_id=sos.id, now=world.now)
    world.advance(300)  # 14 min after the fall
    service.on_scene(world.session, actor=world.doctor, alarm_id=fall.id, now=world.now)
    stats = service.response_stats(world.session, world.official, world.now)
    assert (stats.alarms, stats.acknowledged, stats.on_scene) == (2, 2, 2)
    assert stats.ack_median_s == 240 and stats.scene_within_10min == 0.5
