"""End to end against the local Mosquitto (127.0.0.1:1883): must run under CI=true, skipped otherwise when down."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import REGISTRY
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from tests.conftest import IN_CI, SavepointSessions
from tests.devices.helpers import Recorder, ms
from tests.factories import T0

from gongzhi.clock import FrozenClock
from gongzhi.devices import handlers, service
from gongzhi.devices.config import DeviceSettings
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.devices.models import Device, DeviceReading
from gongzhi.devices.mqtt import Consumer, code_from_topic, device_topic

HOST, PORT = "127.0.0.1", 1883


def _broker_problem() -> str | None:
    try:
        with socket.create_connection((HOST, PORT), timeout=3):
            return None
    except OSError as exc:
        return str(exc)


@pytest.fixture(scope="module")
def broker() -> None:
    problem = _broker_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"Mosquitto must be reachable under CI=true: {problem}")
        pytest.skip(f"Mosquitto not reachable: {problem}")


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def publisher(broker: None) -> Iterator[Callable[[str, object], None]]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    client.connect(HOST, PORT)
    client.loop_start()

    def publish(topic: str, payload: object) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = client.publish(topic, data, qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    yield publish
    client.loop_stop()
    client.disconnect()


def _consumer(connection: Connection, clock: FrozenClock, client_id: str, group: str, prefix: str,
              **overrides: int) -> Consumer:
    settings = DeviceSettings(mqtt_host=HOST, mqtt_port=PORT, **{"mqtt_batch_ms": 20, **overrides})
    consumer = Consumer(SavepointSessions(connection).session, clock, settings=settings, client_id=client_id,
                        group=group, prefix=prefix, session_expiry_s=120)
    consumer.connect()
    return consumer


def _until(consumer: Consumer, done: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the consumer"
        consumer.poll(0.05)


def _metric(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _values(session: Session, device: Device) -> list[float]:
    return list(session.scalars(select(DeviceReading.value).where(DeviceReading.device_id == device.id)
                                .order_by(DeviceReading.ts, DeviceReading.key)))


def test_topic_parsing() -> None:
    assert code_from_topic("gongzhi/devices/W-1/telemetry") == "W-1"
    assert code_from_topic("gongzhi/devices/a/b/telemetry") is None
    assert code_from_topic("other/W-1/telemetry") is None
    assert device_topic("W-1") == "gongzhi/devices/W-1/telemetry"


def test_end_to_end_all_forms_bad_messages_acked(
    session: Session, connection: Connection, clock: FrozenClock, publisher: Callable[[str, object], None],
    run_id: str,
) -> None:
    rec = Recorder()
    kind = f"mqtt_kind_{run_id}"
    handlers.register(kind, rec)
    prefix = f"test-{run_id}/devices"
    try:
        device, _ = service.register_device(session, code=f"M-{run_id}", kind=kind, now=T0)
        off, _ = service.register_device(session, code=f"OFF-{run_id}", kind=kind, now=T0)
        service.set_enabled(session, off, False, now=T0)
        session.flush()
        consumer = _consumer(connection, clock, f"test-sub-{run_id}", f"g{run_id}", prefix)
        rejected_before = _metric("gongzhi_device_rejected_total", {"transport": "mqtt"})
        topic = device_topic(device.code, prefix)
        publisher(topic, {"hr": 71})
        publisher(topic, {"ts": ms(T0 - timedelta(seconds=5)), "values": {"hr": 70, "fall": False}})
        publisher(topic, [{"ts": ms(T0 - timedelta(seconds=10)), "values": {"hr": 69}}])
        publisher(topic, {"ts": ms(T0 - timedelta(seconds=10)), "values": {"hr": 69}})  # duplicate
        publisher(topic, b"not json")
        publisher(topic, {"hr": "fast"})
        publisher(device_topic("nobody", prefix), {"hr": 1})
        publisher(device_topic(off.code, prefix), {"hr": 1})
        _until(consumer, lambda: consumer.committed + consumer.rejected >= 8)
        assert (consumer.committed, consumer.rejected) == (4, 4)
        assert _values(session, device) == [69.0, 0.0, 70.0, 71.0]
        assert len(rec.readings) == 4  # the duplicate was not handed on
        assert _metric("gongzhi_device_rejected_total", {"transport": "mqtt"}) == rejected_before + 4
        consumer.close()

        # The same persistent session resumes. QoS 1 lets the broker resend what it had not yet seen
        # acknowledged when the first session closed; whatever comes again is deduplicated, so only
        # the new sentinel is stored and handed on.
        again = _consumer(connection, clock, f"test-sub-{run_id}", f"g{run_id}", prefix)
        publisher(topic, {"ts": ms(T0), "values": {"sentinel": 1}})
        _until(again, lambda: len(rec.readings) >= 5)
        again.poll(0.1)
        assert [r.key for r in rec.readings[4:]] == ["sentinel"]
        assert sorted(_values(session, device)) == sorted([69.0, 0.0, 70.0, 71.0, 1.0])
        assert again.committed >= 1
        again.close()
    finally:
        handlers._handlers[kind].remove(rec)


def test_handler_crash_is_redelivered_not_lost(
    session: Session, connection: Connection, clock: FrozenClock, publisher: Callable[[str, object], None],
    run_id: str,
) -> None:
    kind = f"mqtt_crash_{run_id}"
    failures = {"left": 2}  # the batch attempt and the one-by-one retry both crash
    seen: list[float] = []

    def flaky(_s: Session, _d: DeviceInfo, readings: Sequence[Reading], _now: datetime) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("handler crashed")
        seen.extend(r.value for r in readings)

    handlers.register(kind, flaky)
    prefix = f"test-{run_id}/devices"
    try:
        device, _ = service.register_device(session, code=f"C-{run_id}", kind=kind, now=T0)
        session.flush()
        failed_before = _metric("gongzhi_mqtt_failed_total")
        consumer = _consumer(connection, clock, f"test-crash-{run_id}", f"g{run_id}", prefix)
        publisher(device_topic(device.code, prefix), {"ts": ms(T0), "values": {"sos": 1}})
        _until(consumer, lambda: consumer.committed >= 1)
        assert failures["left"] == 0
        assert seen == [1.0]
        assert _values(session, device) == [1.0]
        assert _metric("gongzhi_mqtt_failed_total") == failed_before + 1
        consumer.close()
    finally:
        handlers._handlers[kind].remove(flaky)


def test_poison_message_acked_after_max_attempts(
    session: Session, connection: Connection, clock: FrozenClock, publisher: Callable[[str, object], None],
    run_id: str,
) -> None:
    kind = f"mqtt_poison_{run_id}"

    def broken(_s: Session, _d: DeviceInfo, readings: Sequence[Reading], _now: datetime) -> None:
        if any(r.key == "poison" for r in readings):
            raise RuntimeError("always fails")

    handlers.register(kind, broken)
    prefix = f"test-{run_id}/devices"
    try:
        device, _ = service.register_device(session, code=f"P-{run_id}", kind=kind, now=T0)
        session.flush()
        dead_before = _metric("gongzhi_mqtt_dead_total")
        consumer = _consumer(connection, clock, f"test-poison-{run_id}", f"g{run_id}", prefix, mqtt_max_attempts=3)
        topic = device_topic(device.code, prefix)
        publisher(topic, {"ts": ms(T0), "values": {"poison": 1}})
        _until(consumer, lambda: _metric("gongzhi_mqtt_dead_total") >= dead_before + 1)
        # The queue is not blocked: the next message goes through.
        publisher(topic, {"ts": ms(T0), "values": {"fine": 2}})
        _until(consumer, lambda: consumer.committed >= 1)
        assert _values(session, device) == [2.0]
        consumer.close()
    finally:
        handlers._handlers[kind].remove(broken)


def test_killed_consumer_loses_nothing(
    session: Session, connection: Connection, clock: FrozenClock, publisher: Callable[[str, object], None],
    run_id: str,
) -> None:
    prefix = f"test-{run_id}/devices"
    kind = f"mqtt_kill_{run_id}"
    rec = Recorder()
    handlers.register(kind, rec)
    device, _ = service.register_device(session, code=f"K-{run_id}", kind=kind, now=T0)
    session.flush()
    client_id = f"test-kill-{run_id}"
    # A consumer that receives but never reaches its commit (the batch never fills, the timer never fires).
    doomed = _consumer(connection, clock, client_id, f"g{run_id}", prefix, mqtt_batch_size=1000, mqtt_batch_ms=600_000)
    for i in range(5):
        publisher(device_topic(device.code, prefix), {"ts": ms(T0) - i, "values": {"hr": 60 + i}})
    deadline = time.monotonic() + 30
    while len(doomed.buffer) < 5:
        assert time.monotonic() < deadline
        doomed.client.loop(timeout=0.05)
    doomed.abort()  # killed between receive and commit
    assert _values(session, device) == []

    survivor = _consumer(connection, clock, client_id, f"g{run_id}", prefix)
    _until(survivor, lambda: survivor.committed >= 5)
    assert sorted(_values(session, device)) == [60.0, 61.0, 62.0, 63.0, 64.0]
    assert sorted(r.value for r in rec.readings) == [60.0, 61.0, 62.0, 63.0, 64.0]
    survivor.close()
    handlers._handlers[kind].remove(rec)


def test_database_outage_never_acknowledges_as_dead(
    session: Session, connection: Connection, clock: FrozenClock, publisher: Callable[[str, object], None],
    run_id: str,
) -> None:
    from sqlalchemy.exc import OperationalError

    kind = f"mqtt_outage_{run_id}"
    outage = {"left": 4}  # two rounds (batch + one-by-one) of "server closed the connection"

    def db_down(_s: Session, _d: DeviceInfo, _r: Sequence[Reading], _now: datetime) -> None:
        if outage["left"] > 0:
            outage["left"] -= 1
            raise OperationalError("INSERT …", {}, Exception("server closed the connection unexpectedly"))

    handlers.register(kind, db_down)
    prefix = f"test-{run_id}/devices"
    try:
        device, _ = service.register_device(session, code=f"O-{run_id}", kind=kind, now=T0)
        session.flush()
        dead_before = _metric("gongzhi_mqtt_dead_total")
        # max_attempts=1: were outages counted, the first one would acknowledge the message unstored.
        consumer = _consumer(connection, clock, f"test-outage-{run_id}", f"g{run_id}", prefix, mqtt_max_attempts=1)
        publisher(device_topic(device.code, prefix), {"ts": ms(T0), "values": {"hr": 80}})
        _until(consumer, lambda: consumer.committed >= 1)
        assert outage["left"] == 0
        assert _values(session, device) == [80.0]
        assert _metric("gongzhi_mqtt_dead_total") == dead_before
        consumer.close()
    finally:
        handlers._handlers[kind].remove(db_down)
