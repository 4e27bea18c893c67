"""Devices in the demo street: a few of each kind, placed in its grids, with a day of readings.

Readings go through the real ingestion path (`devices.service.store`), so whatever handlers the
feature modules registered see them as they would live traffic. Values are ordinary (no smoke, no
gas, doors closed at night), so the history raises no alarms; one detector has gone quiet so the
silence sweep has something to report.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.devices import service
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device
from gongzhi.simulate.district import GridInfo, load_district

PREFIX = "DEMO-"
# kind, how many, expected interval (s), code stem
_FLEET: list[tuple[str, int, int, str]] = [
    ("traffic_detector", 8, 300, "TD"),
    ("people_counter", 4, 900, "PC"),
    ("smoke_detector", 4, 600, "SMK"),
    ("gas_detector", 3, 600, "GAS"),
    ("door_lock", 4, 900, "DL"),
    ("wearable", 2, 60, "WB"),  # spares in stock: eldercare's demo hands out its own wearables to elders
]
HISTORY_HOURS = 24


def _rush(hour_local: float) -> float:
    """Traffic shape: morning and evening peaks (Asia/Shanghai hours)."""
    return 0.25 + math.exp(-((hour_local - 8.0) ** 2) / 2.0) + 0.9 * math.exp(-((hour_local - 18.0) ** 2) / 2.5)


def _history(kind: str, interval_s: int, now: datetime, rng: random.Random) -> list[Reading]:
    out: list[Reading] = []
    start = now - timedelta(hours=HISTORY_HOURS)
    steps = HISTORY_HOURS * 3600 // interval_s
    for i in range(1, steps + 1):
        ts = (start + timedelta(seconds=i * interval_s)).replace(microsecond=0)
        local_hour = ((ts.hour + 8) % 24) + ts.minute / 60
        if kind == "traffic_detector":
            count = max(0, round(rng.gauss(60 * _rush(local_hour), 6)))
            speed = max(5.0, round(48 - 25 * _rush(local_hour) / 1.3 + rng.gauss(0, 3), 1))
            out += [Reading("vehicle_count", ts, float(count)), Reading("speed_kmh", ts, speed)]
        elif kind == "people_counter":
            level = 5 + 40 * math.exp(-((local_hour - 19.5) ** 2) / 6.0) if 6 <= local_hour <= 23 else 1.0
            out.append(Reading("people", ts, float(max(0, round(rng.gauss(level, math.sqrt(level)))))))
        elif kind == "smoke_detector":
            out += [Reading("smoke", ts, 0.0), Reading("battery", ts, 97.0 - i * 0.01)]
        elif kind == "gas_detector":
            out.append(Reading("gas_ppm", ts, round(abs(rng.gauss(3, 1)), 1)))
        elif kind == "door_lock":
            is_open = 1.0 if 7 <= local_hour <= 21 and rng.random() < 0.2 else 0.0
            out += [Reading("open", ts, is_open), Reading("forced", ts, 0.0)]
    return out


def _place(grid: GridInfo, rng: random.Random) -> tuple[float, float]:
    """A point inside the grid (lat, lng)."""
    minx, miny, maxx, maxy = grid.geometry.bounds
    for _ in range(100):
        lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if grid.geometry.contains(Point(lng, lat)):
            return lat, lng
    p = grid.geometry.representative_point()
    return p.y, p.x


def seed_devices(session: Session, now: datetime, *, seed: int = 20261123) -> dict[str, str]:
    """Register the demo fleet and a day of readings (idempotent). Returns code -> access token for
    the devices created now (empty when they already existed: tokens are kept only as hashes)."""
    if session.scalar(select(Device.id).where(Device.code.startswith(PREFIX, autoescape=True)).limit(1)):
        return {}
    rng = random.Random(seed)
    grids = load_district(session).grids
    tokens: dict[str, str] = {}
    quiet_code = f"{PREFIX}TD-08"
    n = 0
    for kind, count, interval, stem in _FLEET:
        for k in range(1, count + 1):
            grid = grids[n % len(grids)]
            n += 1
            lat, lng = _place(grid, rng)
            code = f"{PREFIX}{stem}-{k:02d}"
            owner = None if kind in ("traffic_detector", "wearable") else f"place:{grid.compound}"
            device, token = service.register_device(
                session, code=code, kind=kind, name=f"{grid.name} {stem}-{k:02d}", grid_id=grid.id,
                lat=lat, lng=lng, owner_ref=owner, expected_interval_s=interval,
                now=now - timedelta(hours=HISTORY_HOURS + 1),
            )
            tokens[code] = token
            if kind == "wearable":
                continue  # not worn yet: no history
            history = _history(kind, interval, now, rng)
            if code == quiet_code:
                history = [r for r in history if r.ts < now - timedelta(hours=3)]  # went quiet 3 h ago
            # Fed hour by hour, as live ingestion would, so handlers see time move forward.
            for hour in range(HISTORY_HOURS):
                lo = now - timedelta(hours=HISTORY_HOURS - hour)
                chunk = [r for r in history if lo <= r.ts < lo + timedelta(hours=1)]
                if chunk:
                    service.store(session, [(device, chunk)], chunk[-1].ts)
    session.flush()
    return tokens
