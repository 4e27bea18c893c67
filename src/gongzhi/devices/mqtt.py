"""MQTT ingestion worker: shared subscription, QoS 1, acknowledged only after commit.

Devices publish to `gongzhi/devices/{device_code}/telemetry` (the ThingsBoard payload forms).
Workers subscribe to `$share/gongzhi/gongzhi/devices/+/telemetry`, so the broker spreads messages
over however many run. Each worker keeps a persistent session (MQTT 5, clean_start=False, a session
expiry) and acknowledges manually: messages are buffered, a batch (up to `batch_size` messages or
`batch_ms` old) is stored in ONE transaction, and only after the commit are its PUBACKs sent. A crash
anywhere before that leaves the messages unacknowledged in the broker's session, which resends them
on reconnect; (device, key, ts) deduplication makes the resend harmless.

A bad message (unknown or disabled device, bad topic, bad payload) can never succeed: it is logged,
counted and acknowledged, so it cannot block the queue. A batch whose transaction fails (a handler
bug, the database away) is retried one message per transaction; messages that still fail stay
unacknowledged and the worker reconnects to have them resent, until `max_attempts`, after which they
are logged as dead, counted and acknowledged. Database connection errors never count as attempts:
the worker backs off and waits for the resend instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from gongzhi.clock import Clock
from gongzhi.devices import metrics, service
from gongzhi.devices.config import DeviceSettings, get_device_settings
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device
from gongzhi.errors import AppError

log = logging.getLogger("gongzhi.devices.mqtt")
# How long close() waits for queued acknowledgements and the DISCONNECT to go out.
CLOSE_TIMEOUT_S = 2.0

TOPIC_PREFIX = "gongzhi/devices"
SHARE_GROUP = "gongzhi"
SESSION_EXPIRY_S = 24 * 3600

SessionFactory = Callable[[], AbstractContextManager[Session]]


def device_topic(code: str, prefix: str = TOPIC_PREFIX) -> str:
    return f"{prefix}/{code}/telemetry"


def code_from_topic(topic: str, prefix: str = TOPIC_PREFIX) -> str | None:
    head = prefix + "/"
    if not topic.startswith(head) or not topic.endswith("/telemetry"):
        return None
    code = topic[len(head):-len("/telemetry")]
    return code if service.CODE_RE.match(code) else None


@dataclass
class Message:
    mid: int
    qos: int
    topic: str
    payload: bytes
    received: float = field(default_factory=time.monotonic)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.topic.encode() + b"\0" + self.payload).hexdigest()


# on_commit(committed readings per device code, commit time): the bench measures latency with it.
CommitHook = Callable[[Sequence[tuple[str, Sequence[Reading]]], datetime], None]


class Consumer:
    """One ingestion worker. Drive it from one thread: `run(stop)`, or `poll(seconds)` in tests."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        *,
        settings: DeviceSettings | None = None,
        client_id: str | None = None,
        group: str = SHARE_GROUP,
        prefix: str = TOPIC_PREFIX,
        on_commit: CommitHook | None = None,
        session_expiry_s: int = SESSION_EXPIRY_S,
    ) -> None:
        self.settings = s = settings or get_device_settings()
        self.sessions = sessions
        self.clock = clock
        self.prefix = prefix
        self.topic = f"$share/{group}/{prefix}/+/telemetry"
        self.on_commit = on_commit
        self.batch_size = s.mqtt_batch_size
        self.batch_s = s.mqtt_batch_ms / 1000
        self.max_attempts = s.mqtt_max_attempts
        self.session_expiry_s = session_expiry_s
        self.buffer: list[Message] = []
        self.attempts: dict[str, int] = {}
        self.committed = 0  # messages committed and acknowledged (good ones)
        self.rejected = 0  # bad messages acknowledged
        self._connected = threading.Event()
        self._reconnect = False
        self._backoff = False
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or s.mqtt_client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if s.mqtt_username:
            self.client.username_pw_set(s.mqtt_username, s.mqtt_password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe

    # ------------------------------------------------------------------ connection

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        # Persist the session (and its unacknowledged messages) across a crash or restart.
        props.SessionExpiryInterval = self.session_expiry_s
        # Let the broker send a whole batch (and the next one) before we acknowledge anything.
        props.ReceiveMaximum = min(65535, 2 * self.batch_size + 100)
        return props

    def connect(self, timeout: float = 10.0) -> None:
        self._connected.clear()
        self.client.connect(
            self.settings.mqtt_host, self.settings.mqtt_port, keepalive=30,
            clean_start=False, properties=self._connect_properties(),
        )
        deadline = time.monotonic() + timeout
        while not self._connected.is_set():
            if time.monotonic() > deadline:
                raise ConnectionError("MQTT broker did not accept the connection")
            self.client.loop(timeout=0.1)

    def _on_connect(self, client: mqtt.Client, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.error("mqtt connect refused", extra={"reason": str(reason)})
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: Any, _props: Any) -> None:
        # Connected counts from the SUBACK: a message published before it would miss us.
        if all(not r.is_failure for r in reasons):
            self._connected.set()
        else:
            log.error("mqtt subscription refused", extra={"topic": self.topic, "reasons": [str(r) for r in reasons]})

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._connected.clear()
        # Unacknowledged messages will be resent on reconnect; drop our copies.
        self.buffer.clear()
        if reason.is_failure:
            log.warning("mqtt disconnected", extra={"reason": str(reason)})

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.buffer.append(Message(mid=msg.mid, qos=msg.qos, topic=msg.topic, payload=bytes(msg.payload)))

    def close(self) -> None:
        """Flush what is buffered, send every queued acknowledgement, then disconnect cleanly."""
        if self.buffer:
            self.flush()
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        # PUBACKs are queued packets: a DISCONNECT that overtakes them leaves committed messages
        # unacknowledged, and the broker hands them out again to the next session.
        while self.client.want_write() and time.monotonic() < deadline:
            self.client.loop_write()
        self.client.disconnect()
        while self.client.is_connected() and time.monotonic() < deadline:
            self.client.loop(timeout=0.05)

    def abort(self) -> None:
        """Drop the connection as a crash would: no flush, no acknowledgement, no DISCONNECT."""
        sock = self.client.socket()
        if sock is not None:
            sock.close()
        self.buffer.clear()

    # ------------------------------------------------------------------ loop

    def poll(self, seconds: float) -> None:
        """Receive and process for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.step(min(left, self.batch_s))

    def step(self, wait: float) -> None:
        if self._reconnect or not self.client.is_connected():
            self._reconnect = False
            self._resume()
        before = len(self.buffer)
        self.client.loop(timeout=wait)
        # Drain what has already arrived without another select() per packet.
        while len(self.buffer) > before and len(self.buffer) < self.batch_size:
            before = len(self.buffer)
            self.client.loop_read()
        if self.buffer and (
            len(self.buffer) >= self.batch_size or time.monotonic() - self.buffer[0].received >= self.batch_s
        ):
            self.flush()

    def _resume(self) -> None:
        if self._backoff:
            self._backoff = False
            time.sleep(1.0)  # the database was away: do not spin on it
        with contextlib.suppress(Exception):  # already gone
            self.client.disconnect()
        try:
            self.connect()
        except (OSError, ConnectionError):
            log.warning("mqtt reconnect failed; retrying")
            time.sleep(1.0)  # back off before the next attempt (not test timing: a broker outage)

    def run(self, stop: threading.Event) -> None:
        self.connect()
        log.info("mqtt ingestion started", extra={"topic": self.topic})
        while not stop.is_set():
            try:
                self.step(self.batch_s)
            except Exception:  # keep the worker alive; unacknowledged messages come back
                log.exception("mqtt step failed")
                self._reconnect = True
        self.close()

    # ------------------------------------------------------------------ processing

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        try:
            self._process(batch)
        except Exception:
            log.exception("mqtt batch failed; retrying its messages one by one", extra={"size": len(batch)})
            for msg in batch:
                try:
                    self._process([msg])
                except (OperationalError, InterfaceError):
                    # The database is away, not the message's fault: never count it towards
                    # max_attempts (that would acknowledge good data unstored). Wait and resend.
                    log.exception("database unavailable; messages left unacknowledged")
                    metrics.MQTT_FAILED.inc()
                    self._reconnect = True
                    self._backoff = True
                    break
                except Exception:
                    self._failed(msg)
        self.client.loop_write()

    def _failed(self, msg: Message) -> None:
        key = msg.fingerprint
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if self.attempts[key] >= self.max_attempts:
            log.error("mqtt message dead after repeated failures; acknowledged",
                      extra={"topic": msg.topic, "attempts": self.attempts.pop(key)})
            metrics.MQTT_DEAD.inc()
            self.client.ack(msg.mid, msg.qos)
            return
        log.exception("mqtt message failed; left unacknowledged for redelivery", extra={"topic": msg.topic})
        metrics.MQTT_FAILED.inc()
        self._reconnect = True  # the broker resends unacknowledged messages when we reconnect

    def _reject(self, msg: Message, code: str, params: dict[str, Any] | None = None) -> None:
        log.warning("mqtt message rejected", extra={"topic": msg.topic[:200], "code": code,
                                                    "params": {k: str(v)[:80] for k, v in (params or {}).items()}})
        metrics.REJECTED.labels("mqtt").inc()

    def _process(self, batch: list[Message]) -> None:
        now = self.clock.now()
        bad: list[Message] = []
        good: list[tuple[Message, Device, list[Reading]]] = []
        with self.sessions() as session:
            codes = {id(m): code_from_topic(m.topic, self.prefix) for m in batch}
            devices = service.devices_by_codes(session, (c for c in codes.values() if c))
            for msg in batch:
                code = codes[id(msg)]
                device = devices.get(code) if code else None
                try:
                    if device is None:
                        raise AppError("device_not_found", code=code or msg.topic[:100])
                    if not device.enabled:
                        raise AppError("device_disabled")
                    readings = service.parse_payload(service.parse_json(msg.payload, settings=self.settings),
                                                     now, settings=self.settings)
                except AppError as exc:
                    self._reject(msg, exc.code, exc.params)
                    bad.append(msg)
                    continue
                good.append((msg, device, readings))
            results = service.store(session, [(d, r) for _, d, r in good], now, settings=self.settings)
            committed = [(d.code, r) for _, d, r in good]
        # Committed: now, and only now, acknowledge.
        done = self.clock.now()
        stored = sum(r.stored for r in results)
        metrics.READINGS.labels("mqtt").inc(stored)
        metrics.DUPLICATES.labels("mqtt").inc(sum(r.duplicates for r in results))
        metrics.MQTT_BATCHES.inc()
        for msg in batch:
            self.client.ack(msg.mid, msg.qos)
        if self.attempts:
            for msg in batch:
                self.attempts.pop(msg.fingerprint, None)
        self.committed += len(good)
        self.rejected += len(bad)
        for _, readings in committed:
            for r in readings:
                metrics.COMMIT_LAG.observe(max(0.0, (done - r.ts).total_seconds()))
        if self.on_commit is not None:
            self.on_commit(committed, done)
