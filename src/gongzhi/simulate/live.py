"""The demo street, live: every device reports ordinary readings on its schedule while the demo server runs.

`gongzhi serve --live-demo` (what `make demo` runs) starts this loop next to the server. Without it
the demo's wearables and detectors go quiet minutes after seeding and every elder raises a "band
silent" alarm. Readings go through the real ingestion (`devices.service.ingest`), so forecasts,
crowd baselines and elder vitals move as they would with real devices; values stay ordinary (no
smoke, no gas, no falls) so the only alarms are the ones people create.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from datetime import datetime

from sqlalchemy import select

from gongzhi.clock import Clock, local
from gongzhi.db import Database
from gongzhi.devices import service as devices
from gongzhi.devices.models import Device

log = logging.getLogger("gongzhi.simulate.live")

TICK_SECONDS = 30.0


def _rush(hour: float) -> float:
    return 0.25 + math.exp(-((hour - 8.0) ** 2) / 2.0) + 0.9 * math.exp(-((hour - 18.0) ** 2) / 2.5)


def payload_for(kind: str, at: datetime, rng: random.Random) -> dict[str, float]:
    """One ordinary report of a device of `kind` at `at` (ThingsBoard key/value form)."""
    hour = local(at).hour + local(at).minute / 60
    if kind == "wearable":
        awake = 7 <= hour < 21
        return {"heart_rate": round(rng.gauss(74 if awake else 62, 3)), "spo2": rng.choice((96, 97, 97, 98)),
                "temperature": round(rng.gauss(36.6, 0.15), 1), "steps": float(rng.randint(5, 40) if awake else 0),
                "battery": 80.0}
    if kind == "traffic_detector":
        return {"vehicle_count": float(max(0, round(rng.gauss(60 * _rush(hour), 6)))),
                "speed_kmh": round(max(5.0, 48 - 25 * _rush(hour) / 1.3 + rng.gauss(0, 3)), 1)}
    if kind == "people_counter":
        level = 5 + 40 * math.exp(-((hour - 19.5) ** 2) / 6.0) if 6 <= hour <= 23 else 1.0
        return {"people": float(max(0, round(rng.gauss(level, math.sqrt(level)))))}
    if kind == "smoke_detector":
        return {"smoke": 0.0, "battery": 96.0}
    if kind == "gas_detector":
        return {"gas_ppm": round(abs(rng.gauss(3, 1)), 1)}
    if kind == "door_lock":
        return {"open": 1.0 if 7 <= hour <= 21 and rng.random() < 0.2 else 0.0, "forced": 0.0}
    return {}


def feed_once(database: Database, now: datetime, rng: random.Random) -> int:
    """Every enabled device whose interval has passed since it last reported reports once; returns how many."""
    fed = 0
    with database.session() as session:
        due = session.scalars(select(Device).where(Device.enabled.is_(True)).order_by(Device.id)).all()
        for device in due:
            interval = device.expected_interval_s or 300
            last = device.last_seen_at
            if last is not None and (now - last).total_seconds() < interval * 0.9:
                continue
            payload = payload_for(device.kind, now, rng)
            if not payload:
                continue
            devices.ingest(session, device, {"ts": int(now.timestamp() * 1000), "values": payload}, now)
            fed += 1
    return fed


def run(database: Database, clock: Clock, stop: threading.Event, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    log.info("live demo feed started")
    while not stop.is_set():
        try:
            feed_once(database, clock.now(), rng)
        except Exception:  # a bad tick must not end the demo; the next one tries again
            log.exception("live demo feed failed")
        stop.wait(TICK_SECONDS)
