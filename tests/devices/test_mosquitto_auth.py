"""The files `gongzhi devices mosquitto-auth` writes, loaded by a real (private) Mosquitto."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.orm import Session
from tests.conftest import IN_CI
from tests.factories import T0

from gongzhi.devices import mosquitto, service

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_password_hash_format() -> None:
    hashed = service.mqtt_password_hash("secret", salt=b"0123456789ab")
    assert hashed.startswith("$7$101$MDEyMzQ1Njc4OWFi$")
    assert len(hashed.rsplit("$", 1)[1]) == 88  # base64 of a 64-byte PBKDF2-SHA512 digest


@pytest.fixture
def broker_files(session: Session, tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    if not os.path.exists(MOSQUITTO):
        if IN_CI:
            pytest.fail("mosquitto must be installed under CI=true")
        pytest.skip("mosquitto not installed")
    tokens = {}
    for code in ("DEV-A", "DEV-B", "DEV-OFF"):
        device, tokens[code] = service.register_device(session, code=code, kind="smoke_detector", now=T0)
        if code == "DEV-OFF":
            service.set_enabled(session, device, False, now=T0)
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    assert mosquitto.write_files(session, passwd=passwd, acl=acl, ingest_user="ingest", ingest_password="pw") == 2
    assert oct(passwd.stat().st_mode & 0o777) == "0o600"
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\nacl_file {acl}\n"
        "persistence false\n" + ("user root\n" if os.geteuid() == 0 else "")
    )
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "private mosquitto did not start"
                time.sleep(0.05)  # waiting for a process to listen, not for timing
        yield port, tokens
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _client(port: int, user: str, password: str) -> tuple[mqtt.Client, bool]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)
    ok: list[bool] = []
    client.on_connect = lambda _c, _u, _f, reason, _p: ok.append(not reason.is_failure)
    client.connect("127.0.0.1", port)
    deadline = time.monotonic() + 20
    while not ok and time.monotonic() < deadline:
        client.loop(0.05)
    return client, bool(ok and ok[0])


def test_each_device_publishes_only_to_its_own_topic(broker_files: tuple[int, dict[str, str]]) -> None:
    port, tokens = broker_files
    received: list[tuple[str, bytes]] = []
    sub, ok = _client(port, "ingest", "pw")
    assert ok
    subscribed: list[bool] = []
    sub.on_subscribe = lambda *_a: subscribed.append(True)
    sub.on_message = lambda _c, _u, m: received.append((m.topic, m.payload))
    sub.subscribe("$share/gongzhi/gongzhi/devices/+/telemetry", qos=1)
    while not subscribed:
        sub.loop(0.05)

    assert not _client(port, "DEV-A", "wrong")[1]
    assert not _client(port, "DEV-OFF", tokens["DEV-OFF"])[1]  # disabled: no account
    dev_a, ok = _client(port, "DEV-A", tokens["DEV-A"])
    assert ok
    dev_a.publish("gongzhi/devices/DEV-B/telemetry", b'{"spoof": 1}', qos=1)  # dropped by the ACL
    dev_a.publish("gongzhi/devices/DEV-A/telemetry", b'{"smoke": 0}', qos=1)
    deadline = time.monotonic() + 20
    while not received and time.monotonic() < deadline:
        dev_a.loop(0.02)
        sub.loop(0.02)
    # Messages of one publisher arrive in order, so the spoof would have come first.
    sub.loop(0.1)
    assert received == [("gongzhi/devices/DEV-A/telemetry", b'{"smoke": 0}')]
    dev_a.disconnect()
    sub.disconnect()
