from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import T0

from gongzhi.devices import handlers, service, tasks
from gongzhi.devices.handlers import DeviceInfo
from gongzhi.devices.models import DeviceEvent

KIND = "silence_test_kind"


@pytest.fixture
def silences() -> Iterator[list[tuple[str, datetime | None, datetime]]]:
    calls: list[tuple[str, datetime | None, datetime]] = []

    def on_silence(session: Session, device: DeviceInfo, last_seen: datetime | None, now: datetime) -> None:
        calls.append((device.code, last_seen, now))

    handlers.register_silence(KIND, on_silence)
    yield calls
    handlers._silence_handlers[KIND].remove(on_silence)


def _events(session: Session, device_id: int) -> list[str]:
    return list(session.scalars(select(DeviceEvent.kind).where(DeviceEvent.device_id == device_id).order_by(DeviceEvent.id)))


def test_silence_once_per_episode(session: Session, silences: list[tuple[str, datetime | None, datetime]]) -> None:
    # interval 60 s, grace 2.5 → silent 150 s after the last reading
    dev, _ = service.register_device(session, code="SIL-1", kind=KIND, expected_interval_s=60, now=T0)
    quiet, _ = service.register_device(session, code="SIL-2", kind=KIND, now=T0)  # no interval: never silent
    service.ingest(session, dev, {"hr": 70}, T0)
    assert tasks.sweep_silence(session, T0 + timedelta(seconds=149)) == 0
    t1 = T0 + timedelta(seconds=151)
    assert tasks.sweep_silence(session, t1) == 1
    assert silences == [("SIL-1", T0, t1)]
    # Still silent: no second event.
    assert tasks.sweep_silence(session, t1 + timedelta(hours=1)) == 0
    assert _events(session, dev.id) == ["silent"]
    assert dev.silent_since == t1
    # It reports again: the episode closes, and a new silence opens a new one.
    t2 = t1 + timedelta(hours=2)
    service.ingest(session, dev, {"hr": 71}, t2)
    assert dev.silent_since is None
    assert tasks.sweep_silence(session, t2 + timedelta(seconds=151)) == 1
    assert _events(session, dev.id) == ["silent", "resumed", "silent"]
    assert len(silences) == 2
    assert _events(session, quiet.id) == []


def test_never_reported_and_disabled(session: Session, silences: list[tuple[str, datetime | None, datetime]]) -> None:
    _never, _ = service.register_device(session, code="SIL-3", kind=KIND, expected_interval_s=600, now=T0)
    off, _ = service.register_device(session, code="SIL-4", kind=KIND, expected_interval_s=600, now=T0)
    service.set_enabled(session, off, False, now=T0)
    later = T0 + timedelta(hours=1)
    assert tasks.sweep(session, later) == 1
    assert silences == [("SIL-3", None, later)]
    # Re-enabled: silence counts from then.
    service.set_enabled(session, off, True, now=later)
    assert tasks.sweep_silence(session, later + timedelta(seconds=1400)) == 0
    assert tasks.sweep_silence(session, later + timedelta(seconds=1600)) == 1


def test_load_all_finds_module_handlers() -> None:
    loaded = handlers.load_all()
    assert "gongzhi.eldercare.handlers" in loaded
    assert "wearable" in handlers._handlers  # eldercare subscribed
