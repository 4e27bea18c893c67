from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import T0

from gongzhi.devices import service, tasks
from gongzhi.devices.models import Device, DeviceReading
from gongzhi.simulate.devices_demo import seed_devices
from gongzhi.simulate.district import build_district


def test_demo_fleet_in_the_street(session: Session) -> None:
    build_district(session, T0 - timedelta(days=2), 7)
    tokens = seed_devices(session, T0)
    kinds = Counter(session.scalars(select(Device.kind).where(Device.code.startswith("DEMO-"))))
    assert set(kinds) == {"traffic_detector", "people_counter", "smoke_detector", "gas_detector", "door_lock",
                          "wearable"}
    assert len(tokens) == sum(kinds.values())
    assert all(d.grid_id is not None for d in session.scalars(select(Device).where(Device.code.startswith("DEMO-"))))
    detector = service.require_device(session, "DEMO-TD-01")
    stats = service.hourly(session, detector.id, "vehicle_count", T0 - timedelta(hours=24), T0)
    assert len(stats) >= 23 and sum(s.count for s in stats) >= 280
    # A token works for ingestion.
    assert service.authenticate(session, tokens["DEMO-SMK-01"]).code == "DEMO-SMK-01"
    # The quiet detector (and only it among reporting devices) is found silent; unworn wearables too.
    assert tasks.sweep_silence(session, T0) >= 1
    silent = set(session.scalars(select(Device.code).where(Device.silent_since.is_not(None))))
    assert "DEMO-TD-08" in silent and "DEMO-TD-01" not in silent
    # Idempotent.
    before = session.scalar(select(func.count()).select_from(DeviceReading))
    assert seed_devices(session, T0) == {}
    assert session.scalar(select(func.count()).select_from(DeviceReading)) == before
