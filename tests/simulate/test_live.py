"""The live demo feed keeps every demo device reporting, through the real ingestion."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session
from tests.conftest import SavepointSessions
from tests.factories import T0

from gongzhi.devices import tasks
from gongzhi.devices.models import Device, DeviceReading
from gongzhi.simulate.devices_demo import seed_devices
from gongzhi.simulate.district import build_district
from gongzhi.simulate.live import feed_once, payload_for


def test_feed_reports_each_device_once_per_interval_and_nothing_goes_silent(
    session: Session, connection: Connection
) -> None:
    build_district(session, T0 - timedelta(days=2), 7)
    seed_devices(session, T0)
    session.flush()
    sessions = SavepointSessions(connection)
    rng = random.Random(1)

    def readings() -> int:
        return session.scalar(select(func.count()).select_from(DeviceReading)) or 0

    demo = session.scalar(select(func.count()).select_from(Device).where(Device.code.startswith("DEMO-")))
    before = readings()
    # The history ends an interval before T0: a minute on, every device is due and reports once.
    assert feed_once(sessions, T0 + timedelta(minutes=1), rng) == demo  # type: ignore[arg-type]
    assert readings() >= before + demo
    assert feed_once(sessions, T0 + timedelta(minutes=1, seconds=5), rng) == 0  # type: ignore[arg-type]
    # Two minutes on only the bands (every minute) are due again, not the 5-15 minute devices.
    again = feed_once(sessions, T0 + timedelta(minutes=2, seconds=10), rng)  # type: ignore[arg-type]
    assert again == session.scalar(select(func.count()).select_from(Device).where(Device.kind == "wearable"))
    # Twenty minutes on, every device is due and reports.
    assert feed_once(sessions, T0 + timedelta(minutes=20), rng) == demo  # type: ignore[arg-type]
    session.expire_all()
    tasks.sweep_silence(session, T0 + timedelta(minutes=21))
    silent = session.scalars(select(Device.code).where(Device.silent_since.is_not(None))).all()
    assert silent == []


def test_payloads_are_ordinary() -> None:
    rng = random.Random(2)
    night = T0.replace(hour=18)  # 02:00 in Shanghai
    band = payload_for("wearable", night, rng)
    assert 50 <= band["heart_rate"] <= 90 and band["spo2"] >= 96 and band["steps"] == 0
    assert payload_for("smoke_detector", night, rng)["smoke"] == 0
    assert payload_for("door_lock", night, rng) == {"open": 0.0, "forced": 0.0}
    assert payload_for("unknown_kind", night, rng) == {}
